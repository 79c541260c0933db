"""Where a piece of business stands: a process's chart with its position, every step with who, when, how long
and against which limit, its timeline, and the chain customer → opportunity → order → launch around it."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from viewflow.workflow import chart
from viewflow.workflow.models import Process, Task

from keyaccounts.core.registry import ChainLink, process_of
from keyaccounts.core.registry import InboxSource as Source
from keyaccounts.core.timeline import timeline_for
from sla.models import SlaClock


@dataclass
class StepRow:
    task: Task
    sla_step: str
    clock: object = None  # the SLA clock that timed this pass of the step

    @property
    def duration(self) -> timedelta | None:
        return (self.task.finished - self.task.created) if self.task.finished else None


def process_for(user, process_pk: int):
    """The process, its source and its record if the user may see the record; else None (a 404)."""
    process = Process.objects.filter(pk=process_pk).first()
    if process is None:
        return None
    spec = process_of(process.flow_class)
    if spec is None:
        return None
    source = spec.source
    record = source.record(Task(process=process))
    if record is None or not spec.visible_records(user).filter(pk=record.pk).exists():
        return None
    return process, source, record


def process_chart(process) -> str:
    """The flow chart as SVG, each node coloured by the state of its tasks (done, assigned, new…)."""
    grid = chart.calc_layout_data(process.flow_class)
    chart.calc_cell_status(process.flow_class, grid, process.pk)
    return chart.grid_to_svg(grid)


def process_steps(process, source: Source, record) -> list[StepRow]:
    """Every step taken, in order, each human one beside the SLA clock that timed it."""
    tasks = list(
        Task.objects.filter(process=process)
        .filter(flow_task_type__in=["HUMAN", "FUNCTION", "JOB", "TIMER"])  # steps people and systems work, not gateways
        .select_related("owner")
        .order_by("created", "pk")
    )
    clocks: dict[str, list] = {}
    for clock in SlaClock.objects.filter(
        subject_type=ContentType.objects.get_for_model(record), subject_id=record.pk
    ).order_by("started_at", "pk"):
        clocks.setdefault(clock.step, []).append(clock)
    rows = []
    for task in tasks:
        step = source.steps.get(task.flow_task.name, "")
        passes = clocks.get(step, [])
        rows.append(StepRow(task, step, passes.pop(0) if passes else None))
    return rows


def process_chain(source: Source, record) -> list[ChainLink]:
    """The business around this process: its customer, the opportunity, the order and its launch."""
    links = process_of(source.flow).chain(record)
    for link in links:
        link.current = link.process_id is not None and link.process_id == getattr(record, "process_id", None)
    return links


def process_timeline(source: Source, record):
    """The record's events; for a launch also its order's, where the work orders' events are kept."""
    return timeline_for(*process_of(source.flow).timeline_subjects(record))
