"""Events from EOMS and SI: stored first (once per `eventId`), then applied when legal and newer.

Storing commits in the listener's request; applying follows in its own transaction, and a beat sweep
applies whatever a failure left behind. A late, older event never undoes a newer state, and
an event for a finished work order changes nothing; the reconciliation GET repairs a lost event.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from keyaccounts.core.exceptions import ApplicationError

from .models import InboundEvent, WorkOrder

logger = logging.getLogger(__name__)
SERVICE_ORDER_EVENTS = {
    "ServiceOrderStateChangeEvent",
    "ServiceOrderMilestoneEvent",
    "ServiceOrderJeopardyEvent",
    "ServiceOrderInformationRequiredEvent",
}


def event_receive(*, peer: str, body: dict) -> tuple[InboundEvent, bool]:
    """Store a signed event; the same `eventId` again is acknowledged and not stored twice."""
    event_id = str(body.get("eventId") or "").strip()
    event_type = str(body.get("eventType") or "")
    event_time = parse_datetime(str(body.get("eventTime") or ""))
    order = (body.get("event") or {}).get("serviceOrder") or {}
    if not event_id or event_type not in SERVICE_ORDER_EVENTS or event_time is None or not order.get("externalId"):
        raise ApplicationError(
            "an eventId, a known eventType, an ISO eventTime and event.serviceOrder.externalId are required"
        )
    existing = InboundEvent.objects.filter(peer=peer, event_id=event_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                peer=peer, event_id=event_id, event_type=event_type, event_time=event_time, body=body
            )
            transaction.on_commit(lambda: _apply_now(event.pk))
    except IntegrityError:  # the same event raced in on another connection
        return InboundEvent.objects.get(peer=peer, event_id=event_id), False
    return event, True


def _apply_now(pk: int) -> None:
    """Apply right after the event is safely stored; if that fails, the stored event waits for the sweep."""
    try:
        event_apply(pk)
    except Exception:  # stored is what the peer needs; the sweep applies it later
        logger.exception("event %s stored but not applied yet", pk)


def event_apply(pk: int) -> str | None:
    """Apply one stored event (skipped while another worker holds it). Returns what happened."""
    from .services import work_order_apply, work_order_note

    with transaction.atomic():
        event = InboundEvent.objects.select_for_update(skip_locked=True).filter(pk=pk, applied_at=None).first()
        if event is None:
            return None
        order = event.body["event"]["serviceOrder"]
        work_order = WorkOrder.objects.filter(external_id=order["externalId"], peer=event.peer).first()
        if work_order is None:
            outcome = "ignored: unknown work order"
        elif event.event_type == "ServiceOrderStateChangeEvent":
            applied = work_order_apply(
                pk=work_order.pk,
                state=order.get("state", ""),
                milestones=order.get("milestone"),
                error=_error_text(order),
                event_time=event.event_time,
            )
            outcome = "applied" if applied else "ignored: not newer, not legal or no change"
        else:
            kind = {
                "ServiceOrderMilestoneEvent": "milestone",
                "ServiceOrderJeopardyEvent": "jeopardy",
                "ServiceOrderInformationRequiredEvent": "information",
            }[event.event_type]
            work_order_note(pk=work_order.pk, kind=kind, detail=order, event_time=event.event_time)
            outcome = f"applied: {kind}"
        event.applied_at = timezone.now()
        event.outcome = outcome
        event.save(update_fields=["applied_at", "outcome"])
        return outcome


def _error_text(order: dict) -> str:
    return "; ".join(str(e.get("reason") or e.get("message") or e) for e in order.get("errorMessage") or [])


def events_sweep(*, limit: int = 500) -> int:
    pending = list(
        InboundEvent.objects.filter(applied_at=None).order_by("received_at").values_list("pk", flat=True)[:limit]
    )
    for pk in pending:
        event_apply(pk)
    return len(pending)
