from celery import shared_task

from .services import tickets_unanswered


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def tickets_unanswered_task() -> None:
    """Beat runs it every few minutes: customers who have not answered are reminded, then their tickets closed."""
    tickets_unanswered()
