from celery import shared_task

from . import registry
from .inbound import events_apply_queued, events_sweep
from .outbox import outbox_deliver_many, outbox_sweep


@shared_task(ignore_result=True, acks_late=True)
def outbox_deliver_task(pks: list[int] | int) -> None:
    outbox_deliver_many([pks] if isinstance(pks, int) else pks)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def outbox_sweep_task() -> None:
    """Beat runs it every few seconds: deliveries live in PostgreSQL, not in the broker."""
    outbox_sweep()


@shared_task(ignore_result=True)
def events_apply_task() -> None:
    """Queued by the listener once events are stored: applies them in batches."""
    events_apply_queued()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def events_sweep_task() -> None:
    """Beat runs it every few seconds: stored events a lost broker message left unapplied."""
    events_sweep()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def read_back_task(name: str) -> None:
    """Beat runs each registered read-back (by name) on its own schedule: the peers' truth (GET) for what is
    still open there."""
    registry.read_back(name)
