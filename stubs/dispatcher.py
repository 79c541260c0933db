"""Sends the stub peers' due events to every registered listener, signed, with the injected faults.

One daemon thread per stub process polls the store; an event that cannot be delivered is tried again a
little later (a real peer retries too), and given up after a while so a dead listener is not called forever.
"""

import functools
import http.client
import json
import logging
import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import SplitResult, urlsplit

from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from keyaccounts.core.signing import SIGNATURE_HEADER, sign

from .models import Event, Faults, HubSubscription

logger = logging.getLogger("stubs.dispatcher")
POLL_SECONDS = 0.2
MAX_ATTEMPTS = 20
BATCH = 400
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="stub-send")
_started = threading.Lock()
_thread: threading.Thread | None = None


@functools.cache  # read once: the environment does not change while the stub runs
def secret_of(peer: str) -> str:
    return os.environ.get(f"{peer.upper()}_CALLBACK_SECRET", f"{peer}-dev-secret")


# What sending reads of an event and its resource: plain values (the dispatcher reads hundreds a second; model
# instances and the resource's body, the whole order as posted, were a sixth of the stub's CPU).
DUE_FIELDS = (
    *("pk", "attempts", "event_type", "state", "detail", "occurred_at"),
    *("resource_id", "resource__peer", "resource__kind", "resource__external_id"),
)
# The field a resource's events name its new state by (TMF621 says status, the order APIs state).
STATE_FIELD = {"troubleTicket": "status", "serviceProblem": "status"}


def event_body(event: dict) -> dict:
    """The TMF event of a row read with `DUE_FIELDS`."""
    kind = event["resource__kind"]
    order = {"id": str(event["resource_id"]), "externalId": event["resource__external_id"], **event["detail"]}
    if event["state"]:
        order[STATE_FIELD.get(kind, "state")] = event["state"]
    return {
        "eventId": f"{event['resource__peer']}-{event['pk']}",
        "eventType": event["event_type"],
        "eventTime": event["occurred_at"].isoformat(),
        "event": {kind: order},
    }


_local = threading.local()


def _connection(url: SplitResult) -> http.client.HTTPConnection:
    """One kept-alive connection per sending thread and listener (plain http.client: a stub sending thousands
    of events a minute should not spend its time in a client library)."""
    connections = _local.__dict__.setdefault("connections", {})
    key = (url.scheme, url.netloc)
    if key not in connections:
        kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connections[key] = kind(url.netloc, timeout=5)
    return connections[key]


def _post(callback: str, peer: str, body: dict) -> bool:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret_of(peer), raw)}
    url = urlsplit(callback)
    path = f"{url.path or '/'}?{url.query}" if url.query else url.path or "/"
    for attempt in (1, 2):  # a kept-alive connection the listener has closed is opened again, once
        connection = _connection(url)
        try:
            connection.request("POST", path, body=raw, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            _local.connections.pop((url.scheme, url.netloc), None)
            if attempt == 2:
                logger.info("event %s to %s failed: %s", body["eventId"], callback, exc)
                return False
            continue
        if response.will_close:
            connection.close()
            _local.connections.pop((url.scheme, url.netloc), None)
        return response.status < 300
    return False


def _deliver(event: dict, callbacks: list[str], fault: Faults) -> tuple[bool, bool]:
    """POST one event to every listener (in a pool thread: HTTP only, no database). Returns whether it was
    delivered and whether it was sent a second time."""
    body, peer = event_body(event), event["resource__peer"]
    delivered = all(_post(callback, peer, body) for callback in callbacks)
    if delivered and random.random() < fault.duplicate_rate:  # noqa: S311 — fault injection, not secrecy
        for callback in callbacks:
            _post(callback, peer, body)
        return delivered, True
    return delivered, False


def dispatch_due(*, now=None) -> int:
    """Send what is due, several resources at once; returns how many events were handled."""
    now = now or timezone.now()
    due = list(Event.objects.filter(sent_at=None, due_at__lte=now).values(*DUE_FIELDS)[:BATCH])
    if not due:
        return 0
    faults = {f.peer: f for f in Faults.objects.all()}
    subscriptions: dict[str, list[str]] = {}
    for sub in HubSubscription.objects.all():
        subscriptions.setdefault(sub.peer, []).append(sub.callback)
    if any(f.reorder for f in faults.values()):
        due.reverse()  # newer events overtake older ones
    sending, skipped, lost = [], [], []
    for event in due:
        peer = event["resource__peer"]
        fault = faults.get(peer) or Faults(peer=peer)
        callbacks = subscriptions.get(peer, [])
        if not callbacks:
            skipped.append(event)  # nobody listens: GET still tells the truth
        elif random.random() < fault.lose_rate:  # noqa: S311 — fault injection
            lost.append(event)  # lost on purpose: GET still tells the truth
        else:
            sending.append((event, callbacks, fault))
    # One resource's events go in order on one thread; different resources in parallel.
    by_resource: dict[int, list] = {}
    for entry in sending:
        by_resource.setdefault(entry[0]["resource_id"], []).append(entry)
    outcomes = {}
    for chain, results in zip(
        by_resource.values(),
        _POOL.map(lambda chain: [_deliver(*entry) for entry in chain], by_resource.values()),
        strict=True,
    ):
        outcomes.update({entry[0]["pk"]: ok for entry, ok in zip(chain, results, strict=True)})
    finished = timezone.now()
    # A few set-wise updates (grouped by outcome) rather than one CASE per row and field.
    done, retry = [], {}
    duplicated = [pk for pk, (_ok, twice) in outcomes.items() if twice]
    for event, _callbacks, _fault in sending:
        attempts = event["attempts"] + 1
        if outcomes[event["pk"]][0] or attempts >= MAX_ATTEMPTS:
            done.append(event["pk"])
        else:
            retry.setdefault(attempts, []).append(event["pk"])
    with transaction.atomic():
        Event.objects.filter(pk__in=[event["pk"] for event in skipped]).update(sent_at=now)
        Event.objects.filter(pk__in=[event["pk"] for event in lost]).update(sent_at=now, lost=True)
        Event.objects.filter(pk__in=duplicated).update(duplicated=True)
        Event.objects.filter(pk__in=done).update(sent_at=finished, attempts=F("attempts") + 1)
        for attempts, pks in retry.items():
            due_at = finished + timedelta(seconds=min(2**attempts, 30) / 4)
            Event.objects.filter(pk__in=pks).update(due_at=due_at, attempts=attempts)
    return len(due)


def _loop() -> None:
    while True:
        try:
            close_old_connections()
            if not dispatch_due():
                time.sleep(POLL_SECONDS)
        except Exception:
            logger.exception("dispatch failed")
            time.sleep(1)


def ensure_started() -> None:
    global _thread
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_loop, name=f"stub-dispatcher-{uuid.uuid4().hex[:6]}", daemon=True)
            _thread.start()
