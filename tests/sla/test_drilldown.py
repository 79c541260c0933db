"""A dashboard figure leads to exactly the clocks it counts, in the user's scope; a period that makes no sense
is refused with the form's error."""

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from keyaccounts.core.roles import Role
from sla.models import SlaClock
from tests.sla.test_dashboard import clock

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def _links(html: str, testid: str) -> list[str]:
    """The drill-down links of one dashboard table, as the page gives them."""
    table = re.search(rf'data-testid="{testid}".*?</table>', html, re.S).group(0)
    return [unescape(href) for href in re.findall(r'href="([^"]*/sla/clocks/[^"]*)"', table)]


def _listed(client, url: str) -> list:
    return [row["clock"] for row in client.get(url).context["rows"]]


def test_every_count_of_a_figure_links_to_exactly_its_clocks(client, user_in_role, clocks, city):
    client.force_login(user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None))
    response = client.get(reverse("sla:dashboard"))
    html = response.content.decode()
    for testid, table in (("by-step", "by_step"), ("by-city", "by_city")):
        rows = response.context[table]
        links = _links(html, testid)
        assert len(links) == 3 * len(rows)  # the row's name, its met and its breached
        for row, (everything, met, breached) in zip(rows, zip(*[iter(links)] * 3, strict=True), strict=True):
            assert len(_listed(client, everything)) == row["met"] + row["breached"]
            assert {c.state for c in _listed(client, met)} <= {"met"}
            assert len(_listed(client, met)) == row["met"]
            assert len(_listed(client, breached)) == row["breached"]
    jilin = next(row for row in response.context["by_city"] if row["key"] == "Jilin")
    (everything, _met, _breached) = _links(html, "by-city")[3:6]
    assert {c.city.name_en for c in _listed(client, everything)} == {"Jilin"}
    assert jilin["breached"] == 1


def test_the_bottleneck_and_trend_figures_link_to_their_clocks(client, user_in_role, clocks, city):
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    response = client.get(reverse("sla:dashboard"))
    for row in response.context["bottlenecks"]:
        assert len(_listed(client, f"{reverse('sla:clocks')}?{row['link']}")) == row["count"]
    for row in response.context["trend"]:
        assert len(_listed(client, f"{reverse('sla:clocks')}?{row['link']}")) == row["total"]
    assert sum(row["total"] for row in response.context["trend"]) == 5


def test_at_risk_steps_link_to_the_inbox_filtered_alike(client, user_in_role, clocks, city):
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    response = client.get(reverse("sla:dashboard"))
    queries = [parse_qs(row["inbox"]) for row in response.context["at_risk_rows"]]
    assert queries[0] == {"view": ["all"], "step": ["order.approval"], "sla": ["breached"], "city": [str(city.pk)]}
    assert queries[1]["sla"] == ["warning"]
    html = response.content.decode()
    assert f'href="{reverse("inbox")}?view=all&amp;step=order.approval&amp;sla=breached&amp;city={city.pk}"' in html
    form = client.get(reverse("inbox"), queries[0]).context["form"]  # the inbox reads the same filter
    assert form.is_valid(), form.errors


def test_a_city_supervisor_never_sees_another_citys_clocks(client, user_in_role, clocks, city, other_city):
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    listed = _listed(client, reverse("sla:clocks"))
    assert len(listed) == 5
    assert {c.city_id for c in listed} == {city.pk}
    # Editing the URL to name the other city finds nothing to show.
    assert client.get(reverse("sla:clocks"), {"city": other_city.pk}).status_code == 404
    assert client.get(reverse("sla:clocks"), {"city": 999_999}).status_code == 404
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, username="am"))
    assert client.get(reverse("sla:clocks")).status_code == 403


def test_a_provincial_supervisor_narrows_the_drilldown_to_a_city(client, user_in_role, clocks, other_city):
    client.force_login(user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None))
    assert len(_listed(client, reverse("sla:clocks"))) == 6
    assert [c.city_id for c in _listed(client, f"{reverse('sla:clocks')}?city={other_city.pk}")] == [other_city.pk]


def test_the_drilldown_reads_a_page_in_a_flat_number_of_queries(
    client, user_in_role, city, customer, django_assert_max_num_queries
):
    for n in range(60):
        clock(city, "order.acceptance", hours_taken=1 + n % 6, breached=n % 6 > 3)
    # Some of them timed another kind of record: a read more, however many rows.
    SlaClock.objects.filter(pk__in=SlaClock.objects.values("pk")[:10]).update(
        subject_type=ContentType.objects.get_for_model(customer), subject_id=customer.pk
    )
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    client.get(reverse("sla:clocks"))  # sessions and content types read once
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sla:clocks"))
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.count == 60
    assert client.get(reverse("sla:clocks"), {"page": 2}).context["rows"][-1]["clock"].pk == min(
        SlaClock.objects.values_list("pk", flat=True)
    )


def test_a_clock_links_to_the_process_it_timed(client, user_in_role, city):
    from customers import services
    from customers.flows import ArchivingFlow
    from customers.selectors import archiving_open_tasks
    from keyaccounts.core.models import Team
    from sla.demo import seed_demo_policies
    from tests.factories import CONTACT, TeamFactory, customer_fields

    seed_demo_policies()
    reviewer = user_in_role(Role.BACK_OFFICE, username="bo")
    reviewer.teams.add(TeamFactory(city=city, kind=Team.Kind.CUSTOMER_AUDIT))
    manager = user_in_role(Role.ACCOUNT_MANAGER, username="am_wang")
    request = services.customer_register(user=manager, fields=customer_fields(3), contacts=[CONTACT])
    review = archiving_open_tasks(request.customer).get(flow_task=ArchivingFlow.review)
    services.archiving_review(user=reviewer, task_pk=review.pk, decision=request.Decision.APPROVE)
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    response = client.get(reverse("sla:clocks"))
    (row,) = response.context["rows"]
    assert row["record"] == reverse("process", args=[request.process_id])
    assert "Customer record review" in response.content.decode()


def test_the_drilldown_shows_step_names_in_both_languages(client, user_in_role, city):
    clock(city, "customer.review", hours_taken=1)
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    assert "Customer record review" in client.get(reverse("sla:clocks")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(reverse("sla:clocks")).content.decode()
    assert "客户资料审核" in page
    assert "customer.review" not in page
    assert "已结束的 SLA 计时" in page


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-03-10", "2026-03-01", "comes after its end"),
        ("2024-01-01", "2026-01-01", "at most a year long"),
        (None, "2999-01-01", "cannot end in the future"),
        ("yesterday", "2026-01-01", "Enter a valid date"),
    ],
)
@pytest.mark.parametrize("page", ["sla:dashboard", "sla:clocks"])
def test_a_period_that_makes_no_sense_is_refused(client, user_in_role, city, page, start, end, message):
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    response = client.get(reverse(page), {k: v for k, v in {"start": start, "end": end}.items() if v})
    assert response.status_code == 200
    assert message in response.content.decode()
    today = timezone.localdate()
    assert (response.context["period"].start, response.context["period"].end) == (
        today - dt.timedelta(days=29),
        today,
    )


def test_a_sensible_period_is_kept(client, user_in_role, city):
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))
    response = client.get(reverse("sla:dashboard"), {"start": "2026-01-01", "end": "2026-03-31"})
    assert (str(response.context["period"].start), str(response.context["period"].end)) == ("2026-01-01", "2026-03-31")
    assert 'data-testid="period-errors"' not in response.content.decode()
