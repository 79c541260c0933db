"""Network quality violations after they are opened: each opens a fault ticket in assurance (channel
network-quality violation), which goes to EOMS and is moved by EOMS's signed events like a reported fault; its
status shows on the violation and the customer's timeline. The resolution and the service's termination finish
the ticket here and at EOMS (once). Work orders sent before the move are still read back. Against the stub over
real HTTP."""

import pytest
import requests
from django.urls import reverse

from assurance.flows import TicketFlow
from assurance.models import TroubleTicket
from keyaccounts.catalogue.models import Service
from keyaccounts.core.models import TimelineEvent
from keyaccounts.peers.models import OutboxMessage, Peer
from keyaccounts.peers.outbox import outbox_deliver_many, outbox_enqueue, outbox_sweep
from orders.models import Order, OrderItem
from orders.services import order_item_finished
from sla import registry
from sla.models import QualityMetric, QualityViolation, TicketStatus
from sla.quality import (
    JOB_RESOURCE,
    TICKET_RESOURCE,
    quality_collect,
    quality_measurements_record,
    quality_monitoring_end,
    quality_tickets_reconcile,
    trouble_ticket_payload,
)
from tests.assurance.conftest import open_task
from tests.assurance.test_faults import beat_until, listening  # noqa: F401 — the stub's events reach the listener
from tests.sla.test_quality import collect_from_eoms, reading, running_service

pytestmark = pytest.mark.django_db
State = QualityViolation.State
Status = TroubleTicket.Status


def ticket_of(violation: QualityViolation) -> TroubleTicket:
    return TroubleTicket.objects.get(pk=int(violation.reference[2:]))


def sent(ticket: TroubleTicket) -> OutboxMessage:
    return OutboxMessage.objects.get(external_id=ticket.external_id)


def at_eoms(stub_server, message: OutboxMessage) -> dict:
    return requests.get(f"{stub_server}/eoms/troubleTicket/{message.remote_id}", timeout=5).json()


def status_changes() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(resource=TICKET_RESOURCE, method=OutboxMessage.Method.UPDATE))


def status_is(violation: QualityViolation, status: str):
    return lambda: QualityViolation.objects.filter(pk=violation.pk, ticket_status=status).exists()


@pytest.mark.django_db(transaction=True)
def test_a_violation_opens_an_assurance_fault_ticket_which_the_recovery_resolves_here_and_at_eoms_once(
    listening,  # noqa: F811
    targets,
    catalogue,
    customer,
    manager,
):
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="新区 lossy")
    collect_from_eoms()
    violation = QualityViolation.objects.get(service=service)
    ticket = ticket_of(violation)
    assert (ticket.type, ticket.channel, ticket.customer, ticket.reported_by) == (
        "fault",
        TroubleTicket.Channel.NETWORK_QUALITY,
        customer,
        None,
    )
    assert list(ticket.services.all()) == [service]
    assert {"name": "actualValue", "value": "2.500"} in ticket.characteristics
    beat_until(status_is(violation, "inProgress"))  # EOMS works on it: its event moved the ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS

    quality_measurements_record(service=service, readings=[reading(service, 60)])  # the network recovers
    violation.refresh_from_db()
    ticket.refresh_from_db()
    assert (violation.state, violation.ticket_status) == (State.RESOLVED, "resolved")
    assert (ticket.status, ticket.resolution_notes) == (Status.RESOLVED, "network quality target met again")
    assert open_task(ticket, TicketFlow.confirm).owner == manager  # the account manager confirms with the customer
    [change] = status_changes()
    assert (change.follows_id, change.payload["status"]) == (sent(ticket).pk, "resolved")
    outbox_sweep()
    at = at_eoms(listening, sent(ticket))
    assert (at["status"], at["statusChangeReason"]) == ("resolved", "network quality target met again")

    # sent again (a worker died before it recorded the answer), another good period: still one change
    OutboxMessage.objects.filter(pk=change.pk).update(status=OutboxMessage.Status.PENDING)
    outbox_sweep()
    quality_measurements_record(service=service, readings=[reading(service, 61)])
    assert len(status_changes()) == 1
    moves = TimelineEvent.objects.filter(action="quality.ticket", subject_id=customer.pk).order_by("pk")
    assert [(e.from_state, e.to_state, e.data["work_order"]) for e in moves] == [
        ("", "inProgress", ticket.number),
        ("inProgress", "resolved", ticket.number),
    ]


def test_a_status_change_waits_until_its_ticket_is_at_eoms(peers, stub_server, targets, catalogue, customer):
    service = running_service(customer, catalogue["T2"], sla_grade="gold")
    quality_measurements_record(service=service, readings=[reading(service, 1, delay="45")])
    quality_measurements_record(service=service, readings=[reading(service, 2)])  # resolved before any delivery
    ticket = ticket_of(QualityViolation.objects.get())
    [change] = status_changes()
    outbox_deliver_many([change.pk])
    change.refresh_from_db()
    assert change.status == OutboxMessage.Status.PENDING
    assert change.last_error == f"waits until {ticket.external_id} is delivered"
    outbox_sweep()  # the ticket goes; the change waits for its backoff
    OutboxMessage.objects.filter(pk=change.pk).update(next_attempt_at=change.created_at)
    outbox_sweep()
    change.refresh_from_db()
    assert change.status == OutboxMessage.Status.SENT
    assert at_eoms(stub_server, sent(ticket))["status"] == "resolved"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("site", "status", "reason"),
    [
        ("开发区 lossy selfclose", "resolved", "fault cleared by EOMS"),
        ("开发区 lossy 驳回", "rejected", "not a network fault"),
    ],
)
def test_a_ticket_eoms_resolves_or_rejects_on_its_own_shows_on_the_violation_and_the_timeline(
    listening,  # noqa: F811
    targets,
    catalogue,
    customer,
    supervisor,
    client,
    site,
    status,
    reason,
):
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site=site)
    collect_from_eoms()
    violation = QualityViolation.objects.get(service=service)
    beat_until(status_is(violation, status))
    violation.refresh_from_db()
    assert (violation.state, violation.ticket_status, violation.ticket_reason) == (State.OPEN, status, reason)
    event = TimelineEvent.objects.get(action="quality.ticket", subject_id=customer.pk, to_state=status)
    assert (event.reason, event.data["work_order"]) == (reason, violation.reference)
    client.force_login(supervisor)
    page = client.get(reverse("sla:dashboard")).content.decode()
    assert str(TicketStatus(status).label) in page  # the supervisor sees that EOMS let it go while it still misses
    assert (
        f"{violation.reference},{TicketStatus(status).label}"
        in client.get(reverse("sla:dashboard"), {"export": "quality_open"}).text
    )
    # the network recovers: resolved here, and nothing is asked of a ticket EOMS has finished
    quality_measurements_record(service=service, readings=[reading(service, 60)])
    violation.refresh_from_db()
    assert violation.state == State.RESOLVED
    assert status_changes() == []


def test_a_terminated_services_violations_are_closed_and_their_tickets_cancelled(
    peers, stub_server, targets, catalogue, customer
):
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="新区 lossy slow")
    collect_from_eoms()
    assert QualityViolation.objects.filter(service=service, state=State.OPEN).count() == 2
    teardown = Order.objects.create(
        customer=customer, city=customer.city, account_manager=customer.account_manager, status=Order.Status.IN_PROGRESS
    )
    item = OrderItem.objects.create(
        order=teardown,
        product=service.product,
        unit_price=0,
        action=OrderItem.Action.DELETE,
        service=service,
        state=OrderItem.State.IN_PROGRESS,  # handed to EOMS
    )
    order_item_finished(item=item, state=OrderItem.State.COMPLETED)  # the cancellation is carried out

    service.refresh_from_db()
    assert service.status == Service.Status.TERMINATED
    violations = list(QualityViolation.objects.filter(service=service))
    assert {v.state for v in violations} == {State.CLOSED}
    assert {v.ticket_status for v in violations} == {"cancelled"}
    assert TimelineEvent.objects.filter(action="quality.closed", subject_id=customer.pk).count() == 2
    outbox_sweep()
    for violation in violations:
        ticket = ticket_of(violation)
        assert (ticket.status, ticket.process.status) == (Status.CANCELLED, "DONE")  # its flow ended with it
        at = at_eoms(stub_server, sent(ticket))
        assert (at["status"], at.get("statusChangeReason")) == ("cancelled", "service terminated")
    assert quality_collect()["closed"] == 0  # nothing left open

    # EOMS stops measuring the service, once however often its end is told
    job = OutboxMessage.objects.get(resource=JOB_RESOURCE, method=OutboxMessage.Method.CREATE)
    quality_monitoring_end(service_ids=[service.pk])
    cancel = OutboxMessage.objects.get(resource=JOB_RESOURCE, method=OutboxMessage.Method.UPDATE)
    assert (cancel.follows_id, cancel.payload["state"], cancel.status) == (job.pk, "cancelled", "sent")
    at_job = requests.get(f"{stub_server}/eoms/{JOB_RESOURCE}/{job.remote_id}", timeout=5).json()
    assert at_job["state"] == "cancelled"
    assert len(status_changes()) == 2  # one cancellation per ticket


def test_the_collector_closes_what_a_termination_by_another_path_left_open(targets, catalogue, customer):
    service = running_service(customer, catalogue["T2"], sla_grade="gold")
    quality_measurements_record(service=service, readings=[reading(service, 1, availability="97")])
    Service.objects.filter(pk=service.pk).update(status=Service.Status.TERMINATED)
    assert quality_collect()["closed"] == 1
    violation = QualityViolation.objects.get()
    assert (violation.state, violation.metric, violation.ticket_status) == (
        State.CLOSED,
        QualityMetric.AVAILABILITY,
        "cancelled",
    )
    [change] = status_changes()
    assert (change.payload["status"], change.follows_id) == ("cancelled", sent(ticket_of(violation)).pk)


def test_the_stub_stops_a_cancelled_measurement_job_and_refuses_any_other_change(stub_server):
    job = requests.post(
        f"{stub_server}/eoms/{JOB_RESOURCE}", json={"externalId": "S-1-PM", "service": {"id": "S-1"}}, timeout=5
    ).json()
    url = f"{stub_server}/eoms/{JOB_RESOURCE}/{job['id']}"
    assert requests.patch(url, json={"state": "completed"}, timeout=5).status_code == 400
    assert requests.get(url, timeout=5).json()["state"] == "inProgress"
    for _ in range(2):  # cancelling again changes nothing
        assert requests.patch(url, json={"state": "cancelled"}, timeout=5).status_code == 200
    assert requests.get(url, timeout=5).json()["state"] == "cancelled"


def test_the_stub_refuses_an_unknown_status_and_a_change_to_a_finished_ticket(stub_server):
    body = {
        "externalId": "QV-stub",
        "severity": "major",
        "relatedEntity": [{"id": "SV-reject", "role": "affectedService"}],
    }
    requests.post(
        f"{stub_server}/eoms/measurementCollectionJob",
        json={
            "externalId": "SV-reject-PM",
            "service": {"id": "SV-reject", "serviceCharacteristic": [{"value": "reject"}]},
        },
        timeout=5,
    )
    ticket = requests.post(f"{stub_server}/eoms/troubleTicket", json=body, timeout=5).json()
    url = f"{stub_server}/eoms/troubleTicket/{ticket['id']}"
    answer = requests.patch(url, json={"status": "fixed"}, timeout=5)
    assert answer.status_code == 400
    assert "status" in answer.json()["message"]
    answer = requests.patch(url, json={"status": "resolved"}, timeout=5)
    assert answer.status_code == 409
    assert requests.get(url, timeout=5).json()["status"] == "rejected"
    listed = requests.get(f"{stub_server}/eoms/troubleTicket", params={"id": ticket["id"]}, timeout=5).json()
    assert [t["status"] for t in listed] == ["rejected"]


def test_a_work_order_sent_before_the_move_to_assurance_is_still_read_back_and_resolved_at_eoms(
    peers, stub_server, targets, catalogue, customer, monkeypatch
):
    # given: a violation opened before tickets moved to assurance, its quality work order sent from here
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="新区 lossy")
    monkeypatch.setattr(registry, "_quality_tickets", [])
    collect_from_eoms()
    monkeypatch.undo()
    violation = QualityViolation.objects.select_related("service__customer", "service__product").get()
    assert violation.ticket_number == ""
    violation.work_order = outbox_enqueue(
        peer=Peer.EOMS,
        resource=TICKET_RESOURCE,
        external_id=violation.reference,
        payload=trouble_ticket_payload(violation),
    )
    violation.save(update_fields=["work_order"])
    outbox_sweep()

    # then: beat reads it back as before, and the recovery is told to EOMS under its own reference
    assert quality_tickets_reconcile() == 1
    violation.refresh_from_db()
    assert (violation.reference, violation.ticket_status) == (f"QV{violation.pk:08d}", "inProgress")
    quality_measurements_record(service=service, readings=[reading(service, 60)])
    violation.refresh_from_db()
    assert violation.status_change.external_id == f"{violation.reference}-S"
    outbox_sweep()
    assert quality_tickets_reconcile() == 1
    violation.refresh_from_db()
    assert (violation.state, violation.ticket_status) == (State.RESOLVED, TicketStatus.RESOLVED)
    assert not TroubleTicket.objects.exists()  # nothing opened twice for it


@pytest.mark.django_db(transaction=True)
def test_a_ticket_eoms_resolved_while_the_target_is_still_missed_is_followed_by_a_fresh_one(
    listening,  # noqa: F811
    targets,
    catalogue,
    customer,
):
    # given: EOMS resolved the ticket on its own, the violation is still open here
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="开发区 lossy selfclose")
    collect_from_eoms()
    violation = QualityViolation.objects.get(service=service)
    beat_until(status_is(violation, "resolved"))
    first = violation.reference

    # when: a later period still misses the target (twice before EOMS answers)
    quality_measurements_record(service=service, readings=[reading(service, 60, loss="0.900")])
    quality_measurements_record(service=service, readings=[reading(service, 61, loss="0.900")])

    # then: one fresh ticket on the same violation, at EOMS under its own reference
    violation.refresh_from_db()
    assert (violation.state, violation.tickets, violation.ticket_status) == (State.OPEN, 2, "")
    fresh = ticket_of(violation)
    assert fresh.number != first
    assert TroubleTicket.objects.count() == 2
    beat_until(lambda: sent(fresh).status == OutboxMessage.Status.SENT)  # a delivery may be under way already
    assert at_eoms(listening, sent(fresh))["externalId"] == fresh.external_id
    event = TimelineEvent.objects.get(action="quality.reopened", subject_id=customer.pk)
    assert (event.from_state, event.data["previous"], event.data["work_order"]) == ("resolved", first, fresh.number)
    beat_until(status_is(violation, "resolved"))  # the fresh ticket is followed like the first


@pytest.mark.django_db(transaction=True)
def test_a_ticket_eoms_rejected_is_not_sent_again(listening, targets, catalogue, customer):  # noqa: F811
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="开发区 lossy 驳回")
    collect_from_eoms()
    violation = QualityViolation.objects.get(service=service)
    beat_until(status_is(violation, "rejected"))

    quality_measurements_record(service=service, readings=[reading(service, 60, loss="0.900")])

    violation.refresh_from_db()
    assert (violation.state, violation.tickets, violation.ticket_status) == (State.OPEN, 1, TicketStatus.REJECTED)
    assert violation.periods > 1
    assert TroubleTicket.objects.count() == 1
