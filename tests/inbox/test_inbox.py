"""One inbox over every flow: who sees what, soonest breach first, and claiming without races."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.status import STATUS

from customers import services as customer_services
from keyaccounts.core.exceptions import TaskTakenError
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from keyaccounts.inbox.inbox import inbox_claim, inbox_release, inbox_rows
from keyaccounts.inbox.models import InboxEntry, SavedFilter
from sla.demo import seed_demo_policies
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
    first = customer_services.customer_register(user=manager, fields=customer_fields(1), contacts=[CONTACT])
    # The second registration has waited longer: its review is due first.
    with time_machine.travel(dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        second = customer_services.customer_register(user=manager, fields=customer_fields(2), contacts=[CONTACT])
    return [first, second]


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
    assert client.get(reverse("inbox_menu", args=[task.pk])).status_code == 404  # not even its actions menu
    assert client.post(reverse("inbox_action", args=[task.pk, "claim"])).status_code == 403
    task.refresh_from_db()
    assert task.owner is None


def test_the_inbox_page_shows_my_tasks_across_flows(client, reviewers, registrations):
    client.force_login(reviewers[0])
    page = client.get(reverse("inbox"), {"view": "queue"})
    assert page.status_code == 200
    assert "Review the customer record" in page.content.decode()
    task = page.context["rows"][0].task
    # Each row's actions menu is drawn when it is opened, sending the user back to the page they were on.
    assert reverse("inbox_menu", args=[task.pk]) in page.content.decode()
    back = f"{reverse('inbox')}?view=queue"
    menu = client.get(reverse("inbox_menu", args=[task.pk]), {"next": back}).content.decode()
    assert reverse("inbox_action", args=[task.pk, "claim"]) in menu
    assert f'value="{back}"' in menu
    for elsewhere in ("//evil.example", "/\\evil.example"):
        assert (
            "evil.example"
            not in client.get(reverse("inbox_menu", args=[task.pk]), {"next": elsewhere}).content.decode()
        )
    response = client.post(reverse("inbox_action", args=[task.pk, "claim"]), follow=True)
    assert "Claimed" in response.content.decode()
    assert [row.task.pk for row in client.get(reverse("inbox")).context["rows"]] == [task.pk]


@pytest.mark.django_db(transaction=True)
def test_two_colleagues_claiming_at_once_one_wins_the_other_is_told(reviewers, registrations):
    import threading

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


# ---------------------------------------------------------------------------- filters, views and hand-overs
def test_filters_narrow_the_rows_and_search_finds_a_credit_code(reviewers, registrations):
    reviewer = reviewers[0]
    customer = registrations[0].customer
    assert [r.record for r in inbox_rows(reviewer, view="queue", search=customer.credit_code)] == [registrations[0]]
    assert [r.record for r in inbox_rows(reviewer, view="queue", sla="breached")] == [registrations[1]]
    assert [r.record for r in inbox_rows(reviewer, view="queue", sla="ok")] == [registrations[0]]
    assert inbox_rows(reviewer, view="queue", flow="OrderFlow") == []
    assert len(inbox_rows(reviewer, view="queue", step="customer.review")) == 2
    assert inbox_rows(reviewer, view="queue", step="order.acceptance") == []
    assert inbox_rows(reviewer, view="queue", since=dt.date(2999, 1, 1)) == []
    level = customer.level or "B"
    assert {r.customer.level for r in inbox_rows(reviewer, view="queue", level=level)} <= {level}


def test_a_page_costs_the_same_queries_whatever_its_size(reviewers, registrations, django_assert_max_num_queries):
    from keyaccounts.inbox.inbox import InboxFilter, inbox_page

    reviewer = reviewers[0]
    inbox_page(reviewer, InboxFilter(view="queue"))  # warms the caches of permissions and content types
    with django_assert_max_num_queries(16) as one_row:  # scopes (2 per flow), count, page, rows, clocks
        rows, total = inbox_page(reviewer, InboxFilter(view="queue"), per_page=1)
    assert (len(rows), total) == (1, 2)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        assert len(inbox_page(reviewer, InboxFilter(view="queue"), per_page=50)[0]) == 2


def test_the_inbox_page_makes_as_many_queries_at_100_rows_as_at_25(client, reviewers, registrations, monkeypatch):
    from keyaccounts.inbox import views

    manager = registrations[0].requested_by
    for n in range(3, 101):
        customer_services.customer_register(user=manager, fields=customer_fields(n), contacts=[CONTACT])
    client.force_login(reviewers[0])

    def page_queries(per_page: int) -> int:
        monkeypatch.setattr(views, "PER_PAGE", per_page)
        client.get(reverse("inbox"), {"view": "queue"})  # warms the worker's caches
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("inbox"), {"view": "queue"})
            count = len(captured)
        assert len(page.context["rows"]) == per_page
        assert page.content.decode().count('data-testid="time-left"') == per_page
        return count

    assert page_queries(100) == page_queries(25)


def test_done_by_me_and_watching(reviewers, registrations, client):
    from customers import services
    from keyaccounts.inbox.inbox import watch

    reviewer = reviewers[0]
    task = inbox_rows(reviewer, view="queue")[0].task
    inbox_claim(user=reviewer, task_pk=task.pk)
    services.archiving_review(user=reviewer, task_pk=task.pk, decision="approve", reason="")
    assert [r.task.pk for r in inbox_rows(reviewer, view="done")] == [task.pk]
    assert inbox_rows(reviewer, view="watching") == []
    other = registrations[0] if task.process_id != registrations[0].process_id else registrations[1]
    watch(user=reviewer, process=other.process)
    assert {r.task.process_id for r in inbox_rows(reviewer, view="watching")} == {other.process_id}
    manager = registrations[0].customer.account_manager
    assert {r.record for r in inbox_rows(manager, view="watching")} >= {other}


def test_reassign_within_the_team_delegate_and_return(reviewers, registrations, user_in_role, audit_team):
    from keyaccounts.core.models import Notification
    from keyaccounts.inbox.inbox import inbox_delegate, inbox_reassign, inbox_return

    first, second = reviewers
    task = inbox_rows(first, view="queue")[0].task
    inbox_claim(user=first, task_pk=task.pk)
    inbox_reassign(user=first, task_pk=task.pk, to=second)
    task.refresh_from_db()
    assert task.owner == second
    assert Notification.objects.filter(recipient=second, kind=Notification.Kind.ASSIGNED).exists()
    with pytest.raises(TaskTakenError):  # no longer mine to give
        inbox_reassign(user=first, task_pk=task.pk, to=first)

    inbox_delegate(user=second, task_pk=task.pk, to=first)
    task.refresh_from_db()
    assert (task.owner, task.data["delegated_by"]) == (first, second.pk)
    inbox_return(user=first, task_pk=task.pk)
    task.refresh_from_db()
    assert task.owner == second
    assert "delegated_by" not in task.data


def test_no_handing_over_outside_the_team_unless_supervisor(reviewers, registrations, user_in_role):
    from keyaccounts.core.exceptions import ApplicationError
    from keyaccounts.inbox.inbox import inbox_bulk, inbox_reassign

    first, second = reviewers
    outsider = user_in_role(Role.BACK_OFFICE, username="outsider", teams=[TeamFactory(kind=Team.Kind.PRESALES)])
    task = inbox_rows(first, view="queue")[0].task
    inbox_claim(user=first, task_pk=task.pk)
    with pytest.raises(ApplicationError):
        inbox_reassign(user=first, task_pk=task.pk, to=outsider)
    task.refresh_from_db()
    assert task.owner == first  # nothing changed

    supervisor = user_in_role(Role.CITY_SUPERVISOR, username="boss")
    with pytest.raises(ApplicationError):  # a supervisor hands over to anyone who may do the step: not a presales
        inbox_reassign(user=supervisor, task_pk=task.pk, to=outsider)
    other = inbox_rows(second, view="queue")[0].task
    done, refused = inbox_bulk(user=supervisor, action="reassign", task_pks=[task.pk, other.pk], to=second)
    assert (done, refused) == (2, [])
    assert {r.task.pk for r in inbox_rows(second, view="mine")} == {task.pk, other.pk}
    with pytest.raises(PermissionDenied):
        inbox_bulk(user=first, action="reassign", task_pks=[task.pk], to=first)


def test_a_bad_filter_field_is_named_and_left_out(client, reviewers, registrations):
    client.force_login(reviewers[0])
    page = client.get(reverse("inbox"), {"view": "queue", "since": "not-a-date"})
    assert "Waiting since: Enter a valid date." in page.content.decode()
    assert page.context["total"] == 2  # still the queue, without the bad date


def test_a_task_is_offered_only_to_colleagues_who_may_work_on_its_step(client, reviewers, registrations, user_in_role):
    first, second = reviewers
    # In the audit team, but an account manager: may not review a customer.
    manager = user_in_role(Role.ACCOUNT_MANAGER, username="am_in_audit", teams=list(first.teams.all()))
    inbox_claim(user=first, task_pk=inbox_rows(first, view="queue")[0].task.pk)
    client.force_login(first)
    (row,) = client.get(reverse("inbox"), {"view": "mine"}).context["rows"]
    assert client.get(reverse("inbox_menu", args=[row.task.pk])).context["candidates"] == [second]
    # A supervisor's bulk hand-over on the queue lists the whole team.
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, username="boss"))
    assert manager in client.get(reverse("inbox"), {"view": "queue"}).context["candidates"]


def test_comments_land_on_the_records_timeline_and_a_stranger_cannot_comment(reviewers, registrations, user_in_role):
    from keyaccounts.core.exceptions import ApplicationError
    from keyaccounts.core.timeline import timeline_for
    from keyaccounts.inbox.inbox import inbox_comment

    task = inbox_rows(reviewers[0], view="queue")[0].task
    inbox_comment(user=reviewers[0], task_pk=task.pk, text="Called the customer, papers on the way.")
    record = task.process.archiving_request
    assert [e.reason for e in timeline_for(record) if e.action == "comment"] == [
        "Called the customer, papers on the way."
    ]
    with pytest.raises(ApplicationError):
        inbox_comment(user=reviewers[0], task_pk=task.pk, text="  ")
    stranger = user_in_role(Role.BACK_OFFICE, username="stranger", teams=[TeamFactory(kind=Team.Kind.PRESALES)])
    with pytest.raises(PermissionDenied):
        inbox_comment(user=stranger, task_pk=task.pk, text="hello")


def test_saved_filters_shared_with_the_team(client, reviewers, audit_team):
    first, second = reviewers
    client.force_login(first)
    client.post(
        reverse("inbox_filter_save"),
        {"name": "Late reviews", "team": audit_team.pk, "query": "view=queue&sla=breached"},
    )
    response = client.post(reverse("inbox_filter_save"), {"name": "Late reviews", "query": "view=mine"}, follow=True)
    assert "already have a filter with this name" in response.content.decode()
    client.force_login(second)
    page = client.get(reverse("inbox"))
    assert [f.name for f in page.context["saved_filters"]] == ["Late reviews"]
    assert page.context["saved_filters"][0].query == "view=queue&sla=breached"
    assert f"({audit_team})" in page.content.decode()  # whom it is shared with
    # Kept by the worker: the next page reads no filter, and more filters cost it nothing either.
    assert not _queries_on(client, reverse("inbox"), SavedFilter._meta.db_table)
    before = len(_queries_on(client, reverse("inbox")))
    client.force_login(first)
    for n in range(3):
        client.post(reverse("inbox_filter_save"), {"name": f"Mine {n}", "team": audit_team.pk, "query": "view=mine"})
    client.force_login(second)
    names = [f.name for f in client.get(reverse("inbox")).context["saved_filters"]]  # read again: they changed
    assert names == ["Late reviews", "Mine 0", "Mine 1", "Mine 2"]
    assert len(_queries_on(client, reverse("inbox"))) == before
    # A renamed team and a deleted filter show on the next page.
    audit_team.name_en = "Audit squad"
    audit_team.save()
    assert "(Audit squad)" in client.get(reverse("inbox")).content.decode()
    client.force_login(first)
    client.post(reverse("inbox_filter_delete", args=[SavedFilter.objects.get(name="Mine 0").pk]))
    client.force_login(second)
    names = [f.name for f in client.get(reverse("inbox")).context["saved_filters"]]
    assert names == ["Late reviews", "Mine 1", "Mine 2"]


def _queries_on(client, url: str, table: str = "") -> list[str]:
    """The statements a page view ran (those naming `table`, when given)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries if table in q["sql"]]


def test_the_process_page_shows_chart_steps_and_chain_only_to_who_may_see(
    client, reviewers, registrations, user_in_role, other_city
):
    process = registrations[0].process
    client.force_login(reviewers[0])
    page = client.get(reverse("process", args=[process.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-node="review"' in body  # the process map
    assert "Customer record review" in body  # the SLA step by its name
    assert registrations[0].customer.name in body
    stranger = user_in_role(Role.ACCOUNT_MANAGER, city=other_city, username="far_away")
    client.force_login(stranger)
    assert client.get(reverse("process", args=[process.pk])).status_code == 404


def test_all_open_tasks_and_a_product_filter_answer_for_everyone(client, reviewers, registrations):
    """Flows a filter leaves out (no product on a customer record) and "All" asked by someone who may not
    oversee give no rows, never an error."""
    from keyaccounts.catalogue.models import Product

    product = Product.objects.create(code="vpmn", name_en="VPMN", name_zh="VPMN", bearer_mode="voice", route="T1")
    client.force_login(reviewers[0])
    page = client.get(reverse("inbox"), {"view": "all"})
    assert (page.status_code, page.context["total"]) == (200, 0)
    page = client.get(reverse("inbox"), {"view": "queue", "product": product.pk})
    assert (page.status_code, page.context["total"]) == (200, 0)


def test_pages_keep_the_calendar_until_it_changes_and_read_it_once_however_clocks_name_it(
    client, reviewers, registrations
):
    from django.conf import settings

    from sla.models import BusinessCalendar, SlaClock, WorkingWindow

    def calendar_reads(**params) -> tuple[list, int]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("inbox"), {"view": "queue", **params})
        times = [row.sla.time_left for row in page.context["rows"]]
        return times, len([q for q in captured.captured_queries if "sla_workingwindow" in q["sql"]])

    calendar, _ = BusinessCalendar.objects.get_or_create(code=settings.SLA_DEFAULT_CALENDAR)
    WorkingWindow.objects.create(calendar=calendar, weekday=0, starts=dt.time(9), ends=dt.time(17))
    client.force_login(reviewers[0])
    shown, reads = calendar_reads()
    assert reads == 1  # however many clocks run on it
    assert calendar_reads() == (shown, 0)  # kept by the worker
    # A customer's or city's calendar may be the default one itself, named by its pk: the page shows the same
    # and reads it once.
    SlaClock.objects.filter(pk=SlaClock.objects.filter(stopped_at=None).first().pk).update(calendar=calendar)
    assert calendar_reads(page=1) == (shown, 1)
    # Working hours added: the next page reads the calendar again and counts them.
    for weekday in range(1, 7):
        WorkingWindow.objects.create(calendar=calendar, weekday=weekday, starts=dt.time(9), ends=dt.time(17))
    changed, reads = calendar_reads()
    assert (reads, changed != shown) == (1, True)


def test_claimable_steps_sharing_cities_make_one_condition_and_nothing_claimable_lists_nothing(
    registrations, city, other_city
):
    from customers.flows import ArchivingFlow
    from keyaccounts.core.workflow import claimable_q
    from keyaccounts.inbox.models import InboxEntry

    reviews = set(InboxEntry.objects.filter(flow_task=ArchivingFlow.review).values_list("task_id", flat=True))
    assert len(reviews) == 2

    def listed(claimable):
        return set(InboxEntry.objects.filter(claimable_q(claimable, city="city")).values_list("task_id", flat=True))

    assert listed([]) == set()
    assert listed([([ArchivingFlow.review], [other_city.pk])]) == set()
    both = [([ArchivingFlow.review], [city.pk]), ([ArchivingFlow.approve], [city.pk])]
    assert listed(both) == reviews
    assert str(InboxEntry.objects.filter(claimable_q(both, city="city")).query).count('"flow_task" IN') == 1
    assert listed([([ArchivingFlow.approve], None), ([ArchivingFlow.review], None)]) == reviews  # any city


def test_an_entry_written_over_takes_the_followed_values_and_a_missing_one_is_written_anew(reviewers, registrations):
    entry = InboxEntry.objects.order_by("pk").first()
    changed = InboxEntry.objects.get(pk=entry.pk)
    changed.status, changed.sla_step = "DONE", "elsewhere"

    def upsert(entries, update):  # as `inbox_follow` writes its entries
        InboxEntry.objects.bulk_create(entries, update_conflicts=True, unique_fields=["task"], update_fields=update)

    upsert([changed], ["status"])

    kept = InboxEntry.objects.get(pk=entry.pk)
    assert (kept.status, kept.sla_step, kept.created) == ("DONE", entry.sla_step, entry.created)
    InboxEntry.objects.filter(pk=entry.pk).delete()
    upsert([changed], ["status"])
    assert InboxEntry.objects.get(pk=entry.pk).sla_step == "elsewhere"
    upsert([entry], ["status", "sla_step"])  # back in step with its task
    assert InboxEntry.objects.get(pk=entry.pk).status == entry.status
