"""Work orders against the stub peers as they run: events pushed to our live listener, a real Celery worker,
and injected faults (503s, duplicate and out-of-order events). Every work order ends right, once."""

import datetime as dt

import pytest
import requests
from django.db.models import Count
from viewflow.workflow.models import Task

from keyaccounts.peers.client import peer_subscribe
from keyaccounts.peers.inbound import events_sweep
from keyaccounts.peers.models import InboundEvent, OutboxMessage, Peer
from keyaccounts.peers.outbox import outbox_sweep
from orders import services
from orders.flows import OrderFlow
from orders.models import Order
from orders.services import ItemInput
from provisioning.flows import LaunchFlow
from provisioning.models import WorkOrder
from provisioning.services import launch_sweep
from sla.models import SlaClock, SlaPolicy, TimeBasis
from tests.launch import accept_service, launch_task
from tests.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listening(live_server, stub_server, settings):
    """The stubs send their events to this test's live server; faults are cleared afterwards."""
    settings.EOMS_BASE_URL = f"{stub_server}/eoms"
    settings.SI_BASE_URL = f"{stub_server}/si"
    settings.GATEWAY_BASE_URL = f"{stub_server}/gateway"
    callbacks = {peer: f"{live_server.url}/api/v1/listener/{peer}" for peer in Peer.values}
    for peer, callback in callbacks.items():
        peer_subscribe(peer, callback)
    yield stub_server
    for peer, callback in callbacks.items():
        requests.post(f"{stub_server}/{peer}/faults", json={}, timeout=5)
        for sub in requests.get(f"{stub_server}/{peer}/hub", timeout=5).json():
            if sub["callback"] == callback:
                requests.delete(f"{stub_server}/{peer}/hub/{sub['id']}", timeout=5)


def accepted_order(manager, customer, acceptor, product, elements) -> Order:
    order = services.order_create(user=manager, customer=customer, items=[ItemInput(product, elements=elements)])
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    return order


def test_a_construction_work_order_is_driven_by_the_events_the_stub_pushes(
    listening, catalogue, manager, customer, acceptor, ops
):
    SlaPolicy.objects.create(step="launch.construction", limit=dt.timedelta(hours=150), time_basis=TimeBasis.CALENDAR)
    order = accepted_order(manager, customer, acceptor, catalogue["T2"], {"site": "新区 construction", "members": 3})
    outbox_sweep()  # beat's role: no worker runs in this test

    def answered() -> bool:  # the events sweep applies what has come in, until EOMS's last word
        events_sweep()
        return WorkOrder.objects.get().is_final

    wait_for(answered, timeout=30)
    launch_sweep()
    accept_service(order, ops=ops, manager=manager)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    names = [step["name"] for entry in WorkOrder.objects.get().milestones for step in entry.get("milestone") or []]
    assert "resources missing: construction started" in names
    assert "construction finished" in names
    # The construction was timed from EOMS's milestones, on the work order.
    (clock,) = SlaClock.objects.filter(step="launch.construction")
    assert clock.subject == WorkOrder.objects.get()
    assert clock.state == SlaClock.State.MET
    assert clock.started_at < clock.stopped_at


def test_with_a_real_worker_and_faults_every_work_order_ends_right_once(
    listening, celery_worker_process, catalogue, manager, customer, acceptor, ops
):
    requests.post(
        f"{listening}/eoms/faults",
        json={"error_rate": 0.3, "duplicate_rate": 0.3, "reorder": True, "latency_ms": 20},
        timeout=5,
    ).raise_for_status()
    orders = [
        accepted_order(manager, customer, acceptor, catalogue["T2"], {"site": f"site {n}", "members": n + 1})
        for n in range(12)
    ]

    def all_answered() -> bool:
        outbox_sweep()  # beat's role: retries what the 503s refused
        # the worker applies the events and completes each launch's waiting step
        return Task.objects.filter(flow_task=LaunchFlow.acceptance_test, status="NEW").count() == 12

    wait_for(all_answered, timeout=90)
    for order in orders:
        accept_service(order, ops=ops, manager=manager)
    assert Order.objects.filter(pk__in=[o.pk for o in orders], status=Order.Status.COMPLETED).count() == 12
    assert WorkOrder.objects.filter(state=WorkOrder.State.COMPLETED).count() == 12
    sent = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT)
    # Each work order exists once at EOMS (a resend finds the resource its externalId already made) and
    # each event was stored once however often it came.
    assert len({message.remote_id for message in sent}) == 12
    assert not InboundEvent.objects.values("event_id").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert all(o.items.get().state == "completed" for o in orders)
    assert sum(m.attempts for m in sent) >= 12


def test_lost_events_are_repaired_by_reading_the_truth_back(listening, catalogue, manager, customer, acceptor, ops):
    import datetime as dt

    from provisioning.services import work_orders_reconcile

    requests.post(f"{listening}/si/faults", json={"lose_rate": 1.0}, timeout=5).raise_for_status()
    order = accepted_order(manager, customer, acceptor, catalogue["T4"], {"site": "园区 3 号楼", "members": 9})
    outbox_sweep()
    assert WorkOrder.objects.get().state == WorkOrder.State.ACKNOWLEDGED  # no event will ever come
    assert not InboundEvent.objects.exists()
    work_orders_reconcile(stalled_for=dt.timedelta(0))
    launch_sweep()
    # The worker may be joining the launch itself: the acceptance test comes when the join is committed.
    wait_for(lambda: launch_task(order, LaunchFlow.acceptance_test) is not None, timeout=30)
    accept_service(order, ops=ops, manager=manager)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
