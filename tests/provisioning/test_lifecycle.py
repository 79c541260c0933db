"""The work order's lifecycle: the allowed moves, refusals that change nothing, and no late event undoing a newer state."""

import datetime as dt
from itertools import product

import pytest
from django.db import transaction
from django.urls import reverse
from viewflow.workflow.models import Task

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for
from keyaccounts.peers.inbound import events_sweep
from orders import services
from orders.flows import OrderFlow
from orders.models import Order
from orders.services import ItemInput
from provisioning.lifecycle import ALLOWED, work_order_move, work_order_move_unsaved
from provisioning.models import WorkOrder
from provisioning.services import work_order_apply
from provisioning.timeline import WorkOrderAction
from tests.provisioning.test_listener import GOOD, event, post

pytestmark = pytest.mark.django_db
State = WorkOrder.State
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _order(manager, acceptor, customer, product, elements) -> Order:
    order = services.order_create(user=manager, customer=customer, items=[ItemInput(product, elements=elements)])
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    return order


@pytest.fixture
def work_order(catalogue, manager, customer, acceptor):
    _order(manager, acceptor, customer, catalogue["T2"], GOOD)
    return WorkOrder.objects.get()


def _at(work_order: WorkOrder, state: str) -> WorkOrder:
    WorkOrder.objects.filter(pk=work_order.pk).update(state=state, last_event_at=None)
    return WorkOrder.objects.select_related("order_item").get(pk=work_order.pk)


def _state_lines(order: Order) -> list[tuple[str, str, str]]:
    """The order's timeline lines of work order moves (the order's own states share their names)."""
    return [
        (e.action, e.from_state, e.to_state)
        for e in timeline_for(order)
        if e.action.startswith("workorder.") and e.to_state
    ]


def test_every_allowed_transition_moves_the_work_order_with_one_timeline_line(work_order):
    order = Order.objects.get()
    for source, target in sorted(ALLOWED):
        # given a work order in the transition's source state
        moving = _at(work_order, source)
        before = _state_lines(order)
        # when it moves
        with transaction.atomic():
            work_order_move(work_order=moving, to=target)
        # then it is in the target state, and the order's timeline says so once
        assert WorkOrder.objects.get(pk=work_order.pk).state == target, (source, target)
        assert _state_lines(order) == [*before, (WorkOrderAction.STATE_CHANGED, source, target)], (source, target)


def test_a_refused_transition_changes_nothing_and_writes_no_timeline_line(work_order):
    order = Order.objects.get()
    refused = [(s, t) for s, t in product(State.values, repeat=2) if (s, t) not in ALLOWED]
    assert (State.COMPLETED, State.IN_PROGRESS) in refused
    assert (State.IN_PROGRESS, State.ACKNOWLEDGED) in refused
    for source, target in refused:
        moving = _at(work_order, source)
        before = _state_lines(order)
        with pytest.raises(ApplicationError), transaction.atomic():
            work_order_move(work_order=moving, to=target)
        assert WorkOrder.objects.get(pk=work_order.pk).state == source, (source, target)
        assert _state_lines(order) == before, (source, target)


def test_an_older_report_never_undoes_a_newer_state(work_order):
    # given the peer's report that the work order is held, at 09:02
    assert work_order_apply(pk=work_order.pk, state=State.HELD, event_time=T0 + dt.timedelta(minutes=2))
    # when an older report (09:01) arrives late, through the service or straight to the lifecycle
    assert not work_order_apply(pk=work_order.pk, state=State.IN_PROGRESS, event_time=T0 + dt.timedelta(minutes=1))
    held = WorkOrder.objects.select_related("order_item").get(pk=work_order.pk)
    with pytest.raises(ApplicationError, match="newer report"):
        work_order_move_unsaved(held, to=State.IN_PROGRESS, event_time=T0 + dt.timedelta(minutes=1))
    # then it is still held; a newer report moves it on
    assert WorkOrder.objects.get(pk=work_order.pk).state == State.HELD
    assert work_order_apply(pk=work_order.pk, state=State.IN_PROGRESS, event_time=T0 + dt.timedelta(minutes=3))
    assert WorkOrder.objects.get(pk=work_order.pk).state == State.IN_PROGRESS


def test_a_late_event_does_not_undo_the_peers_question(client, work_order):
    # given the peer started work (09:01) and then asked a question (09:03)
    post(client, event(work_order, "s1", "inProgress", 1))
    post(client, event(work_order, "i1", "", 3, "ServiceOrderInformationRequiredEvent"))
    events_sweep()
    assert WorkOrder.objects.get(pk=work_order.pk).state == State.PENDING
    # when its event from 09:02 arrives late
    post(client, event(work_order, "s2", "inProgress", 2))
    events_sweep()
    # then the work order still waits for our answer; the question was one move, on the timeline once
    assert WorkOrder.objects.get(pk=work_order.pk).state == State.PENDING
    assert _state_lines(Order.objects.get()) == [
        (WorkOrderAction.STATE_CHANGED, State.ACKNOWLEDGED, State.IN_PROGRESS),
        (WorkOrderAction.INFORMATION_REQUIRED, State.IN_PROGRESS, State.PENDING),
    ]


def test_the_si_portal_refuses_an_illegal_progress_report_with_a_clear_message(
    client, user_in_role, catalogue, manager, customer, acceptor
):
    # given an SI work order waiting for our answer to the partner's question
    _order(manager, acceptor, customer, catalogue["T4"], {"site": "园区", "members": 4})
    work_order = WorkOrder.objects.get()
    assert work_order_apply(pk=work_order.pk, state=State.PENDING)
    partner = user_in_role(Role.SI_PARTNER, city=None, si_company=work_order.si_company, username="si_user")
    client.force_login(partner)
    before = _state_lines(Order.objects.get())
    # when the partner reports it held
    url = reverse("provisioning:si_work_order", args=[work_order.pk])
    answer = client.post(url, {"state": State.HELD, "note": "waiting for the site"})
    # then the form says why, and nothing changes
    assert answer.status_code == 200
    assert (
        "A work order cannot go from Pending: needs information to Held." in answer.context["form"].non_field_errors()
    )
    assert WorkOrder.objects.get(pk=work_order.pk).state == State.PENDING
    assert _state_lines(Order.objects.get()) == before
    assert not [e for e in timeline_for(Order.objects.get()) if e.action == WorkOrderAction.PARTNER_REPORTED]
