"""One inbox over every flow: who sees what, soonest breach first, and claiming without races."""

import datetime as dt

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from customers import services as customer_services
from keyaccounts.core.exceptions import TaskTakenError
from keyaccounts.core.inbox import inbox_claim, inbox_release, inbox_rows
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from sla.demo import seed_demo_policies
from sla.models import SlaClock
from tests.factories import CONTACT, TeamFactory, customer_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_team(city):
    return TeamFactory(city=city, kind=Team.Kind.CUSTOMER_AUDIT)


@pytest.fixture
def reviewers(user_in_role, audit_team):
    return [user_in_role(Role.BACK_OFFICE, teams=[audit_team], username=f"reviewer{n}") for n in (1, 2)]


@pytest.fixture
def registrations(user_in_role):
    seed_demo_policies()
    manager = user_in_role(Role.ACCOUNT_MANAGER, username="am")
    requests = [
        customer_services.customer_register(user=manager, fields=customer_fields(n), contacts=[CONTACT]) for n in (1, 2)
    ]
    # The second registration has waited longer: its review is due first.
    SlaClock.objects.filter(subject_id=requests[1].pk).update(due_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return requests


def test_the_team_queue_lists_reviews_soonest_breach_first_with_time_left(reviewers, registrations):
    rows = inbox_rows(reviewers[0], view="queue")
    assert [row.record for row in rows] == [registrations[1], registrations[0]]
    assert [row.sla.level for row in rows] == ["breached", "ok"]
    assert rows[1].sla.time_left > dt.timedelta(0)
    assert inbox_rows(reviewers[0], view="mine") == []


def test_claim_moves_a_task_to_my_tasks_and_a_colleague_is_told_it_was_taken(reviewers, registrations):
    first, second = reviewers
    task = inbox_rows(first, view="queue")[0].task
    inbox_claim(user=first, task_pk=task.pk)
    assert [row.task.pk for row in inbox_rows(first, view="mine")] == [task.pk]
    assert task.pk not in [row.task.pk for row in inbox_rows(second, view="queue")]
    with pytest.raises(TaskTakenError):
        inbox_claim(user=second, task_pk=task.pk)
    inbox_release(user=first, task_pk=task.pk)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)


def test_another_citys_team_cannot_claim_and_pages_say_so(client, user_in_role, other_city, registrations):
    stranger = user_in_role(
        Role.BACK_OFFICE, city=other_city, teams=[TeamFactory(city=other_city, kind=Team.Kind.CUSTOMER_AUDIT)]
    )
    assert inbox_rows(stranger, view="queue") == []
    task = registrations[0].process.task_set.get(status=STATUS.NEW)
    client.force_login(stranger)
    assert client.post(reverse("inbox_action", args=[task.pk, "claim"])).status_code == 403
    task.refresh_from_db()
    assert task.owner is None


def test_the_inbox_page_shows_my_tasks_across_flows(client, reviewers, registrations):
    client.force_login(reviewers[0])
    page = client.get(reverse("inbox"), {"view": "queue"})
    assert page.status_code == 200
    assert "Review the customer record" in page.content.decode()
    task = page.context["page"].object_list[0].task
    response = client.post(reverse("inbox_action", args=[task.pk, "claim"]), follow=True)
    assert "Claimed" in response.content.decode()
    assert [row.task.pk for row in client.get(reverse("inbox")).context["page"].object_list] == [task.pk]


@pytest.mark.django_db(transaction=True)
def test_two_colleagues_claiming_at_once_one_wins_the_other_is_told(reviewers, registrations):
    import threading

    from django.db import connection

    task = inbox_rows(reviewers[0], view="queue")[0].task
    outcomes, barrier = {}, threading.Barrier(2)

    def claim(user):
        barrier.wait()
        try:
            inbox_claim(user=user, task_pk=task.pk)
            outcomes[user.username] = "claimed"
        except TaskTakenError:
            outcomes[user.username] = "taken"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["claimed", "taken"]
    task.refresh_from_db()
    assert task.owner.username == next(name for name, outcome in outcomes.items() if outcome == "claimed")
