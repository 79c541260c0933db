"""What /healthz reports: the database answers, the broker accepts a connection, a worker beat recently."""

import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from keyaccounts.celery import app

from .models import Heartbeat

WORKER_HEARTBEAT = "celery-worker"


@dataclass
class Check:
    ok: bool
    detail: str
    ms: float


def _timed(fn) -> Check:
    started = time.monotonic()
    try:
        detail = fn()
        ok = True
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return Check(ok=ok, detail=detail, ms=round((time.monotonic() - started) * 1000, 1))


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker() -> str:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport.driver_type


def _worker() -> str:
    beat = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).first()
    if beat is None:
        raise RuntimeError("no heartbeat yet")
    age = (timezone.now() - beat.beat_at).total_seconds()
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        raise RuntimeError(f"last heartbeat {age:.0f}s ago from {beat.hostname}")
    return f"{beat.hostname}, {age:.0f}s ago"


def health_report() -> dict:
    checks = {"database": _timed(_database), "broker": _timed(_broker), "worker": _timed(_worker)}
    return {
        "status": "ok" if all(c.ok for c in checks.values()) else "fail",
        "checks": {name: asdict(check) for name, check in checks.items()},
    }
