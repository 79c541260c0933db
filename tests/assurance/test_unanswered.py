"""A customer who does not answer the confirmation or callback: reminded after the time an administrator set, then
closed after another (EOMS is told a fault is closed, as for a confirmed closure); never a level-A customer, who
answers explicitly. Beat runs the sweep."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from viewflow.workflow.models import Task

from assurance.models import TroubleTicket, UnansweredClosure
from assurance.services import ticket_record_decision, ticket_triage, tickets_unanswered
from keyaccounts.celery import app
from keyaccounts.core.timeline import timeline_for
from keyaccounts.messaging.selectors import messages_of
from keyaccounts.peers.models import OutboxMessage
from keyaccounts.peers.outbox import outbox_sweep
from tests.messaging.conftest import templates  # noqa: F401
from tests.processes import wait_for

from .conftest import F, open_task, report
from .test_complaints import resolve
from .test_faults import at_eoms, beat_until, listening, task_of  # noqa: F401

Status = TroubleTicket.Status
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MINUTE, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)


def resolved_complaint(manager, customer, desk, contact):
    ticket = report(manager, customer, contact=contact)
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="accept")
    resolve(desk, ticket, F.handle)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    return ticket


def actions(ticket) -> list[str]:
    return [e.action for e in timeline_for(ticket)]


def asked(ticket) -> int:
    return messages_of(ticket).filter(event="confirmation_requested").count()


@pytest.mark.django_db
def test_an_unanswered_callback_is_reminded_then_closed_by_the_demo_times(
    templates,  # noqa: F811
    configured,
    manager,
    customer,
    desk,
    contact,
    client,
):
    rule = UnansweredClosure.objects.get(kind="complaint")  # the demo: remind after 2 days, close 3 days later
    assert (rule.remind_after, rule.close_after, rule.explicit_levels) == (2 * DAY, 3 * DAY, "A")
    with time_machine.travel(T0, tick=False) as clock:
        ticket = resolved_complaint(manager, customer, desk, contact)
        assert asked(ticket) == 1
        clock.shift(2 * DAY - MINUTE)
        assert tickets_unanswered() == (0, 0)
        clock.shift(MINUTE)
        assert tickets_unanswered() == (1, 0)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.reminded_at) == (Status.RESOLVED, T0 + 2 * DAY)
        assert asked(ticket) == 2  # "please confirm" again
        assert actions(ticket).count("ticket.reminded") == 1
        assert tickets_unanswered() == (0, 0)  # reminded once
        clock.shift(3 * DAY - MINUTE)
        assert tickets_unanswered() == (0, 0)
        clock.shift(MINUTE)
        assert tickets_unanswered() == (0, 1)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.customer_decision) == (Status.CLOSED, TroubleTicket.Decision.UNANSWERED)
    assert ticket.closed_at == T0 + 5 * DAY
    assert open_task(ticket, F.callback) is None
    assert Task.objects.get(process_id=ticket.process_id, flow_task=F.callback).status == "DONE"
    assert ticket.process.status == "DONE"
    closing = [e for e in timeline_for(ticket) if e.action == "ticket.auto_closed"]
    assert [(e.from_state, e.to_state, e.actor) for e in closing] == [("resolved", "closed", None)]
    assert closing[0].data["reminded_at"] == (T0 + 2 * DAY).isoformat()
    assert tickets_unanswered() == (0, 0)
    client.force_login(manager)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "The customer was reminded to answer" in page
    assert "Closed: the customer did not answer" in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "已提醒客户答复" in page
    assert "已关闭：客户未答复" in page


@pytest.mark.django_db
def test_a_level_a_customer_is_never_closed_without_an_answer_and_the_times_are_the_administrators(
    templates,  # noqa: F811
    configured,
    manager,
    customer,
    desk,
    contact,
):
    customer.level = "A"
    customer.save(update_fields=["level"])
    with time_machine.travel(T0, tick=False) as clock:
        ticket = resolved_complaint(manager, customer, desk, contact)
        clock.shift(60 * DAY)
        assert tickets_unanswered() == (0, 0)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.reminded_at) == (Status.RESOLVED, None)
        assert open_task(ticket, F.callback) is not None  # the account manager still records the answer
        # An administrator closes unanswered level-A tickets too, sooner: the data decides.
        UnansweredClosure.objects.filter(kind="complaint").update(explicit_levels="", remind_after=HOUR)
        assert tickets_unanswered() == (1, 0)
        UnansweredClosure.objects.filter(kind="complaint").update(is_active=False)
        clock.shift(30 * DAY)
        assert tickets_unanswered() == (0, 0)  # no active rule: nothing happens
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


@pytest.mark.django_db
def test_a_rejected_resolution_is_asked_afresh_and_an_answer_before_closure_stops_it(
    templates,  # noqa: F811
    configured,
    manager,
    customer,
    desk,
    contact,
):
    with time_machine.travel(T0, tick=False) as clock:
        ticket = resolved_complaint(manager, customer, desk, contact)
        clock.shift(2 * DAY)
        assert tickets_unanswered() == (1, 0)
        ticket_record_decision(
            user=manager, task_pk=open_task(ticket, F.callback).pk, accepted=False, note="Still slow"
        )
        clock.shift(DAY)
        resolve(desk, ticket, F.handle)  # resolved again: the reminder is owed afresh
        ticket.refresh_from_db()
        assert (ticket.status, ticket.reminded_at) == (Status.RESOLVED, None)
        clock.shift(2 * DAY - MINUTE)
        assert tickets_unanswered() == (0, 0)
        clock.shift(MINUTE)  # the new resolution's two days, and the old reminder's three: reminded, not closed
        assert tickets_unanswered() == (1, 0)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.reminded_at) == (Status.RESOLVED, T0 + 5 * DAY)
        ticket_record_decision(user=manager, task_pk=open_task(ticket, F.callback).pk, accepted=True)
        clock.shift(10 * DAY)
        assert tickets_unanswered() == (0, 0)
    ticket.refresh_from_db()
    assert ticket.customer_decision == TroubleTicket.Decision.ACCEPTED


@pytest.mark.django_db(transaction=True)
def test_an_unanswered_fault_is_closed_and_eoms_is_told_closed(
    listening,  # noqa: F811
    templates,  # noqa: F811
    configured,
    manager,
    customer,
    line,
    contact,
):
    ticket = report(manager, customer, kind="fault", services=[line], interruption=True, contact=contact)
    beat_until(task_of(ticket, F.confirm))  # EOMS restored it; the account manager's confirmation is open
    ticket.refresh_from_db()
    resolved_at = ticket.resolved_at
    with time_machine.travel(resolved_at + DAY, tick=True):  # the demo: remind after a day, close two days later
        assert tickets_unanswered() == (1, 0)
    with time_machine.travel(resolved_at + 3 * DAY + MINUTE, tick=True):
        assert tickets_unanswered() == (0, 1)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.customer_decision) == (Status.CLOSED, TroubleTicket.Decision.UNANSWERED)
        closing = OutboxMessage.objects.get(external_id=f"{ticket.external_id}-C")
        assert closing.payload["status"] == "closed"
        wait_for(lambda: outbox_sweep() >= 0 and at_eoms(listening, ticket)["status"] == "closed", timeout=30)
    assert ticket.process.status == "DONE"
    assert [m.event for m in messages_of(ticket)] == [
        "ticket_acknowledged",
        "ticket_progress",  # EOMS took it on
        "ticket_restored",
        "confirmation_requested",
        "confirmation_requested",  # the reminder
    ]


def test_beat_runs_the_sweep():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "assurance.tasks.tickets_unanswered_task" in entries
    app.loader.import_default_modules()
    assert "assurance.tasks.tickets_unanswered_task" in app.tasks
