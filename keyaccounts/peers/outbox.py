"""The transactional outbox: requests to peers are rows written with the step that causes them.

Delivery happens after commit (Celery) and again from a periodic sweep, so a lost broker message or a
worker killed mid-call only delays a request. Peers deduplicate by our `externalId`, so a request that
reached the peer before the worker died is not created twice when it is sent again.
"""

import logging
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from http import HTTPStatus

from django.db import transaction
from django.utils import timezone

from . import registry
from .client import PeerError, PeerResponse, peer_create, peer_retrieve, peer_update
from .models import OutboxMessage

logger = logging.getLogger(__name__)
# Retries span about half an hour (the backoff reaches its cap at the 9th): an outage or a run of 503s shorter
# than that is waited out, not left for an operator to send again.
MAX_ATTEMPTS = 16
BACKOFF_BASE_SECONDS = 2
BACKOFF_CAP_SECONDS = 300


def outbox_enqueue(
    *,
    peer: str,
    resource: str,
    external_id: str,
    payload: dict,
    follows: OutboxMessage | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Call inside the workflow step's transaction; the message exists exactly when the step does. With
    `follows`, the message changes (PATCH) what that earlier message created, once it is delivered. With
    `not_before` in the future, the sweep delivers it then (e.g. a message sent again after a backoff)."""
    now = timezone.now()
    due = max(not_before, now) if not_before else now
    message = OutboxMessage.objects.create(
        peer=peer,
        resource=resource,
        external_id=external_id,
        payload=payload,
        method=OutboxMessage.Method.UPDATE if follows else OutboxMessage.Method.CREATE,
        follows=follows,
        next_attempt_at=due,
    )
    if due <= now:
        _pending().append(message.pk)
        transaction.on_commit(_schedule_deliveries)
    return message


def outbox_enqueue_many(*, peer: str, resource: str, requests: list[tuple[str, dict]]) -> list[OutboxMessage]:
    """`outbox_enqueue` of many new resources at once, each (externalId, payload), due now: one insert, and one
    hand-over to Celery once the step's transaction commits."""
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            peer=peer,
            resource=resource,
            external_id=external_id,
            payload=payload,
            method=OutboxMessage.Method.CREATE,
            next_attempt_at=timezone.now(),
        )
        for external_id, payload in requests
    )
    if messages:
        _pending().extend(message.pk for message in messages)
        transaction.on_commit(_schedule_deliveries)
    return messages


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
    return outbox_deliver_many([pk]).get(pk)


def outbox_deliver_many(pks: list[int]) -> dict[int, str]:
    """Send pending messages together (those another worker holds are skipped): their rows stay locked for the
    whole call, the requests go out in parallel over kept-alive connections, and every outcome is written in
    the same transaction. A worker that dies meanwhile leaves them pending, and sending again is safe (the peer
    knows our externalId). Returns each sent message's status afterwards."""
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=pks, status=OutboxMessage.Status.PENDING)
            .select_related("follows")
            .order_by("pk")
        )
        if not messages:
            return {}
        requests = [_request(message) for message in messages]
        answers = [_send(requests[0])] if len(requests) == 1 else list(_senders().map(_send, requests))
        now = timezone.now()
        for message, answer in zip(messages, answers, strict=True):
            message.attempts += 1
            if isinstance(answer, PeerError):
                message.last_error = str(answer)[:2000]
                if answer.retryable and message.attempts < MAX_ATTEMPTS:
                    message.next_attempt_at = now + backoff(message.attempts)
                else:
                    message.status = OutboxMessage.Status.DEAD
                    message.next_attempt_at = None
            else:
                message.status = OutboxMessage.Status.SENT
                message.remote_id = str(answer.body.get("id", ""))
                message.sent_at = now
                message.next_attempt_at = None
        OutboxMessage.objects.bulk_update(
            messages, ["attempts", "last_error", "status", "next_attempt_at", "remote_id", "sent_at"]
        )
        _tell_delivered(messages, now)
    return {message.pk: message.status for message in messages}


def _tell_delivered(messages: list[OutboxMessage], at: datetime) -> None:
    """The apps that follow their creations' delivery learn which were accepted now (`registry.register_delivered`)."""
    created: dict[str, list[str]] = {}
    for message in messages:
        if message.status == OutboxMessage.Status.SENT and message.method == OutboxMessage.Method.CREATE:
            created.setdefault(message.resource, []).append(message.external_id)
    for resource, external_ids in created.items():
        delivered = registry.delivered_handler(resource)
        if delivered is not None:
            delivered(external_ids=external_ids, at=at)


def _request(message: OutboxMessage) -> tuple[OutboxMessage, str | PeerError]:
    """The message with the peer's id of what it changes ("" for a creation), or why it cannot go yet."""
    if message.method != OutboxMessage.Method.UPDATE:
        return message, ""
    created = message.follows
    if created is None or created.status != OutboxMessage.Status.SENT or not created.remote_id:
        # Retried with the usual backoff: the creation may be delivered meanwhile (or fail for good first).
        reference = created.external_id if created else "?"
        return message, PeerError(f"waits until {reference} is delivered", retryable=True)
    return message, created.remote_id


def _send(request: tuple[OutboxMessage, str | PeerError]) -> PeerResponse | PeerError:
    """HTTP only (in a pool thread): no database here, the caller's transaction holds the rows."""
    message, remote_id = request
    if isinstance(remote_id, PeerError):
        return remote_id
    try:
        if message.method == OutboxMessage.Method.UPDATE:
            return _update(message, remote_id)
        return peer_create(message.peer, message.resource, message.payload)
    except PeerError as error:
        return error


def _update(message: OutboxMessage, remote_id: str) -> PeerResponse:
    """A change; one the peer refuses because the resource has moved on by itself (409: a ticket it finished)
    is settled, not a dead letter: nothing is left to change, and what the resource is now is read back
    (whoever follows it, e.g. the quality tickets' reconciliation, records that state)."""
    try:
        return peer_update(message.peer, message.resource, remote_id, message.payload)
    except PeerError as error:
        if error.status != HTTPStatus.CONFLICT:
            raise
        logger.info("%s %s: %s; read back instead", message.resource, message.external_id, error)
        return peer_retrieve(message.peer, message.resource, remote_id)


# Threads that send a batch's requests in parallel: the calls wait on the peer, not on our CPU. Made on first
# use in each process (a Celery worker forks after import, and threads do not survive a fork).
SENDER_THREADS = 8
_senders_of: dict[int, ThreadPoolExecutor] = {}


def _senders() -> ThreadPoolExecutor:
    pid = os.getpid()
    if pid not in _senders_of:
        _senders_of.clear()
        _senders_of[pid] = ThreadPoolExecutor(max_workers=SENDER_THREADS, thread_name_prefix="outbox-send")
    return _senders_of[pid]


def outbox_sweep(*, limit: int = 200) -> int:
    """Deliver what is due: messages whose Celery delivery was lost, or whose retry time has come."""
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(due), DELIVERY_BATCH):
        outbox_deliver_many(due[start : start + DELIVERY_BATCH])
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
