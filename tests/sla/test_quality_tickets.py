"""Network quality work orders after they are opened: the resolution and the service's termination change
the TMF621 ticket at EOMS (PATCH through the outbox, once), and what EOMS does with a ticket on its own is read
back (GET) onto the violation and the customer's timeline. Against the stub over real HTTP."""

import pytest
import requests
from django.urls import reverse

from keyaccounts.catalogue.models import Service
from keyaccounts.core.models import TimelineEvent
from keyaccounts.peers.models import OutboxMessage
from keyaccounts.peers.outbox import outbox_deliver_many, outbox_sweep
from orders.models import Order, OrderItem
from orders.services import order_item_finished
from sla.models import QualityMetric, QualityViolation, TicketStatus
from sla.quality import (
    JOB_RESOURCE,
    TICKET_RESOURCE,
    quality_collect,
    quality_measurements_record,
    quality_monitoring_end,
    quality_tickets_reconcile,
)
from tests.sla.test_quality import collect_from_eoms, reading, running_service

pytestmark = pytest.mark.django_db
State = QualityViolation.State


def at_eoms(stub_server, message: OutboxMessage) -> dict:
    return requests.get(f"{stub_server}/eoms/troubleTicket/{message.remote_id}", timeout=5).json()


def status_changes() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(resource=TICKET_RESOURCE, method=OutboxMessage.Method.UPDATE))


def test_the_period_that_meets_the_target_again_resolves_the_ticket_at_eoms_once(
    peers, stub_server, targets, catalogue, customer
):
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="新区 lossy")
    collect_from_eoms()
    violation = QualityViolation.objects.get(service=service)
    assert quality_tickets_reconcile() == 1
    violation.refresh_from_db()
    assert violation.ticket_status == TicketStatus.IN_PROGRESS  # EOMS works on it
    assert quality_tickets_reconcile() == 0  # nothing new at EOMS: nothing recorded

    quality_measurements_record(service=service, readings=[reading(service, 60)])  # the network recovers
    violation.refresh_from_db()
    assert violation.state == State.RESOLVED
    change = violation.status_change
    assert (change.method, change.follows_id, change.payload["status"]) == (
        "PATCH",
        violation.work_order_id,
        "resolved",
    )
    outbox_sweep()
    change.refresh_from_db()
    assert change.status == OutboxMessage.Status.SENT
    ticket = at_eoms(stub_server, violation.work_order)
    assert (ticket["status"], ticket["statusChangeReason"]) == ("resolved", "network quality target met again")

    # sent again (a worker died before it recorded the answer): the same status again, still one change
    OutboxMessage.objects.filter(pk=change.pk).update(
        status=OutboxMessage.Status.PENDING, next_attempt_at=change.sent_at
    )
    outbox_sweep()
    change.refresh_from_db()
    assert change.status == OutboxMessage.Status.SENT
    assert len(status_changes()) == 1
    assert quality_tickets_reconcile() == 1
    violation.refresh_from_db()
    assert violation.ticket_status == TicketStatus.RESOLVED
    moves = TimelineEvent.objects.filter(action="quality.ticket", subject_id=customer.pk).order_by("pk")
    assert [(e.from_state, e.to_state) for e in moves] == [("", "inProgress"), ("inProgress", "resolved")]
    assert quality_tickets_reconcile() == 0
    assert not QualityViolation.objects.exclude(ticket_status__in=["resolved"]).exists()  # nothing left to read


def test_a_status_change_waits_until_its_ticket_is_at_eoms(peers, stub_server, targets, catalogue, customer):
    service = running_service(customer, catalogue["T2"], sla_grade="gold")
    quality_measurements_record(service=service, readings=[reading(service, 1, delay="45")])
    quality_measurements_record(service=service, readings=[reading(service, 2)])  # resolved before any delivery
    violation = QualityViolation.objects.get()
    change = violation.status_change
    outbox_deliver_many([change.pk])
    change.refresh_from_db()
    assert change.status == OutboxMessage.Status.PENDING
    assert change.last_error == f"waits until {violation.reference} is delivered"
    outbox_sweep()  # the ticket goes; the change waits for its backoff
    OutboxMessage.objects.filter(pk=change.pk).update(next_attempt_at=change.created_at)
    outbox_sweep()
    change.refresh_from_db()
    assert change.status == OutboxMessage.Status.SENT
    assert at_eoms(stub_server, violation.work_order)["status"] == "resolved"


@pytest.mark.parametrize(
    ("site", "status", "reason"),
    [
        ("开发区 lossy selfclose", "closed", "fault cleared by EOMS"),
        ("开发区 lossy 驳回", "rejected", "not a network fault"),
    ],
)
def test_a_ticket_eoms_closes_or_rejects_on_its_own_shows_on_the_violation_and_the_timeline(
    peers, stub_server, targets, catalogue, customer, supervisor, client, site, status, reason
):
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site=site)
    collect_from_eoms()
    quality_tickets_reconcile()
    violation = QualityViolation.objects.get(service=service)
    assert (violation.state, violation.ticket_status, violation.ticket_reason) == (State.OPEN, status, reason)
    event = TimelineEvent.objects.get(action="quality.ticket", subject_id=customer.pk)
    assert (event.to_state, event.reason, event.data["work_order"]) == (status, reason, violation.reference)
    client.force_login(supervisor)
    page = client.get(reverse("sla:dashboard")).content.decode()
    assert str(TicketStatus(status).label) in page  # the supervisor sees that EOMS let it go while it still misses
    assert (
        f"{violation.reference},{TicketStatus(status).label}"
        in client.get(reverse("sla:dashboard"), {"export": "quality_open"}).text
    )
    assert quality_tickets_reconcile() == 0  # finished at EOMS: not read again
    # the network recovers: resolved here, and nothing is asked of a ticket EOMS has finished
    quality_measurements_record(service=service, readings=[reading(service, 60)])
    violation.refresh_from_db()
    assert violation.state == State.RESOLVED
    assert violation.status_change is None


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
    assert all(v.resolved_at for v in violations)
    assert TimelineEvent.objects.filter(action="quality.closed", subject_id=customer.pk).count() == 2
    outbox_sweep()
    for violation in violations:
        assert violation.status_change.payload["status"] == "cancelled"
        ticket = at_eoms(stub_server, violation.work_order)
        assert (ticket["status"], ticket.get("statusChangeReason")) == ("cancelled", "service terminated")
    quality_tickets_reconcile()
    assert set(QualityViolation.objects.values_list("ticket_status", flat=True)) == {"cancelled"}
    assert quality_collect()["closed"] == 0  # nothing left open

    # EOMS stops measuring the service, once however often its end is told
    job = OutboxMessage.objects.get(resource=JOB_RESOURCE, method=OutboxMessage.Method.CREATE)
    quality_monitoring_end(service_ids=[service.pk])
    cancel = OutboxMessage.objects.get(resource=JOB_RESOURCE, method=OutboxMessage.Method.UPDATE)
    assert (cancel.follows_id, cancel.payload["state"], cancel.status) == (job.pk, "cancelled", "sent")
    at_job = requests.get(f"{stub_server}/eoms/{JOB_RESOURCE}/{job.remote_id}", timeout=5).json()
    assert at_job["state"] == "cancelled"


def test_the_collector_closes_what_a_termination_by_another_path_left_open(targets, catalogue, customer):
    service = running_service(customer, catalogue["T2"], sla_grade="gold")
    quality_measurements_record(service=service, readings=[reading(service, 1, availability="97")])
    Service.objects.filter(pk=service.pk).update(status=Service.Status.TERMINATED)
    assert quality_collect()["closed"] == 1
    violation = QualityViolation.objects.get()
    assert (violation.state, violation.metric) == (State.CLOSED, QualityMetric.AVAILABILITY)
    assert violation.status_change.payload["status"] == "cancelled"


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


def test_a_status_change_to_a_ticket_eoms_finished_meanwhile_is_settled_by_reading_it_back(
    peers, stub_server, targets, catalogue, customer
):
    # given: a ticket EOMS closes on its own, before we have read that back
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="开发区 lossy selfclose")
    collect_from_eoms()
    violation = QualityViolation.objects.get(service=service)
    assert violation.ticket_status == ""

    # when: the network recovers here and we tell EOMS, which refuses (409: the ticket is closed already)
    quality_measurements_record(service=service, readings=[reading(service, 60)])
    outbox_sweep()

    # then: no dead letter; the ticket's state at EOMS is what the violation shows
    violation.refresh_from_db()
    assert violation.status_change.status == OutboxMessage.Status.SENT
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).exists()
    assert quality_tickets_reconcile() == 1
    violation.refresh_from_db()
    assert (violation.state, violation.ticket_status) == (State.RESOLVED, TicketStatus.CLOSED)


def test_a_ticket_eoms_closed_while_the_target_is_still_missed_is_followed_by_a_fresh_one(
    peers, stub_server, targets, catalogue, customer
):
    # given: EOMS closed the ticket, the violation is still open here
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="开发区 lossy selfclose")
    collect_from_eoms()
    quality_tickets_reconcile()
    violation = QualityViolation.objects.get(service=service)
    first = violation.work_order
    assert (violation.state, violation.ticket_status) == (State.OPEN, TicketStatus.CLOSED)

    # when: a later period still misses the target (twice before EOMS answers)
    quality_measurements_record(service=service, readings=[reading(service, 60, loss="0.900")])
    quality_measurements_record(service=service, readings=[reading(service, 61, loss="0.900")])

    # then: one fresh ticket on the same violation, at EOMS under its own reference
    violation.refresh_from_db()
    assert (violation.state, violation.tickets, violation.ticket_status) == (State.OPEN, 2, "")
    assert violation.reference == f"{first.external_id}-2"
    outbox_sweep()
    violation.work_order.refresh_from_db()
    assert violation.work_order.status == OutboxMessage.Status.SENT
    assert violation.work_order.remote_id != first.remote_id
    assert at_eoms(stub_server, violation.work_order)["externalId"] == violation.reference
    event = TimelineEvent.objects.get(action="quality.reopened", subject_id=customer.pk)
    assert (event.from_state, event.data["previous"], event.data["work_order"]) == (
        "closed",
        first.external_id,
        violation.reference,
    )
    assert quality_tickets_reconcile() == 1  # the fresh ticket is read back like the first
    violation.refresh_from_db()
    assert violation.ticket_status == TicketStatus.CLOSED


def test_a_ticket_eoms_rejected_is_not_sent_again(peers, stub_server, targets, catalogue, customer):
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="开发区 lossy 驳回")
    collect_from_eoms()
    quality_tickets_reconcile()

    quality_measurements_record(service=service, readings=[reading(service, 60, loss="0.900")])

    violation = QualityViolation.objects.get(service=service)
    assert (violation.state, violation.tickets, violation.ticket_status) == (State.OPEN, 1, TicketStatus.REJECTED)
    assert violation.periods > 1
