"""SLA clocks against the demo working calendar, moving time with time-machine."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from customers import services as customer_services
from customers.flows import ArchivingFlow
from customers.selectors import archiving_open_tasks
from sla.models import SlaClock, SlaPolicy, TimeBasis
from sla.services import (
    sla_clock_pause,
    sla_clock_resume,
    sla_clock_start,
    sla_clock_stop,
    sla_policy_for,
    sla_status,
)
from tests.factories import CONTACT, customer_fields

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def calendar(db):
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def subject(city):
    return city  # any saved row can carry a clock


def policy(step="x.step", level="", limit=4 * H, basis=TimeBasis.WORKING) -> SlaPolicy:
    return SlaPolicy.objects.create(step=step, customer_level=level, limit=limit, time_basis=basis)


def test_working_time_skips_the_evening_and_the_weekend(calendar, subject):
    policy()
    # Friday 16:00 → 1.5 h left that day; 2.5 h more from Monday 08:30.
    clock = sla_clock_start(subject=subject, step="x.step", now=at(2026, 11, 27, 16, 0))
    assert clock.due_at == at(2026, 11, 30, 11, 0)
    assert sla_status(clock, now=at(2026, 11, 27, 17, 0)).level == "ok"
    assert sla_status(clock, now=at(2026, 11, 30, 9, 0)).level == "warning"  # 2 h of 4 used
    assert sla_status(clock, now=at(2026, 11, 30, 11, 1)).level == "breached"


def test_the_lunch_break_does_not_count(calendar, subject):
    policy(limit=1 * H)
    clock = sla_clock_start(subject=subject, step="x.step", now=at(2026, 11, 24, 11, 30))
    assert clock.due_at == at(2026, 11, 24, 14, 0)


def test_a_pause_keeps_the_time_used_and_resume_moves_the_due_time(calendar, subject):
    policy()
    sla_clock_start(subject=subject, step="x.step", now=at(2026, 11, 24, 9, 0))  # due 14:30
    sla_clock_pause(subject=subject, step="x.step", now=at(2026, 11, 24, 10, 0))  # 1 h used
    clock = sla_clock_resume(subject=subject, step="x.step", now=at(2026, 11, 25, 9, 0))  # 3 h left
    assert clock.consumed == 1 * H
    assert clock.due_at == at(2026, 11, 25, 12, 0)
    assert sla_clock_stop(subject=subject, step="x.step", now=at(2026, 11, 25, 11, 0)).state == SlaClock.State.MET


def test_stopping_after_the_due_time_is_a_breach(calendar, subject):
    policy(limit=2 * H, basis=TimeBasis.CALENDAR)
    clock = sla_clock_start(subject=subject, step="x.step", now=at(2026, 11, 28, 22, 0))  # Saturday night
    assert clock.due_at == at(2026, 11, 29, 0, 0)  # calendar time ignores the weekend
    assert sla_clock_stop(subject=subject, step="x.step", now=at(2026, 11, 29, 0, 1)).state == SlaClock.State.BREACHED


def test_a_policy_change_applies_to_new_clocks_only(calendar, subject, other_city):
    rule = policy()
    running = sla_clock_start(subject=subject, step="x.step", now=at(2026, 11, 24, 9, 0))
    rule.limit = 1 * H
    rule.save()  # as the admin saves it
    running.refresh_from_db()
    assert running.limit == 4 * H
    assert sla_clock_start(subject=other_city, step="x.step", now=at(2026, 11, 24, 9, 0)).limit == 1 * H


def test_the_most_specific_policy_wins(calendar):
    assert sla_policy_for(step="customer.review", level="A").limit == 2 * H
    assert sla_policy_for(step="customer.review", level="C").limit == 4 * H
    assert sla_policy_for(step="no.such.step") is None


def test_archiving_steps_run_under_their_clocks(calendar, user_in_role):
    from keyaccounts.core.models import User

    manager, reviewer = User.objects.get(username="am_changchun"), User.objects.get(username="bo_changchun")
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
        request = customer_services.customer_register(
            user=manager, fields=customer_fields(77, proposed_level="C"), contacts=[CONTACT]
        )
    of_request = {"subject_type": ContentType.objects.get_for_model(request), "subject_id": request.pk}
    review = SlaClock.objects.get(**of_request, step="customer.review")
    assert review.due_at == at(2026, 11, 24, 14, 30)  # 3 h before lunch, 1 h after

    with time_machine.travel(at(2026, 11, 24, 15, 0), tick=False):  # half an hour late
        customer_services.archiving_review(
            user=reviewer,
            task_pk=archiving_open_tasks(request.customer).get(flow_task=ArchivingFlow.review).pk,
            decision="return",
            reason="address incomplete",
        )
    review.refresh_from_db()
    assert review.state == SlaClock.State.BREACHED
    correction = SlaClock.objects.get(**of_request, step="customer.correction", stopped_at__isnull=True)
    assert correction.started_at == at(2026, 11, 24, 15, 0)


def test_supervisors_see_the_running_clocks_of_their_scope_soonest_first(calendar, client):
    from django.urls import reverse

    from keyaccounts.core.models import User

    # The demo data leaves customers waiting for review and approval in Changchun and Jilin.
    client.force_login(User.objects.get(username="sup_changchun"))
    panel = next(p for p in client.get(reverse("home")).context["panels"] if p.template.endswith("sla_overview.html"))
    statuses = panel.context["statuses"]
    assert statuses
    assert {s.clock.city.code for s in statuses} == {"changchun"}
    assert [s.clock.due_at for s in statuses] == sorted(s.clock.due_at for s in statuses)

    client.force_login(User.objects.get(username="sup_province"))
    panel = next(p for p in client.get(reverse("home")).context["panels"] if p.template.endswith("sla_overview.html"))
    assert {s.clock.city.code for s in panel.context["statuses"]} == {"changchun", "jilin"}


def test_a_customer_or_city_calendar_counts_their_working_time(calendar, subject):
    from customers.models import Customer
    from sla.models import BusinessCalendar, CityCalendar, CustomerCalendar, WorkingWindow

    policy(), policy(step="x.first")
    round_the_clock = BusinessCalendar.objects.create(code="7x24", name_en="7×24", name_zh="7×24")
    for day in range(7):
        WorkingWindow.objects.create(calendar=round_the_clock, weekday=day, starts=dt.time(0, 0), ends=dt.time(23, 59))
    friday_evening = at(2026, 11, 27, 20, 0)
    # No calendar of their own: the default one; the evening, the weekend and lunch do not count.
    assert sla_clock_start(subject=subject, step="x.step", now=friday_evening).due_at == at(2026, 11, 30, 14, 0)
    customer = Customer.objects.filter(city=subject).first()
    first = sla_clock_start(subject=customer, step="x.first", city=subject, customer=customer, now=friday_evening)
    assert first.calendar is None  # the default: what is kept of the customer says so until it changes
    CustomerCalendar.objects.create(customer=customer, calendar=round_the_clock)
    clock = sla_clock_start(subject=customer, step="x.step", city=subject, customer=customer, now=friday_evening)
    assert clock.calendar == round_the_clock
    assert clock.due_at == at(2026, 11, 28, 0, 1)  # four hours of the customer's 7×24 (23:59 → 00:00 is a gap)
    CityCalendar.objects.create(city=subject, calendar=round_the_clock)
    other = Customer.objects.filter(city=subject).exclude(pk=customer.pk).first()
    city_clock = sla_clock_start(subject=other, step="x.step", city=subject, customer=other, now=friday_evening)
    assert city_clock.calendar == round_the_clock


def test_following_steps_takes_ids_and_asks_the_level_only_when_a_clock_starts(calendar, subject, user_in_role):
    from customers.models import Customer
    from keyaccounts.core.roles import Role
    from sla.models import BusinessCalendar, CustomerCalendar, WorkingWindow
    from sla.services import sla_clocks_follow

    policy(level="A", limit=2 * H), policy(limit=4 * H)
    customer, manager = Customer.objects.filter(city=subject).first(), user_in_role(Role.ACCOUNT_MANAGER)
    round_the_clock = BusinessCalendar.objects.create(code="7x24", name_en="7×24", name_zh="7×24")
    for day in range(7):
        WorkingWindow.objects.create(calendar=round_the_clock, weekday=day, starts=dt.time(0, 0), ends=dt.time(23, 59))
    CustomerCalendar.objects.create(customer=customer, calendar=round_the_clock)
    asked = []

    def level():
        asked.append("level")
        return "A"

    def follow(open_steps, now):
        return sla_clocks_follow(
            subject=customer,
            open_steps=open_steps,
            level=level,
            city=subject.pk,
            customer=customer.pk,
            account_manager=manager.pk,
            now=now,
        )

    friday_evening = at(2026, 11, 27, 20, 0)
    clock = follow({"x.step"}, friday_evening)["x.step"]
    # The level-A policy, on the customer's own calendar found by its id, counted for the city and manager given.
    assert (clock.limit, clock.calendar, clock.due_at) == (2 * H, round_the_clock, at(2026, 11, 27, 22, 0))
    assert (clock.city_id, clock.account_manager_id) == (subject.pk, manager.pk)
    assert follow({"x.step"}, friday_evening + H) == {"x.step": clock}  # still running: nothing asked again
    assert asked == ["level"]
    assert follow(set(), friday_evening + H) == {}
    clock.refresh_from_db()
    assert (clock.state, clock.stopped_at) == (SlaClock.State.MET, friday_evening + H)


def test_when_the_last_step_is_done_each_open_clock_stops_met_or_breached_in_one_statement(
    calendar, subject, other_city, django_assert_num_queries
):
    from sla.services import sla_clocks_follow

    for step in ("a.late", "a.breached", "a.paused", "a.in_time", "a.stopped"):
        policy(step=step, basis=TimeBasis.CALENDAR)
    start = at(2026, 11, 27, 9, 0)
    clocks = {
        step: sla_clock_start(subject=subject, step=step, now=start)
        for step in ("a.late", "a.breached", "a.paused", "a.in_time", "a.stopped")
    }
    elsewhere = sla_clock_start(subject=other_city, step="a.late", now=start)
    SlaClock.objects.filter(pk=clocks["a.breached"].pk).update(state=SlaClock.State.BREACHED)
    SlaClock.objects.filter(pk=clocks["a.in_time"].pk).update(due_at=start + 10 * H)
    sla_clock_pause(subject=subject, step="a.paused", now=start + H)
    sla_clock_stop(subject=subject, step="a.stopped", now=start + H)
    stopped_before = SlaClock.objects.get(pk=clocks["a.stopped"].pk)

    with django_assert_num_queries(1):
        assert sla_clocks_follow(subject=subject, open_steps=set(), now=start + 5 * H) == {}
    after = {clock.step: clock for clock in SlaClock.objects.filter(pk__in=[c.pk for c in clocks.values()])}
    assert {step: clock.state for step, clock in after.items()} == {
        "a.late": SlaClock.State.BREACHED,  # ran past its due time (4 h)
        "a.breached": SlaClock.State.BREACHED,
        "a.paused": SlaClock.State.MET,
        "a.in_time": SlaClock.State.MET,
        "a.stopped": stopped_before.state,
    }
    assert {
        step: (clock.stopped_at, clock.uncounted) for step, clock in after.items() if step != "a.stopped"
    } == dict.fromkeys(("a.late", "a.breached", "a.paused", "a.in_time"), (start + 5 * H, True))
    assert after["a.stopped"].stopped_at == stopped_before.stopped_at == start + H
    elsewhere.refresh_from_db()
    assert (elsewhere.stopped_at, elsewhere.state) == (None, SlaClock.State.RUNNING)  # another subject's


def test_the_clocks_of_several_subjects_come_in_one_read_in_the_order_given(
    calendar, city, other_city, django_assert_num_queries
):
    from sla.services import sla_statuses_for

    policy(step="x.one")
    policy(step="x.two", basis=TimeBasis.CALENDAR)
    later = sla_clock_start(subject=city, step="x.one", now=at(2026, 11, 24, 10, 0))
    earlier = sla_clock_start(subject=other_city, step="x.two", now=at(2026, 11, 24, 9, 0))
    first = sla_clock_start(subject=city, step="x.two", now=at(2026, 11, 24, 9, 30))
    sla_statuses_for(city)  # warms the content types and the cached calendar
    with django_assert_num_queries(1):  # the clocks; the default calendar from the cache
        statuses = sla_statuses_for(city, None, other_city, now=at(2026, 11, 24, 11, 0))
    assert [s.clock for s in statuses] == [first, later, earlier]  # the city's by their start, then the other's
    assert sla_statuses_for(None) == []


def test_a_clock_gets_its_policys_calendar_and_the_team_serving_its_city(calendar, subject, other_city):
    from keyaccounts.core.models import Team
    from sla.models import BusinessCalendar
    from tests.factories import TeamFactory

    own = BusinessCalendar.objects.create(code="policy-own", name_en="Own", name_zh="自有", time_zone="UTC")
    for day in range(7):
        own.windows.create(weekday=day, starts=dt.time(0, 0), ends=dt.time(23, 59))
    SlaPolicy.objects.create(
        step="x.step", limit=4 * H, time_basis=TimeBasis.WORKING, calendar=own, team_kind=Team.Kind.PROVISIONING
    )
    Team.objects.filter(kind=Team.Kind.PROVISIONING).delete()
    provincial = TeamFactory(kind=Team.Kind.PROVISIONING, city=None, code="prov-b")
    TeamFactory(kind=Team.Kind.PROVISIONING, city=None, code="prov-c")
    of_city = TeamFactory(kind=Team.Kind.PROVISIONING, city=subject, code="prov-a")
    friday_evening = at(2026, 11, 27, 20, 0)
    clock = sla_clock_start(subject=subject, step="x.step", city=subject, now=friday_evening)
    assert (clock.calendar, clock.team) == (own, of_city)
    # The policy's own calendar, in its own time zone: 12:00 UTC on Friday, four working hours later.
    assert clock.due_at == dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.UTC)
    elsewhere = sla_clock_start(subject=other_city, step="x.step", city=other_city, now=friday_evening)
    assert elsewhere.team == provincial  # no team of its own: the provincial one (the first by code)


def test_a_clock_reads_its_policy_and_its_calendar_from_the_cache(calendar, city, other_city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sla.models import WorkingWindow

    policy(), policy(step="x.later")
    friday = at(2026, 11, 27, 16, 0)
    assert sla_clock_start(subject=city, step="x.step", now=friday).due_at == at(2026, 11, 30, 11, 0)
    with CaptureQueriesContext(connection) as captured:
        sla_clock_start(subject=other_city, step="x.step", now=friday)
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    # The running clock looked for; the policy, its routes and the calendar from the cache.
    assert len(reads) == 1
    assert not [sql for sql in reads if WorkingWindow._meta.db_table in sql]
    # Friday's afternoon made longer: the next clock counts by it at once.
    window = WorkingWindow.objects.filter(calendar__code="jilin-standard", weekday=4, starts__gte=dt.time(12, 0)).get()
    window.ends = dt.time(20, 0)
    window.save()
    assert sla_clock_start(subject=city, step="x.later", now=friday).due_at == at(2026, 11, 27, 20, 0)
