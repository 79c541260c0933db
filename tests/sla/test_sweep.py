"""The sweep raises each warning and breach once, on the subject's timeline, and tells the supervisor."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from keyaccounts.core.models import Notification, User
from keyaccounts.core.notifications import notification_text, notifications_email_sweep
from keyaccounts.core.timeline import timeline_for
from keyaccounts.inbox.inbox import inbox_rebuild
from sla.models import SlaClock, SlaPolicy, TimeBasis
from sla.services import sla_clock_pause, sla_clock_start, sla_clock_stop
from sla.sweep import sla_sweep
from sla.timeline import SlaAction

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    SlaClock.objects.all().delete()  # the demo's own clocks run at today's date; these tests use theirs
    inbox_rebuild()  # a bulk change under the services: the inbox is recomputed, as after any bulk load


@pytest.fixture
def clock(demo):
    from keyaccounts.core.models import City

    SlaPolicy.objects.create(step="x.step", limit=4 * H, time_basis=TimeBasis.WORKING)
    subject = City.objects.get(code="changchun")
    return subject, sla_clock_start(subject=subject, step="x.step", city=subject, now=at(2026, 11, 24, 9, 0))


def actions(subject) -> list[str]:
    return [e.action for e in timeline_for(subject)]


def test_warnings_then_a_breach_each_raised_once(clock):
    subject, running = clock
    # 4 h from 09:00: 50 % (2 h) at 11:00, 80 % (3 h 12 min) at 13:42 after lunch, due 14:30.
    assert (running.warn_at, running.warn_again_at, running.due_at) == (
        at(2026, 11, 24, 11, 0),
        at(2026, 11, 24, 13, 42),
        at(2026, 11, 24, 14, 30),
    )
    assert sla_sweep(now=at(2026, 11, 24, 10, 59)) == {"warnings": 0, "breaches": 0}
    assert sla_sweep(now=at(2026, 11, 24, 11, 0)) == {"warnings": 1, "breaches": 0}
    assert sla_sweep(now=at(2026, 11, 24, 11, 30)) == {"warnings": 0, "breaches": 0}
    assert sla_sweep(now=at(2026, 11, 24, 13, 50)) == {"warnings": 1, "breaches": 0}
    assert sla_sweep(now=at(2026, 11, 24, 14, 30)) == {"warnings": 0, "breaches": 1}
    assert sla_sweep(now=at(2026, 11, 24, 18, 0)) == {"warnings": 0, "breaches": 0}
    assert actions(subject) == [SlaAction.WARNED, SlaAction.WARNED, SlaAction.BREACHED, SlaAction.ESCALATED]
    running.refresh_from_db()
    assert (running.warned_level, running.breached_at) == (2, at(2026, 11, 24, 14, 30))


def test_a_breach_is_escalated_to_the_city_supervisor_under_the_bell_and_by_mail(clock):
    sla_sweep(now=at(2026, 11, 24, 15, 0))
    supervisor = User.objects.get(username="sup_changchun")
    (notification,) = Notification.objects.filter(recipient=supervisor)
    assert notification.kind == Notification.Kind.SLA_BREACH
    assert "x.step" in notification_text(notification)
    assert notifications_email_sweep(now=at(2026, 11, 24, 15, 0)) == 1
    assert [m.to for m in mail.outbox] == [["sup_changchun@example.com"]]
    assert "x.step" in mail.outbox[0].body
    assert notifications_email_sweep(now=at(2026, 11, 24, 15, 1)) == 0  # sent once


def test_a_breach_at_night_is_mailed_when_work_resumes_unless_the_policy_says_any_hour(clock):
    sla_sweep(now=at(2026, 11, 24, 20, 0))  # a Tuesday evening, after the last working window
    assert notifications_email_sweep(now=at(2026, 11, 24, 20, 0)) == 0
    assert Notification.objects.get().read_at is None  # the bell has it at once
    assert notifications_email_sweep(now=at(2026, 11, 25, 8, 29)) == 0
    assert notifications_email_sweep(now=at(2026, 11, 25, 8, 30)) == 1  # the demo calendar opens at 08:30

    subject, _running = clock
    for rule in SlaPolicy.objects.filter(step="x.step"):
        rule.email_any_time = True
        rule.save()  # as the admin saves it
    sla_clock_stop(subject=subject, step="x.step", now=at(2026, 11, 25, 9, 0))
    sla_clock_start(subject=subject, step="x.step", city=subject, now=at(2026, 11, 25, 9, 0))
    sla_sweep(now=at(2026, 11, 25, 22, 0))
    assert notifications_email_sweep(now=at(2026, 11, 25, 22, 0)) == 1


def test_who_chose_no_sla_mail_gets_the_bell_only(clock):
    User.objects.filter(username="sup_changchun").update(email_sla=False)
    sla_sweep(now=at(2026, 11, 24, 15, 0))
    assert Notification.objects.filter(recipient__username="sup_changchun").count() == 1
    assert notifications_email_sweep(now=at(2026, 11, 24, 15, 0)) == 0
    assert mail.outbox == []


def test_a_late_sweep_raises_only_the_breach(clock):
    subject, _running = clock
    assert sla_sweep(now=at(2026, 11, 25, 9, 0)) == {"warnings": 0, "breaches": 1}
    assert actions(subject) == [SlaAction.BREACHED, SlaAction.ESCALATED]


def test_paused_and_stopped_clocks_raise_nothing(clock):
    subject, _running = clock
    sla_clock_pause(subject=subject, step="x.step", now=at(2026, 11, 24, 10, 0))
    assert sla_sweep(now=at(2026, 11, 25, 9, 0)) == {"warnings": 0, "breaches": 0}
    sla_clock_stop(subject=subject, step="x.step", now=at(2026, 11, 25, 9, 0))
    assert sla_sweep(now=at(2026, 11, 26, 9, 0)) == {"warnings": 0, "breaches": 0}


def test_the_sweep_works_in_batches(demo):
    from keyaccounts.core.models import City

    SlaPolicy.objects.create(step="x.step", limit=1 * H, time_basis=TimeBasis.CALENDAR)
    for city in City.objects.all():
        sla_clock_start(subject=city, step="x.step", city=city, now=at(2026, 11, 24, 9, 0))
    assert sla_sweep(now=at(2026, 11, 24, 12, 0), batch_size=2)["breaches"] == City.objects.count()


def test_the_sweep_names_each_order_and_links_its_page_in_as_many_queries_for_many(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.models import Customer
    from orders.models import Order

    SlaPolicy.objects.create(step="x.step", limit=1 * H, time_basis=TimeBasis.CALENDAR)
    customers = Customer.objects.select_related("city", "account_manager")[:3]
    orders = [Order.objects.create(customer=c, city=c.city, account_manager=c.account_manager) for c in customers]
    assert len(orders) == 3

    def sweep(orders, now) -> int:
        for order in orders:
            sla_clock_start(subject=order, step="x.step", city=order.city, now=now - 2 * H)
        with CaptureQueriesContext(connection) as queries:
            assert sla_sweep(now=now)["breaches"] == len(orders)
        return len(queries)

    # The same queries for one order as for two: names and pages are read with the batch, not per clock.
    assert sweep(orders[:1], at(2026, 11, 24, 12, 0)) == sweep(orders[1:], at(2026, 11, 24, 12, 0))
    for order in orders:
        told = Notification.objects.filter(key__startswith="clock:", url=order.get_absolute_url())
        assert told.exists()
        assert {notification_text(n).split(" of ")[1].split(" was due")[0] for n in told} == {str(order)}
