"""The order flow through every branch: check, acceptance, approval rules, transfer by route T1–T4 to the
real stub peers over HTTP, roll-up, E3 and E4, and cancellation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS

from keyaccounts.catalogue.models import ProductElement, Service
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_for
from keyaccounts.peers.models import OutboxMessage
from keyaccounts.peers.outbox import outbox_sweep
from orders import services
from orders.flows import OrderFlow
from orders.models import Order, OrderApprovalRule, OrderItem
from orders.services import ItemInput
from provisioning.flows import LaunchFlow
from provisioning.models import WorkOrder
from provisioning.services import launch_handle_failures, work_orders_reconcile
from tests.launch import accept_service, launch_task, peers_answer

pytestmark = pytest.mark.django_db
GOOD = {"site": "长春市人民大街 100 号", "members": 20}


def draft(manager, customer, *products, elements=GOOD) -> Order:
    return services.order_create(
        user=manager, customer=customer, items=[ItemInput(product=p, elements=dict(elements)) for p in products]
    )


def submit(manager, order) -> Order:
    order.refresh_from_db()
    return services.order_submit(user=manager, order=order, version=order.version)


def task(order, node) -> Task:
    return Task.objects.get(process_id=order.process_id, flow_task=node, status__in=["NEW", "ASSIGNED"])


def accept(acceptor, order) -> Order:
    return services.order_accept(user=acceptor, task_pk=task(order, OrderFlow.accept).pk, decision="approve")


def refreshed(order) -> Order:
    return Order.objects.get(pk=order.pk)


@pytest.mark.parametrize("route", ["T1", "T2", "T3", "T4"])
def test_each_route_transfers_the_item_and_completes_the_order(
    route, catalogue, manager, customer, acceptor, ops, peers
):
    order = submit(manager, draft(manager, customer, catalogue[route]))
    assert refreshed(order).status == Order.Status.ACKNOWLEDGED
    accept(acceptor, order)
    if route == "T1":
        assert not WorkOrder.objects.exists()  # instant activation: no external work order
        peers_answer()
        assert launch_task(order, LaunchFlow.acceptance_test) is None  # nothing to test on a network
    else:
        work_order = WorkOrder.objects.get()
        assert work_order.peer == ("eoms" if route == "T2" else "si")
        assert refreshed(order).status == Order.Status.IN_PROGRESS
        message = OutboxMessage.objects.get(external_id=work_order.external_id)
        assert message.payload["serviceOrderItem"][0]["service"]["serviceCharacteristic"] == [
            {"name": "members", "value": 20},
            {"name": "site", "value": GOOD["site"]},
        ]
        peers_answer()
        assert WorkOrder.objects.get().state == WorkOrder.State.COMPLETED
        assert refreshed(order).status == Order.Status.IN_PROGRESS  # until tested and accepted
        accept_service(order, ops=ops, manager=manager)
    order = refreshed(order)
    assert order.status == Order.Status.COMPLETED
    assert order.process.status == PROCESS.DONE
    service = Service.objects.get(customer=customer)
    assert (service.product.route, service.elements) == (route, GOOD)
    assert service.billing_started_at is not None  # no start date was requested: billed from the acceptance
    actions = [e.action for e in timeline_for(order)]
    assert actions[:4] == ["order.drafted", "order.submitted", "order.checked", "order.accepted"]
    assert "order.transferred" in actions
    assert actions[-2:] == ["order.completed", "launch.billing_started"]


def test_a_combined_order_rolls_up_partial_when_one_item_fails(catalogue, manager, customer, acceptor, ops, peers):
    order = services.order_create(
        user=manager,
        customer=customer,
        items=[
            ItemInput(product=catalogue["T2"], elements=GOOD),
            ItemInput(product=catalogue["T4"], elements={"site": "fail: no cabinet", "members": 5}),
        ],
    )
    accept(acceptor, submit(manager, order))
    peers_answer()
    manual = launch_task(order, LaunchFlow.manual)  # the failed SI work order goes to a person
    launch_handle_failures(user=ops, task_pk=manual.pk, decision="give_up", note="SI cannot deliver this year")
    accept_service(order, ops=ops, manager=manager)
    states = dict(refreshed(order).items.values_list("product__route", "state"))
    assert states == {"T2": "completed", "T4": "failed"}
    assert refreshed(order).status == Order.Status.PARTIAL


def test_the_consistency_check_refuses_with_every_reason(catalogue, manager, customer, peers):
    account = customer.billing_accounts.get()
    account.arrears, account.credit_limit = Decimal("5000"), Decimal("1000")
    account.save()
    order = draft(manager, customer, catalogue["T2"], elements={"members": 0})
    with pytest.raises(ApplicationError, match="in arrears"):  # the account rule refuses at submission
        submit(manager, order)
    assert refreshed(order).status == Order.Status.DRAFT
    assert refreshed(order).process_id is None

    account.arrears = Decimal(0)
    account.save()
    order = refreshed(submit(manager, order))
    assert order.status == Order.Status.PENDING  # back to the account manager to correct
    findings = " ".join(finding["en"] for finding in order.check_findings)
    assert "Site address" in findings  # the missing field is named
    assert "Members" in findings
    assert order.process.status != PROCESS.DONE
    assert task(order, OrderFlow.correct).owner == manager
    assert timeline_for(order)[-1].data == {"findings": order.check_findings}  # worded when read
    assert not WorkOrder.objects.exists()


def test_approval_rules_decide_and_a_refusal_rejects_the_order(
    catalogue, manager, customer, acceptor, supervisor, peers
):
    OrderApprovalRule.objects.create(min_amount=Decimal("20000"))
    small = submit(manager, draft(manager, customer, catalogue["T1"]))
    accept(acceptor, small)
    peers_answer()
    assert refreshed(small).status == Order.Status.COMPLETED  # 12,000 a year: no approval

    big = services.order_create(
        user=manager, customer=customer, items=[ItemInput(product=catalogue["T1"], quantity=2, elements=GOOD)]
    )
    big = submit(manager, big)
    accept(acceptor, big)
    approval = task(big, OrderFlow.approve)
    with pytest.raises(PermissionDenied):
        services.order_approve(user=acceptor, task_pk=approval.pk, decision="approve")
    with pytest.raises(ApplicationError):
        services.order_approve(user=supervisor, task_pk=approval.pk, decision="reject")
    services.order_approve(user=supervisor, task_pk=approval.pk, decision="reject", reason="No contract attached")
    big = refreshed(big)
    assert big.status == Order.Status.REJECTED
    assert timeline_for(big)[-1].reason == "No contract attached"

    by_level = OrderApprovalRule.objects.create(customer_level="B", min_amount=None)
    OrderApprovalRule.objects.exclude(pk=by_level.pk).delete()
    third = submit(manager, draft(manager, customer, catalogue["T1"]))
    accept(acceptor, third)
    services.order_approve(user=supervisor, task_pk=task(third, OrderFlow.approve).pk, decision="approve")
    peers_answer()
    assert refreshed(third).status == Order.Status.COMPLETED


def test_e4_a_running_service_is_changed_then_torn_down(catalogue, manager, customer, acceptor, ops, peers):
    new = submit(manager, draft(manager, customer, catalogue["T2"]))
    accept(acceptor, new)
    peers_answer()
    accept_service(new, ops=ops, manager=manager)
    service = Service.objects.get()

    change = services.order_change_service(user=manager, service=service, action=OrderItem.Action.MODIFY)
    item = change.items.get()
    assert (item.action, item.elements, item.service) == ("modify", GOOD, service)
    services.order_save_draft(
        user=manager,
        order=change,
        version=change.version,
        header={},
        elements={item.pk: {**GOOD, "members": 50}},
        quantities={},
    )
    change = submit(manager, change)
    accept(acceptor, change)
    peers_answer()
    accept_service(change, ops=ops, manager=manager)
    service.refresh_from_db()
    assert (service.elements["members"], service.status) == (50, Service.Status.ACTIVE)
    assert WorkOrder.objects.filter(order_item__action="modify").get().state == "completed"

    teardown = services.order_change_service(user=manager, service=service, action=OrderItem.Action.DELETE)
    teardown = submit(manager, teardown)
    accept(acceptor, teardown)
    peers_answer()
    accept_service(teardown, ops=ops, manager=manager)
    service.refresh_from_db()
    assert service.status == Service.Status.TERMINATED
    assert refreshed(teardown).status == Order.Status.COMPLETED
    payload = OutboxMessage.objects.get(external_id=teardown.items.get().work_orders.get().external_id).payload
    assert payload["serviceOrderItem"][0]["action"] == "delete"
    # A terminated service cannot be changed again.
    with pytest.raises(ApplicationError):
        services.order_change_service(user=manager, service=service, action=OrderItem.Action.MODIFY)


def test_cancellation_in_progress_is_assessed_then_cancelled_or_refused(
    catalogue, manager, customer, acceptor, supervisor, peers
):
    order = submit(manager, draft(manager, customer, catalogue["T2"]))
    accept(acceptor, order)
    outbox_sweep()

    services.order_request_cancellation(user=manager, order=order, reason="Customer moved the office")
    assert refreshed(order).status == Order.Status.ASSESSING_CANCELLATION
    services.order_assess_cancellation(user=supervisor, order=order, accept=False, reason="Line already built")
    assert refreshed(order).status == Order.Status.IN_PROGRESS

    services.order_request_cancellation(user=manager, order=order, reason="Customer moved the office")
    services.order_assess_cancellation(user=acceptor, order=order, accept=True, reason="Agreed")
    order = refreshed(order)
    assert order.status == Order.Status.CANCELLED
    assert order.process.status == PROCESS.CANCELED
    assert order.launch.process.status == PROCESS.CANCELED
    assert WorkOrder.objects.get().state == WorkOrder.State.CANCELLED
    states = [e.to_state for e in timeline_for(order) if e.to_state]
    assert states[-3:] == ["assessingCancellation", "pendingCancellation", "cancelled"]
    outbox_sweep()
    assert OutboxMessage.objects.get(resource="cancelServiceOrder").status == OutboxMessage.Status.SENT
    # The peer has withdrawn it too: reading its truth changes nothing more.
    assert work_orders_reconcile(stalled_for=dt.timedelta(0)) == 0
    assert not Service.objects.exists()


def test_a_definition_change_applies_to_new_orders_only(catalogue, manager, customer, acceptor, ops, peers):
    running = submit(manager, draft(manager, customer, catalogue["T2"]))
    ProductElement.objects.create(
        product=catalogue["T2"],
        category="service_level",
        code="sla_grade",
        label_en="SLA grade",
        label_zh="等级",
        type="choice",
        choices=["gold", "silver"],
    )
    accept(acceptor, running)  # its snapshot does not know the new element
    peers_answer()
    accept_service(running, ops=ops, manager=manager)
    assert refreshed(running).status == Order.Status.COMPLETED

    new = submit(manager, draft(manager, customer, catalogue["T2"]))
    assert refreshed(new).status == Order.Status.PENDING
    assert "SLA grade" in " ".join(finding["en"] for finding in refreshed(new).check_findings)


def test_fulfilment_runs_only_in_progress_and_once_every_item_is_finished(catalogue, manager, customer, acceptor):
    order = submit(manager, draft(manager, customer, catalogue["T2"], catalogue["T3"]))
    accept(acceptor, order)  # transferred: work orders out, the fulfilment step waits
    order = refreshed(order)
    first, second = order.items.order_by("pk")
    OrderItem.objects.filter(pk=first.pk).update(state=OrderItem.State.COMPLETED)
    assert services.order_fulfil_if_done(order) is False  # one item still in progress
    OrderItem.objects.filter(pk=second.pk).update(state=OrderItem.State.FAILED)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.ASSESSING_CANCELLATION)
    assert services.order_fulfil_if_done(order) is False  # a cancellation is being assessed
    Order.objects.filter(pk=order.pk).update(status=Order.Status.IN_PROGRESS)
    assert services.order_fulfil_if_done(order) is True
    assert refreshed(order).status == Order.Status.PARTIAL
    assert services.order_fulfil_if_done(order) is False  # done once: the step is closed


@pytest.mark.parametrize(
    ("ended", "rolled_up"),
    [
        ((OrderItem.State.FAILED, OrderItem.State.FAILED), Order.Status.FAILED),
        ((OrderItem.State.COMPLETED, OrderItem.State.CANCELLED), Order.Status.COMPLETED),
        ((OrderItem.State.CANCELLED, OrderItem.State.FAILED), Order.Status.FAILED),
    ],
)
def test_an_order_rolls_up_from_the_states_its_items_ended_in_cancelled_aside(
    catalogue, manager, customer, acceptor, ended, rolled_up
):
    order = submit(manager, draft(manager, customer, catalogue["T2"], catalogue["T3"]))
    accept(acceptor, order)
    order = refreshed(order)
    for item, state in zip(order.items.order_by("pk"), ended, strict=True):
        OrderItem.objects.filter(pk=item.pk).update(state=state)
    assert services.order_fulfil_if_done(order) is True
    assert refreshed(order).status == rolled_up
