from celery import shared_task

from .availability import availability_sweep
from .planned import planned_work_notices_send
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


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def planned_work_notices_task() -> None:
    """Beat runs it every few minutes: customers affected by planned work are told when their notice falls due."""
    planned_work_notices_send()


@shared_task(ignore_result=True, soft_time_limit=110, time_limit=120)
def availability_sweep_task() -> None:
    """Beat runs it every few minutes: availability budgets measured, 80 % warnings raised, breaches credited."""
    availability_sweep()
