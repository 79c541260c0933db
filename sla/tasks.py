from celery import shared_task
from viewflow.workflow.timers import fire_due_timers

from .quality import quality_collect
from .services import sla_rollup_fold
from .sweep import sla_pauses_sweep, sla_sweep


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def sla_sweep_task() -> None:
    """Beat runs it every few seconds; any worker may take it (rows are locked with SKIP LOCKED)."""
    sla_sweep()
    sla_pauses_sweep()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def sla_rollup_fold_task() -> None:
    """Beat runs it every few seconds: the clocks stopped since the last fold added to the dashboards' day counts
    and durations (folds take turns: the rollup tables' lock)."""
    sla_rollup_fold()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def workflow_timers_task() -> None:
    """viewflow's due timers (OnTimeout boundaries and Timer nodes), fired from the database."""
    fire_due_timers()


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def quality_collect_task() -> None:
    """Beat runs it every minute: EOMS's new network quality measurements, judged against the targets."""
    quality_collect()
