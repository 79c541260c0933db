"""The order's status and its items' states (TMF622): the only place they change, each change on the timeline."""

from django.utils.translation import gettext_lazy as _

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_record

from .models import Order, OrderItem

Status = Order.Status
# An order in these may be cancelled; a refused cancellation returns it to the one it left. An order pending
# correction is not among them: its account manager abandons it from the correction task.
CANCELLABLE = (Status.ACKNOWLEDGED, Status.HELD, Status.IN_PROGRESS)
ORDER_ALLOWED = {
    (Status.DRAFT, Status.ACKNOWLEDGED),  # the consistency check passed
    (Status.DRAFT, Status.CANCELLED),  # the draft discarded
    (Status.ACKNOWLEDGED, Status.REJECTED),  # refused at approval
    (Status.DRAFT, Status.PENDING),  # refused by the check: back to the account manager to correct
    (Status.ACKNOWLEDGED, Status.PENDING),  # refused at acceptance: back to the account manager to correct
    (Status.PENDING, Status.ACKNOWLEDGED),  # corrected, and the check passed
    (Status.PENDING, Status.REJECTED),  # abandoned by the account manager
    (Status.ACKNOWLEDGED, Status.IN_PROGRESS),  # transferred to fulfilment
    (Status.IN_PROGRESS, Status.COMPLETED),  # rolled up from its items
    (Status.IN_PROGRESS, Status.FAILED),
    (Status.IN_PROGRESS, Status.PARTIAL),
    *((source, Status.ASSESSING_CANCELLATION) for source in CANCELLABLE),  # cancellation requested
    *((Status.ASSESSING_CANCELLATION, source) for source in CANCELLABLE),  # cancellation refused
    (Status.ASSESSING_CANCELLATION, Status.PENDING_CANCELLATION),  # cancellation accepted
    (Status.PENDING_CANCELLATION, Status.CANCELLED),  # its open work orders withdrawn
}

State = OrderItem.State
ITEM_ALLOWED = {
    (State.ACKNOWLEDGED, State.IN_PROGRESS),  # handed to its route (activated, or a work order sent)
    (State.IN_PROGRESS, State.COMPLETED),  # service launch finished it: its service runs
    (State.IN_PROGRESS, State.FAILED),
    (State.ACKNOWLEDGED, State.CANCELLED),  # its order cancelled
    (State.IN_PROGRESS, State.CANCELLED),
}


def order_move(
    *, order: Order, to: str, action: str, actor=None, reason: str = "", data=None, also: tuple[str, ...] = ()
) -> None:
    """The order, locked by the caller, to status `to`, on its timeline. `also`: other fields the caller changed,
    saved with the status (only the changed fields are written: a move is on every step of the flow)."""
    source = order.status
    if (source, to) not in ORDER_ALLOWED:
        raise ApplicationError(
            _("An order cannot go from %(source)s to %(target)s.")
            % {"source": Status(source).label, "target": Status(to).label}
        )
    order.status = to
    order.version += 1
    order.save(update_fields=["status", "version", "updated_at", *also])
    timeline_record(
        subject=order, action=action, actor=actor, reason=reason, from_state=source, to_state=to, data=data or {}
    )


def order_item_move(*, item: OrderItem, to: str, action: str, reason: str = "", data=None) -> bool:
    """The item, with its order and product, to state `to`, on its order's timeline. It moves only from the state the caller
    read, in one statement that locks the row: an item moved meanwhile (a cancellation) stays as it is, and
    False says nothing changed."""
    source = item.state
    if (source, to) not in ITEM_ALLOWED:
        raise ApplicationError(
            _("An order item cannot go from %(source)s to %(target)s.")
            % {"source": State(source).label, "target": State(to).label}
        )
    if not OrderItem.objects.filter(pk=item.pk, state=source).update(state=to):
        return False
    item.state = to
    # The states in `data`: the timeline's own from/to are the order's.
    line = {"item": item.pk, "product": item.product.code, "from": source, "state": to}
    timeline_record(subject=item.order, action=action, reason=reason, data={**line, **(data or {})})
    return True
