"""The order's and its items' state machines: an allowed move is saved with its one timeline line; a refused one
changes nothing and writes nothing."""

import pytest

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import TimelineEvent
from orders.lifecycle import ITEM_ALLOWED, ORDER_ALLOWED, order_item_move, order_move
from orders.models import Order, OrderItem
from orders.timeline import OrderAction

Status, State = Order.Status, OrderItem.State


@pytest.fixture
def order(customer, manager):
    return Order.objects.create(customer=customer, city=customer.city, account_manager=manager)


@pytest.fixture
def item(order, catalogue):
    return OrderItem.objects.create(order=order, product=catalogue["T2"], unit_price=100)


def _lines(order) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(subject_id=order.pk).order_by("pk"))


@pytest.mark.parametrize(("source", "target"), sorted(ORDER_ALLOWED))
def test_an_allowed_order_move_is_saved_with_its_timeline_line(order, manager, source, target):
    Order.objects.filter(pk=order.pk).update(status=source)
    order.refresh_from_db()
    order_move(order=order, to=target, action=OrderAction.CANCELLED, actor=manager, reason="why")
    order.refresh_from_db()
    assert (order.status, order.version) == (target, 2)
    [line] = _lines(order)
    assert (line.action, line.from_state, line.to_state, line.actor, line.reason) == (
        OrderAction.CANCELLED,
        source,
        target,
        manager,
        "why",
    )


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Status.DRAFT, Status.IN_PROGRESS),  # not checked nor accepted
        (Status.DRAFT, Status.COMPLETED),
        (Status.ACKNOWLEDGED, Status.COMPLETED),  # never transferred
        (Status.IN_PROGRESS, Status.DRAFT),
        (Status.IN_PROGRESS, Status.CANCELLED),  # not without the cancellation's assessment
        (Status.COMPLETED, Status.ASSESSING_CANCELLATION),  # a finished order stays finished
        (Status.CANCELLED, Status.DRAFT),
        (Status.REJECTED, Status.ACKNOWLEDGED),
    ],
)
def test_a_refused_order_move_changes_nothing_and_writes_no_line(order, source, target):
    assert (source, target) not in ORDER_ALLOWED
    Order.objects.filter(pk=order.pk).update(status=source)
    order.refresh_from_db()
    with pytest.raises(ApplicationError, match="An order cannot go from"):
        order_move(order=order, to=target, action=OrderAction.COMPLETED)
    assert order.status == source
    order.refresh_from_db()
    assert (order.status, order.version) == (source, 1)
    assert _lines(order) == []


@pytest.mark.parametrize(("source", "target"), sorted(ITEM_ALLOWED))
def test_an_allowed_item_move_is_saved_with_a_line_on_its_orders_timeline(order, item, source, target):
    OrderItem.objects.filter(pk=item.pk).update(state=source)
    item.refresh_from_db()
    assert order_item_move(item=item, to=target, action=OrderAction.ITEM_FINISHED, data={"work_order": "W1"}) is True
    item.refresh_from_db()
    assert item.state == target
    [line] = _lines(order)
    assert line.action == OrderAction.ITEM_FINISHED
    assert line.data == {
        "item": item.pk,
        "product": "internet-line",
        "from": source,
        "state": target,
        "work_order": "W1",
    }
    assert (line.from_state, line.to_state) == ("", "")  # those are the order's


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (State.ACKNOWLEDGED, State.COMPLETED),  # never handed to its route
        (State.COMPLETED, State.FAILED),
        (State.FAILED, State.IN_PROGRESS),
        (State.CANCELLED, State.IN_PROGRESS),
        (State.COMPLETED, State.CANCELLED),
        (State.IN_PROGRESS, State.ACKNOWLEDGED),
    ],
)
def test_a_refused_item_move_changes_nothing_and_writes_no_line(order, item, source, target):
    assert (source, target) not in ITEM_ALLOWED
    OrderItem.objects.filter(pk=item.pk).update(state=source)
    item.refresh_from_db()
    with pytest.raises(ApplicationError, match="An order item cannot go from"):
        order_item_move(item=item, to=target, action=OrderAction.ITEM_FINISHED)
    item.refresh_from_db()
    assert item.state == source
    assert _lines(order) == []


def test_an_item_moved_meanwhile_stays_as_it_is(order, item):
    """A cancellation that won the race: the launch's finish, from the state it read, changes nothing."""
    OrderItem.objects.filter(pk=item.pk).update(state=State.IN_PROGRESS)
    item.refresh_from_db()
    OrderItem.objects.filter(pk=item.pk).update(state=State.CANCELLED)
    assert order_item_move(item=item, to=State.COMPLETED, action=OrderAction.ITEM_FINISHED) is False
    assert item.state == State.IN_PROGRESS
    item.refresh_from_db()
    assert item.state == State.CANCELLED
    assert _lines(order) == []
