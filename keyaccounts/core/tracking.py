"""Where a piece of business stands: a process's chart with its position, every step with who, when, how long
and against which limit, its timeline, and the chain customer → opportunity → order → launch around it."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import chart
from viewflow.workflow.models import Process, Task

from .inbox import Source, sources
from .timeline import timeline_for


@dataclass
class StepRow:
    task: Task
    sla_step: str
    clock: object = None  # the SLA clock that timed this pass of the step

    @property
    def duration(self) -> timedelta | None:
        return (self.task.finished - self.task.created) if self.task.finished else None


@dataclass
class ChainLink:
    label: str
    title: str
    url: str
    process_id: int | None
    current: bool = False


def _visible_records(source: Source, user) -> QuerySet:
    """The records of this flow the user may see: those of the customers, opportunities and orders they see."""
    from customers.access import visible_customers
    from customers.models import ArchivingRequest
    from opportunities.access import visible_opportunities
    from orders.access import visible_orders
    from provisioning.models import Launch

    model = source.flow.__name__
    if model == "ArchivingFlow":
        return ArchivingRequest.objects.filter(customer__in=visible_customers(user))
    if model == "OpportunityFlow":
        return visible_opportunities(user)
    if model == "OrderFlow":
        return visible_orders(user)
    return Launch.objects.filter(order__in=visible_orders(user))


def process_for(user, process_pk: int):
    """The process, its source and its record if the user may see the record; else None (a 404)."""
    process = Process.objects.filter(pk=process_pk).first()
    if process is None:
        return None
    source = next((s for s in sources() if process.flow_class is s.flow), None)
    if source is None:
        return None
    record = source.record(Task(process=process))
    if record is None or not _visible_records(source, user).filter(pk=record.pk).exists():
        return None
    return process, source, record


def process_chart(process) -> str:
    """The flow chart as SVG, each node coloured by the state of its tasks (done, assigned, new…)."""
    grid = chart.calc_layout_data(process.flow_class)
    chart.calc_cell_status(process.flow_class, grid, process.pk)
    return chart.grid_to_svg(grid)


def process_steps(process, source: Source, record) -> list[StepRow]:
    """Every step taken, in order, each human one beside the SLA clock that timed it."""
    from sla.models import SlaClock

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
    from customers.models import Customer

    links = []
    customer = source.customer_of(record)
    if isinstance(customer, Customer):
        links.append(ChainLink(_("Customer"), customer.name, reverse("customers:detail", args=[customer.pk]), None))
    order = opportunity = None
    name = source.flow.__name__
    if name == "OpportunityFlow":
        opportunity = record
        order = getattr(record, "order", None)
    elif name == "OrderFlow":
        order, opportunity = record, record.opportunity
    elif name == "LaunchFlow":
        order = record.order
        opportunity = order.opportunity
    if opportunity is not None:
        links.append(
            ChainLink(
                _("Opportunity"),
                str(opportunity.number),
                opportunity.get_absolute_url(),
                opportunity.process_id,
                name == "OpportunityFlow",
            )
        )
    if order is not None:
        links.append(
            ChainLink(_("Order"), order.number, order.get_absolute_url(), order.process_id, name == "OrderFlow")
        )
        launch = getattr(order, "launch", None) if hasattr(order, "launch") else None
        if launch is not None:
            links.append(
                ChainLink(
                    _("Service launch"),
                    order.number,
                    order.get_absolute_url(),
                    launch.process_id,
                    name == "LaunchFlow",
                )
            )
    return links


def process_timeline(source: Source, record):
    """The record's events; for a launch also its order's, where the work orders' events are kept."""
    order = getattr(record, "order", None) if source.flow.__name__ == "LaunchFlow" else None
    return timeline_for(record, order) if order is not None else timeline_for(record)
