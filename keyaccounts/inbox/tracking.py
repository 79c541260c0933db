"""Where a piece of business stands: a process's map with its position, every step with who, when, how long
and against which limit, its timeline, and the chain customer → opportunity → order → launch around it."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

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


@dataclass
class MapLink:
    """An arrow out of a step: where it leads, and whether it leads back (the work goes round again)."""

    step: "MapStep"
    back: bool
    otherwise: bool  # a decision's default branch


@dataclass
class MapStep:
    """A node of the flow as the process map shows it: numbered in reading order, named by its title."""

    number: int
    name: str  # the node's code: an anchor for pages and tests, never shown
    title: str
    kind: str  # start, end, person, system or decision
    status: str = ""  # the state of its latest task here, "" when the process has not reached it
    status_label: str = ""
    links: list[MapLink] = field(default_factory=list)


_KINDS = {"START": "start", "HUMAN_START": "start", "END": "end", "HUMAN": "person"}
_DECISIONS = {"SWITCH", "EXCLUSIVE_GATEWAY", "PARALLEL_GATEWAY", "JOIN"}


def _reading_order(flow_class) -> tuple[list, set]:
    """The nodes in the order a reader follows them, and the edges that lead back. A depth-first walk in the
    order the flow declares its nodes finds the edges back; each node then comes after every node that leads
    forward to it (the longest way from the start), ties in declaration order."""
    declared = {name: i for i, name in enumerate(vars(flow_class))}
    nodes = sorted(flow_class.instance.nodes(), key=lambda n: declared.get(n.name, len(declared)))
    back: set[tuple] = set()
    state: dict = {}  # node -> "open" while on the walk's path, "done" after

    def walk(node) -> None:
        state[node] = "open"
        for edge in node._outgoing():
            if state.get(edge.dst) == "open":
                back.add((node, edge.dst))
            elif edge.dst not in state:
                walk(edge.dst)
        state[node] = "done"

    for node in nodes:
        if node not in state and not [e for e in node._incoming() if e.src is not node]:
            walk(node)
    for node in nodes:  # anything no start reaches, still shown
        if node not in state:
            walk(node)
    depth: dict = {}

    def depth_of(node) -> int:
        if node not in depth:
            forward = [e.src for e in node._incoming() if (e.src, node) not in back]
            depth[node] = 1 + max((depth_of(src) for src in forward), default=-1)
        return depth[node]

    ordered = sorted(nodes, key=lambda n: (depth_of(n), declared.get(n.name, len(declared))))
    return ordered, back


def _title(node) -> str:
    return str(node.task_title) if node.task_title else node.name.replace("_", " ").capitalize()


def process_map(process) -> list[MapStep]:
    """The flow as numbered steps in reading order, each with its state in this process and where it leads:
    legible at any width and in either language, where the library's chart crowds a flow with loops."""
    flow_class = process.flow_class
    ordered, back = _reading_order(flow_class)
    latest: dict[str, str] = {}
    for flow_task, status in (
        Task.objects.filter(process=process).order_by("created", "pk").values_list("flow_task", "status")
    ):
        latest[flow_task.name] = status
    steps = {}
    for number, node in enumerate(ordered, start=1):
        kind = _KINDS.get(node.task_type) or ("decision" if node.task_type in _DECISIONS else "system")
        status = latest.get(node.name, "")
        steps[node] = MapStep(
            number, node.name, _title(node), kind, status.lower(), STATUS(status).label if status else ""
        )
    for node, step in steps.items():
        for edge in sorted(node._outgoing(), key=lambda e: (e.edge_class == "default", steps[e.dst].number)):
            step.links.append(MapLink(steps[edge.dst], (node, edge.dst) in back, edge.edge_class == "default"))
    return list(steps.values())


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
