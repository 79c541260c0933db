"""The promises on the way to a ticket's end, each an SLA step an administrator sets: a fault is dispatched until
EOMS accepts it, acknowledged until EOMS takes it on, and its customer hears of its progress within each
progress-update step (every update meets one and starts the next); a complaint gets its first response; a
billing question is answered within its own limit."""

import pytest

from assurance.models import TroubleTicket
from assurance.services import ticket_add_note
from keyaccounts.messaging.selectors import messages_of
from sla.models import SlaClock, SlaPolicy, TimeBasis
from tests.messaging.conftest import templates  # noqa: F401

from .conftest import F, H, report
from .test_faults import beat_until, listening, task_of  # noqa: F401

Status = TroubleTicket.Status
MET = SlaClock.State.MET


@pytest.fixture
def milestones(configured):
    for step, limit in [
        ("assurance.dispatch", H / 4),
        ("assurance.acknowledge_level2", H / 2),
        ("assurance.progress_level2", 2 * H),
        ("assurance.first_response", 2 * H),
        ("assurance.billing", 24 * H),
    ]:
        SlaPolicy.objects.create(step=step, limit=limit, time_basis=TimeBasis.CALENDAR)


def clocks(ticket, step) -> list[SlaClock]:
    return list(SlaClock.objects.filter(subject_id=ticket.pk, step=step).order_by("pk"))


@pytest.mark.django_db(transaction=True)
def test_a_fault_is_dispatched_acknowledged_and_its_customer_told_of_each_step_of_progress(
    listening,  # noqa: F811
    templates,  # noqa: F811
    milestones,
    manager,
    customer,
    line,
    contact,
):
    ticket = report(manager, customer, kind="fault", services=[line], contact=contact, description="held: slow")
    assert ticket.severity == "level2"
    for step in ("assurance.dispatch", "assurance.acknowledge_level2", "assurance.progress_level2"):
        assert len(clocks(ticket, step)) == 1, step  # started with the report
    # EOMS accepts the ticket (beat's sweep, or the worker if one runs): the dispatch is done.
    beat_until(lambda: TroubleTicket.objects.filter(pk=ticket.pk, delivered_at__isnull=False).exists())
    ticket.refresh_from_db()
    (dispatch,) = clocks(ticket, "assurance.dispatch")
    assert (dispatch.stopped_at, dispatch.state) == (ticket.delivered_at, MET)
    # EOMS: inProgress → held (waiting for a window) → inProgress → resolved.
    beat_until(task_of(ticket, F.confirm))
    (acknowledge,) = clocks(ticket, "assurance.acknowledge_level2")
    assert acknowledge.state == MET
    told = [m.content for m in messages_of(ticket) if m.event == "ticket_progress"]
    assert told == [
        f"王强您好：单号 {ticket.number} 进展：处理中",
        f"王强您好：单号 {ticket.number} 进展：挂起 — waiting for a maintenance window",
        f"王强您好：单号 {ticket.number} 进展：处理中",
    ]
    # Each update met its step and started the next (updates that came together met one); the resolution stopped
    # the last.
    updates = clocks(ticket, "assurance.progress_level2")
    assert len(updates) >= 2
    assert {c.state for c in updates[:-1]} == {MET}
    assert all(c.stopped_at is not None for c in updates)


@pytest.mark.django_db
def test_a_complaint_waits_for_its_first_response_until_the_customer_is_told_something(
    templates,  # noqa: F811
    milestones,
    manager,
    customer,
    desk,
    contact,
):
    ticket = report(manager, customer, contact=contact)
    (first,) = clocks(ticket, "assurance.first_response")
    ticket_add_note(user=manager, ticket=ticket, text="Checked the hotline logs", internal=True)
    first.refresh_from_db()
    assert first.stopped_at is None  # an internal note tells the customer nothing
    assert [m.event for m in messages_of(ticket)] == ["ticket_acknowledged"]
    ticket_add_note(user=manager, ticket=ticket, text="我们已安排专人跟进", internal=False)
    first.refresh_from_db()
    ticket.refresh_from_db()
    assert first.state == MET
    assert ticket.first_response_at is not None
    told = messages_of(ticket).get(event="ticket_progress")
    assert told.content.endswith("我们已安排专人跟进")
    # Responded once: a later note starts no new first-response clock.
    ticket_add_note(user=manager, ticket=ticket, text="仍在处理", internal=False)
    assert len(clocks(ticket, "assurance.first_response")) == 1


@pytest.mark.django_db
def test_a_billing_question_is_timed_by_its_own_limit(milestones, manager, customer):
    ticket = report(manager, customer, kind="billing", description="Double charge in November")
    assert clocks(ticket, "assurance.billing")[0].stopped_at is None
    assert not clocks(ticket, "assurance.complaint")
