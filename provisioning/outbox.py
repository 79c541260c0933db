"""The transactional outbox: requests to peers are rows written with the step that causes them.

Delivery happens after commit (Celery) and again from a periodic sweep, so a lost broker message or a
worker killed mid-call only delays a request. Peers deduplicate by our `externalId`, so a request that
reached the peer before the worker died is not created twice when it is sent again.
"""

import logging
import random
import threading
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage
from .peers import PeerError, peer_create

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 2
BACKOFF_CAP_SECONDS = 300


def outbox_enqueue(*, peer: str, resource: str, external_id: str, payload: dict) -> OutboxMessage:
    """Call inside the workflow step's transaction; the message exists exactly when the step does."""
    message = OutboxMessage.objects.create(
        peer=peer, resource=resource, external_id=external_id, payload=payload, next_attempt_at=timezone.now()
    )
    _pending().append(message.pk)
    transaction.on_commit(_schedule_deliveries)
    return message


# Messages written by this thread's transaction, handed to Celery in batches once it commits (one callback
# per message would be one broker round trip each). A rolled-back transaction leaves pks of rows that never
# existed here; delivering them finds nothing.
_local = threading.local()
DELIVERY_BATCH = 25


def _pending() -> list[int]:
    if not hasattr(_local, "pks"):
        _local.pks = []
    return _local.pks


def _schedule_deliveries() -> None:
    from .tasks import outbox_deliver_task

    pks = _pending()[:]
    _pending().clear()
    for start in range(0, len(pks), DELIVERY_BATCH):
        batch = pks[start : start + DELIVERY_BATCH]
        try:
            outbox_deliver_task.delay(batch)
        except Exception:  # the broker is down: the rows stay due and the sweep delivers them
            logger.warning("broker unavailable; outbox messages %s wait for the sweep", batch, exc_info=True)


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter, so many failing messages do not retry in step."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 — jitter, not secrecy


def outbox_deliver(pk: int) -> str | None:
    """Send one pending message (skipped if another worker holds it). Returns its status afterwards."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=OutboxMessage.Status.PENDING)
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        try:
            response = peer_create(message.peer, message.resource, message.payload)
        except PeerError as error:
            message.last_error = str(error)[:2000]
            if error.retryable and message.attempts < MAX_ATTEMPTS:
                message.next_attempt_at = timezone.now() + backoff(message.attempts)
            else:
                message.status = OutboxMessage.Status.DEAD
                message.next_attempt_at = None
        else:
            message.status = OutboxMessage.Status.SENT
            message.remote_id = str(response.body.get("id", ""))
            message.sent_at = timezone.now()
            message.next_attempt_at = None
        message.save()
        return message.status


def outbox_sweep(*, limit: int = 200) -> int:
    """Deliver what is due: messages whose Celery delivery was lost, or whose retry time has come."""
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        outbox_deliver(pk)
    return len(due)


def outbox_retry(*, message: OutboxMessage) -> None:
    """An operator sends a dead message again (from the start of its backoff)."""
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.DEAD).update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if updated:
            _pending().append(message.pk)
            transaction.on_commit(_schedule_deliveries)
