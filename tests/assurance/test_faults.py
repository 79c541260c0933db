"""The red channel against the EOMS stub over real HTTP: a fault goes to EOMS at once with its requested
resolution date, EOMS's signed events move it (an information request becomes the account manager's task), and
the customer's confirmation closes it at EOMS, or reopens it there."""

import pytest
import requests

from assurance.models import TroubleTicket
from assurance.services import ticket_give_information, ticket_record_decision
from keyaccounts.core.timeline import timeline_for
from keyaccounts.peers.client import peer_subscribe
from keyaccounts.peers.inbound import events_sweep
from keyaccounts.peers.models import OutboxMessage, Peer
from keyaccounts.peers.outbox import outbox_sweep
from sla.models import SlaClock
from tests.processes import wait_for

from .conftest import F, open_task, report

pytestmark = pytest.mark.django_db(transaction=True)
Status = TroubleTicket.Status


@pytest.fixture
def listening(live_server, stub_server, settings):
    """The stub sends its events to this test's live server (signed, to the peers' listener)."""
    settings.EOMS_BASE_URL = f"{stub_server}/eoms"
    callback = f"{live_server.url}/api/v1/listener/{Peer.EOMS}"
    peer_subscribe(Peer.EOMS, callback)
    yield stub_server
    for sub in requests.get(f"{stub_server}/eoms/hub", timeout=5).json():
        if sub["callback"] == callback:
            requests.delete(f"{stub_server}/eoms/hub/{sub['id']}", timeout=5)


def at_eoms(stub_server, ticket) -> dict:
    message = OutboxMessage.objects.get(external_id=ticket.external_id)
    return requests.get(f"{stub_server}/eoms/troubleTicket/{message.remote_id}", timeout=5).json()


def beat_until(condition, timeout: float = 30) -> None:
    """What beat does without a worker: deliver the outbox and apply the events that came in, until `condition`."""

    def step() -> bool:
        outbox_sweep()
        events_sweep()
        return condition()

    wait_for(step, timeout=timeout)


def task_of(ticket, node):
    return lambda: open_task(ticket, node) is not None


def test_a_level_1_fault_reaches_eoms_is_restored_and_closed_when_the_customer_accepts(
    listening, celery_worker_process, configured, manager, customer, line, contact
):
    ticket = report(
        manager, customer, kind="fault", services=[line], interruption=True, contact=contact, description="Line down"
    )
    # The demo's rule: any interruption of an internet dedicated line is level 1; a level-B customer's is critical.
    assert (ticket.severity, ticket.priority) == ("level1", "critical")
    restoration = SlaClock.objects.get(subject_id=ticket.pk, step="assurance.fault_level1")
    assert ticket.requested_resolution_date == restoration.due_at
    # The worker delivers the ticket and applies EOMS's events: acknowledged → inProgress → resolved.
    wait_for(task_of(ticket, F.confirm), timeout=40)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    sent = at_eoms(listening, ticket)
    assert sent["requestedResolutionDate"] == restoration.due_at.isoformat()
    assert [e["id"] for e in sent["relatedEntity"]] == [line.number]
    assert sent["severity"] == "critical"
    restoration.refresh_from_db()
    assert restoration.stopped_at is not None  # restored: the restoration clock stopped
    confirm = open_task(ticket, F.confirm)
    assert confirm.owner == manager
    ticket_record_decision(user=manager, task_pk=confirm.pk, accepted=True, note="Customer confirms by phone")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    wait_for(lambda: at_eoms(listening, ticket)["status"] == "closed", timeout=30)  # EOMS is told
    assert ticket.process.status == "DONE"


def test_eoms_asks_for_information_the_account_manager_answers_and_a_rejected_repair_reopens_at_eoms(
    listening, configured, manager, customer, line
):
    ticket = report(manager, customer, kind="fault", services=[line], description="needinfo: packet loss at night")
    assert ticket.severity == "level2"  # degraded, not interrupted: no rule makes it level 1
    beat_until(task_of(ticket, F.give_information))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.pending_party) == (Status.PENDING, TroubleTicket.PendingParty.US)
    question = open_task(ticket, F.give_information)
    assert question.owner == manager
    ticket_give_information(user=manager, task_pk=question.pk, answer="Mr Wang, 13904310000, 9:00-17:00")
    assert ticket.information_requests.get().answered_by == manager
    beat_until(task_of(ticket, F.confirm))  # EOMS had what it needed and restored the line
    ticket_record_decision(
        user=manager, task_pk=open_task(ticket, F.confirm).pk, accepted=False, note="Still losing packets"
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count) == (Status.IN_PROGRESS, 1)
    beat_until(task_of(ticket, F.confirm))  # reopened at EOMS, which resolved it again
    ticket_record_decision(user=manager, task_pk=open_task(ticket, F.confirm).pk, accepted=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    actions = [e.action for e in timeline_for(ticket)]
    for action in (
        "ticket.dispatched",
        "ticket.information_required",
        "ticket.information_given",
        "ticket.customer_rejected",
        "ticket.customer_accepted",
    ):
        assert action in actions
    assert actions.count("ticket.resolved") == 2


def test_a_fault_eoms_rejects_ends_rejected_with_its_reason(listening, configured, manager, customer, line):
    ticket = report(manager, customer, kind="fault", services=[line], description="reject: customer router off")
    beat_until(lambda: TroubleTicket.objects.get(pk=ticket.pk).status == Status.REJECTED)
    ticket.refresh_from_db()
    assert ticket.process.status == "DONE"
    assert [e.reason for e in timeline_for(ticket) if e.action == "ticket.rejected"] == ["not a network fault"]
