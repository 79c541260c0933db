"""The work order's state (TMF641 ServiceOrder): the only place it changes, each change on its order's timeline.

A peer's report moves a work order only along `ALLOWED` and only if it is newer than the last report applied,
so that an event arriving late never undoes a newer state.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import TimelineRow, timeline_event, timeline_save
from orders.models import Order

from .models import FINAL_WORK_ORDER_STATES, WorkOrder
from .timeline import WorkOrderAction

State = WorkOrder.State
INITIAL = State.ACKNOWLEDGED  # the peer took the order: a work order is created in it
OPEN = (State.ACKNOWLEDGED, State.IN_PROGRESS, State.PENDING, State.HELD)
ENDS = (State.COMPLETED, State.FAILED, State.PARTIAL, State.CANCELLED)
ALLOWED = {
    (State.ACKNOWLEDGED, State.IN_PROGRESS),  # the peer started work
    (State.ACKNOWLEDGED, State.REJECTED),  # the peer found the order invalid
    (State.ACKNOWLEDGED, State.PENDING),  # the peer needs information
    (State.IN_PROGRESS, State.PENDING),
    (State.ACKNOWLEDGED, State.HELD),  # held by the peer
    (State.IN_PROGRESS, State.HELD),
    (State.PENDING, State.IN_PROGRESS),  # answered
    (State.HELD, State.IN_PROGRESS),  # resumed
    # Finished, or withdrawn by us, from any open state: a peer's event in between may be lost, its last is the truth.
    *((source, end) for source in OPEN for end in ENDS),
}
# Moves that are part of the order's own (its cancellation): the order's timeline columns keep the order's states,
# so the work order's go in the line's data, as an order item's do.
ORDERS_OWN = {WorkOrderAction.WITHDRAWN}
# What a peer's report changes on a work order, written back together.
REPORTED_FIELDS = ["state", "milestones", "jeopardy", "error_message", "last_event_at", "updated_at"]


def _label(state: str) -> str:
    return State(state).label if state in State.values else state


def work_order_create(**fields) -> WorkOrder:
    """A new work order, at the initial state."""
    return WorkOrder.objects.create(state=INITIAL, **fields)


def work_order_may_move(work_order: WorkOrder, to: str, *, event_time=None) -> bool:
    """Whether a report of `to` at `event_time` (None: now, as read back from the peer) moves the work order."""
    if (work_order.state, to) not in ALLOWED:
        return False
    return event_time is None or work_order.last_event_at is None or event_time > work_order.last_event_at


def work_order_move_unsaved(
    work_order: WorkOrder,
    *,
    to: str,
    action: str = WorkOrderAction.STATE_CHANGED,
    event_time=None,
    data: dict | None = None,
) -> TimelineRow:
    """Move the work order (locked by the caller) to `to` in memory; returns its timeline line for the caller to
    write with the row (`work_orders_save`, one statement for a batch of events). Refuses a move not allowed."""
    source = work_order.state
    if source in FINAL_WORK_ORDER_STATES:
        raise ApplicationError(_("This work order is finished; its state cannot change any more."))
    if (source, to) not in ALLOWED:
        raise ApplicationError(
            _("A work order cannot go from %(source)s to %(target)s.")
            % {"source": _label(source), "target": _label(to)}
        )
    if not work_order_may_move(work_order, to, event_time=event_time):
        raise ApplicationError(_("A newer report of this work order has been applied already."))
    work_order.state = to
    work_order.last_event_at = event_time or work_order.last_event_at
    line, states = {"work_order": work_order.external_id, **(data or {})}, {"from_state": source, "to_state": to}
    if action in ORDERS_OWN:
        line, states = {**line, "from": source, "state": to}, {}
    return timeline_event(
        subject_type_id=_order_type_id(),
        subject_id=work_order.order_item.order_id,
        action=action,
        data=line,
        **states,
    )


def _order_type_id() -> int:
    return ContentType.objects.get_for_model(Order).pk


def work_orders_save(work_orders: list[WorkOrder], timeline: list[TimelineRow], *, fields=REPORTED_FIELDS) -> None:
    """Write work orders moved or annotated in memory, and their timeline lines: a statement each, however many."""
    now = timezone.now()
    for work_order in work_orders:
        work_order.updated_at = now  # a bulk write skips auto_now; reconciliation reads it
    WorkOrder.objects.bulk_update(work_orders, fields)
    timeline_save(timeline)


def work_order_move(
    *, work_order: WorkOrder, to: str, action: str = WorkOrderAction.STATE_CHANGED, data: dict | None = None
) -> None:
    """The work order (locked by the caller) to `to`, saved, on its order's timeline."""
    line = work_order_move_unsaved(work_order, to=to, action=action, data=data)
    work_orders_save([work_order], [line], fields=["state", "updated_at"])
