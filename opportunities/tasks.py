from celery import shared_task

from .services import surveys_reconcile


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def surveys_reconcile_task() -> None:
    """Beat runs it every few seconds: EOMS's survey answers are read back (GET is the truth)."""
    surveys_reconcile()
