from celery import shared_task

from .inbound import events_apply_queued, events_sweep
from .outbox import outbox_deliver_many, outbox_sweep


@shared_task(ignore_result=True, acks_late=True)
def outbox_deliver_task(pks: list[int] | int) -> None:
    outbox_deliver_many([pks] if isinstance(pks, int) else pks)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def outbox_sweep_task() -> None:
    """Beat runs it every few seconds: deliveries live in PostgreSQL, not in the broker."""
    outbox_sweep()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def work_orders_reconcile_task() -> None:
    """Beat runs it every few seconds: the peers' truth (GET) for every open work order."""
    from .services import work_orders_reconcile

    work_orders_reconcile()


@shared_task(ignore_result=True)
def events_apply_task() -> None:
    """Queued by the listener once events are stored: applies them in batches."""
    events_apply_queued()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def events_sweep_task() -> None:
    """Beat runs it every few seconds: stored events a lost broker message left unapplied."""
    events_sweep()


@shared_task(ignore_result=True, acks_late=True)
def peer_wait_task(task_pk: int) -> None:
    from .nodes import peer_wait_check

    peer_wait_check(task_pk)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def launch_sweep_task() -> None:
    from .services import launch_sweep

    launch_sweep()
