from celery import shared_task

from .services import tickets_unanswered


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def tickets_unanswered_task() -> None:
    """Beat runs it every few minutes: customers who have not answered are reminded, then their tickets closed."""
    tickets_unanswered()


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def problem_children_start_task(problem_pk: int) -> None:
    """After an incident opens its children: their flows start, each waiting for the incident's resolution."""
    from .incidents import problem_children_start

    problem_children_start(problem_pk=problem_pk)


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def problem_children_wake_task(problem_pk: int) -> None:
    """After an incident is resolved: each child goes on to its own customer's confirmation."""
    from .incidents import problem_children_wake

    problem_children_wake(problem_pk=problem_pk)
