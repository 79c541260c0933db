"""Events from EOMS and SI: stored first (once per `eventId`), then applied by the app that handles their type.

Storing commits in the listener's request; a Celery task then applies the waiting events in batches (one
transaction and a few statements per batch), and a beat sweep applies whatever a failure left behind. The
handlers the apps register (`registry.register_events`) decide what an event changes: only when legal and
newer than the last applied one; the read-backs repair a lost event.
"""

import logging
import os
import threading
import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from keyaccounts.core.exceptions import ApplicationError

from . import registry
from .models import InboundEvent

logger = logging.getLogger(__name__)


def event_receive(*, peer: str, body: dict) -> tuple[InboundEvent, bool]:
    """Store a signed event; the same `eventId` again is acknowledged and not stored twice."""
    event_id = str(body.get("eventId") or "").strip()
    event_type = str(body.get("eventType") or "")
    event_time = parse_datetime(str(body.get("eventTime") or ""))
    handler = registry.event_handler(event_type)
    resource = handler.resource if handler else "<resource>"
    subject = (body.get("event") or {}).get(resource) or {}
    if not event_id or handler is None or event_time is None or not subject.get("externalId"):
        raise ApplicationError(
            f"an eventId, a known eventType, an ISO eventTime and event.{resource}.externalId are required"
        )
    event = InboundEvent(peer=peer, event_id=event_id, event_type=event_type, event_time=event_time, body=body)
    try:
        with transaction.atomic():  # committed in the listener's request: the 201 answers once it is stored
            event.save(force_insert=True)
    except IntegrityError:
        # Seen before (a replay, or the same event racing in on another connection).
        stored = InboundEvent.objects.filter(peer=peer, event_id=event_id).first()
        if stored is None:
            raise
        return stored, False
    transaction.on_commit(schedule_apply)
    return event, True


# The listener answers as soon as the event is stored; a Celery task applies what is waiting, many events
# per transaction. One run is queued at a time: the token is taken when a run is queued and given back when
# it starts, so every event stored meanwhile is seen by that run. The token lapses after a few seconds, so a
# lost message (or a run stuck behind a long queue) only holds events until the next one arrives, and the
# beat sweep applies whatever is left.
APPLY_QUEUED = "peers:events-apply-queued"
APPLY_QUEUED_SECONDS = 2
EVENT_BATCH = 200
# The listener's threads raise a flag rather than each queueing a run: one thread per process queues the run
# for every event stored before it lowered the flag (docs/decisions/0002).
APPLY_WAKE_SECONDS = 0.05
_wake = threading.Event()
_waker_lock = threading.Lock()
_waker_pid: int | None = None


def schedule_apply() -> None:
    """After an event is stored (committed): make sure an apply run is queued that will see it."""
    global _waker_pid
    _wake.set()
    if _waker_pid != os.getpid():  # a thread does not survive a fork: one per process, made on first use
        with _waker_lock:
            if _waker_pid != os.getpid():
                threading.Thread(target=_waker, name="events-apply-waker", daemon=True).start()
                _waker_pid = os.getpid()


def _waker() -> None:
    while True:
        _wake.wait()
        time.sleep(APPLY_WAKE_SECONDS)  # the events the other threads are storing join this run
        _wake.clear()  # an event stored after this raises the flag again: the next round queues for it
        queue_apply_run()


def queue_apply_run() -> None:
    from .tasks import events_apply_task

    try:
        if cache.add(APPLY_QUEUED, 1, timeout=APPLY_QUEUED_SECONDS):
            events_apply_task.delay()
    except Exception:  # the broker or the cache is down: stored is what counts, the sweep applies it
        logger.warning("events wait for the sweep: their apply run could not be queued", exc_info=True)


def events_apply_queued() -> int:
    """The queued run: give the token back first, then apply a batch (and queue another if more wait)."""
    cache.delete(APPLY_QUEUED)
    applied = events_apply()
    if applied == EVENT_BATCH:
        queue_apply_run()
    return applied


def events_apply(*, limit: int = EVENT_BATCH) -> int:
    """Apply stored events in arrival order, a batch per transaction; events another worker holds are
    skipped (it applies them). Returns how many were applied."""
    with transaction.atomic():
        events = list(
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(applied_at=None)
            .order_by("received_at", "pk")[:limit]
        )
        if not events:
            return 0
        _dispatch(events)
        now = timezone.now()
        for event in events:
            event.applied_at = now
        InboundEvent.objects.bulk_update(events, ["applied_at", "outcome"])
    return len(events)


def _dispatch(events: list[InboundEvent]) -> None:
    """Each handler gets its events in one call, in arrival order (each event type has one handler)."""
    batches: dict[registry.EventHandler | None, list[InboundEvent]] = {}
    for event in events:
        batches.setdefault(registry.event_handler(event.event_type), []).append(event)
    for handler, batch in batches.items():
        if handler is None:  # its handler was registered when it was stored, and is no longer
            for event in batch:
                event.outcome = "ignored: no handler for its type"
        else:
            handler.apply(events=batch)


def events_sweep(*, limit: int = 2000) -> int:
    """Beat's safety net: apply what a lost message or a failure left waiting. Returns how many."""
    done = 0
    while done < limit and (applied := events_apply(limit=min(EVENT_BATCH, limit - done))):
        done += applied
    return done
