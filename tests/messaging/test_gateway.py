"""Messages against the gateway stub over real HTTP with a real worker: delivered and reported back through the
signed listener; a rolled-back step sends nothing; a repeated report, a failed delivery and injected 503s and
duplicate events leave each message delivered exactly once; a lost report is read back."""

from datetime import timedelta

import pytest
import requests
from django.db import transaction

from keyaccounts.core.timeline import timeline_for
from keyaccounts.messaging.models import CommunicationMessage
from keyaccounts.messaging.services import messages_reconcile
from keyaccounts.peers.models import InboundEvent, OutboxMessage
from tests.processes import wait_for

from .conftest import acknowledged, at_gateway, beat_until, contact

pytestmark = pytest.mark.django_db(transaction=True)
State = CommunicationMessage.State


def state_of(message) -> str:
    message.refresh_from_db()
    return message.state


def lines(customer, action: str) -> list[dict]:
    return [e.data for e in timeline_for(customer) if e.action == action]


def test_only_a_committed_message_reaches_the_gateway_and_its_delivery_is_reported_back(
    gateway, celery_worker_process, templates, customer
):
    wang = contact(customer, "王强")
    undone = []

    def step_that_fails():
        with transaction.atomic():
            undone.extend(acknowledged(customer, wang))
            raise RuntimeError("the step failed after writing to the customer")

    with pytest.raises(RuntimeError):
        step_that_fails()
    assert not CommunicationMessage.objects.exists()
    assert not OutboxMessage.objects.exists()

    (message,) = acknowledged(customer, wang)
    wait_for(lambda: state_of(message) == State.COMPLETED, timeout=30)  # the worker sends, the report comes back
    assert [(r.attempt, r.state) for r in message.reports.all()] == [(1, "inProgress"), (1, "completed")]
    assert message.completed_at is not None
    assert [d["message"] for d in lines(customer, "message.sent")] == [message.reference]
    assert [(d["message"], d["attempt"]) for d in lines(customer, "message.delivered")] == [(message.reference, 1)]
    stub = at_gateway(gateway)
    assert stub["deliveries"][message.reference] == 1
    assert f"{message.reference}-1" in stub["external_ids"]
    assert f"{undone[0].reference}-1" not in stub["external_ids"]  # the rolled-back message never left


def test_a_delivery_reported_twice_is_applied_once(gateway, celery_worker_process, templates, customer):
    (message,) = acknowledged(customer, contact(customer, "张伟 twice"))  # the stub reports this delivery twice
    reports = InboundEvent.objects.filter(
        peer="gateway", body__event__communicationMessage__externalId=f"{message.reference}-1"
    )
    wait_for(lambda: reports.exclude(applied_at=None).count() == 3, timeout=30)
    assert state_of(message) == State.COMPLETED
    assert sorted(reports.values_list("outcome", flat=True)) == [
        "applied: completed",
        "applied: inProgress",
        "ignored: reported already",
    ]
    assert message.reports.count() == 2
    assert len(lines(customer, "message.delivered")) == 1
    assert at_gateway(gateway)["deliveries"][message.reference] == 1


def test_a_failed_delivery_is_retried_until_delivered_and_never_sent_twice(
    gateway, celery_worker_process, templates, customer
):
    # A struggling gateway: 30 % of our requests answered 503, half of its events sent twice.
    requests.post(f"{gateway}/gateway/faults", json={"error_rate": 0.3, "duplicate_rate": 0.5}, timeout=5)
    (message,) = acknowledged(customer, contact(customer, "赵六（关机）"))  # the handset is off at first
    beat_until(lambda: state_of(message) == State.COMPLETED)
    assert message.attempts == 2
    assert [(r.attempt, r.state) for r in message.reports.all()] == [
        (1, "inProgress"),
        (1, "failed"),
        (2, "inProgress"),
        (2, "completed"),
    ]
    assert [(d["attempt"], d["reason"]) for d in lines(customer, "message.retried")] == [(1, "handset unreachable")]
    assert [d["attempt"] for d in lines(customer, "message.delivered")] == [2]
    stub = at_gateway(gateway)
    assert stub["deliveries"][message.reference] == 1  # the customer's phone got it once
    assert [ref for ref in stub["external_ids"] if ref.startswith(f"{message.reference}-")] == [
        f"{message.reference}-1",
        f"{message.reference}-2",
    ]


def test_a_message_that_cannot_be_delivered_is_marked_failed_after_its_attempts(
    gateway, celery_worker_process, templates, customer
):
    (message,) = acknowledged(customer, contact(customer, "钱七（空号）"))  # no such subscriber
    beat_until(lambda: state_of(message) == State.FAILED)
    assert (message.attempts, message.last_error) == (3, "no such subscriber")
    assert [d["attempt"] for d in lines(customer, "message.retried")] == [1, 2]
    assert [(d["attempt"], d["reason"]) for d in lines(customer, "message.failed")] == [(3, "no such subscriber")]
    assert message.reference not in at_gateway(gateway)["deliveries"]


def test_a_lost_delivery_report_is_read_back_from_the_gateway(gateway, celery_worker_process, templates, customer):
    requests.post(f"{gateway}/gateway/faults", json={"lose_rate": 1.0}, timeout=5)  # no report reaches us
    (message,) = acknowledged(customer, contact(customer, "孙八"))
    sent = OutboxMessage.objects.filter(external_id=f"{message.reference}-1", status="sent")
    wait_for(sent.exists, timeout=30)
    assert state_of(message) == State.INITIAL
    assert messages_reconcile(stalled_for=timedelta(0)) == 1
    assert state_of(message) == State.COMPLETED
    assert [(r.state, r.event_id) for r in message.reports.all()] == [
        ("completed", f"read-back:{message.reference}-1:completed")
    ]
    assert [d["message"] for d in lines(customer, "message.delivered")] == [message.reference]
    assert messages_reconcile(stalled_for=timedelta(0)) == 0  # settled: nothing left to read
