from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def peer_wait_task(task_pk: int) -> None:
    from .nodes import peer_wait_check

    peer_wait_check(task_pk)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def launch_sweep_task() -> None:
    from .services import launch_sweep

    launch_sweep()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def billing_start_due_task() -> None:
    from .services import billing_start_due

    billing_start_due()
