"""Driving service launch in tests as beat and people would."""

import datetime as dt

from viewflow.workflow.models import Task

from keyaccounts.peers.inbound import events_sweep
from keyaccounts.peers.outbox import outbox_sweep
from provisioning.flows import LaunchFlow
from provisioning.services import (
    launch_record_customer_acceptance,
    launch_record_test,
    launch_sweep,
    work_orders_reconcile,
)


def peers_answer() -> None:
    """What beat does: deliver the outbox, read the peers' truth, apply events, check waiting launches."""
    outbox_sweep()
    work_orders_reconcile(stalled_for=dt.timedelta(0))
    events_sweep()
    launch_sweep()


def launch_task(order, node) -> Task | None:
    return Task.objects.filter(
        process__launch__order_id=order.pk, flow_task=node, status__in=["NEW", "ASSIGNED"]
    ).first()


def accept_service(order, *, ops, manager, passed: bool = True) -> None:
    """The provisioning team tests the service and the account manager records the customer's acceptance."""
    test = launch_task(order, LaunchFlow.acceptance_test)
    if test is not None:
        launch_record_test(user=ops, task_pk=test.pk, passed=passed, note="Throughput and ping as contracted")
    customer = launch_task(order, LaunchFlow.customer_acceptance)
    if customer is not None:
        launch_record_customer_acceptance(user=manager, task_pk=customer.pk, note="Signed acceptance form")
