"""One inbox over every flow: the steps a user can act on, with the time their SLA leaves, soonest breach first.

Each sub-process contributes the scope of the tasks a user may act on (`*_task_scope`) and an adapter that
says what a task is about (its record, customer, city, page and SLA step); the SLA states of all rows come
from one query.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .exceptions import ApplicationError, TaskClosedError, TaskTakenError
from .workflow import OPEN_STATUSES


@dataclass(frozen=True)
class Source:
    """How the inbox reads one flow's tasks."""

    flow: type
    label: str
    scope: Callable  # user -> Q
    related: str  # select_related path to the task's record
    record: Callable  # task -> the record its SLA clocks hang on
    customer: Callable  # record -> customer name
    city: Callable  # record -> city
    url: Callable  # task, record -> the page that completes the task
    steps: dict  # node name -> SLA step


def sources() -> list[Source]:
    from django.utils.translation import gettext_lazy

    from customers.flows import SLA_STEPS as CUSTOMER_STEPS
    from customers.flows import ArchivingFlow
    from customers.selectors import archiving_task_scope
    from opportunities.flows import SLA_STEPS as OPPORTUNITY_STEPS
    from opportunities.flows import OpportunityFlow
    from opportunities.selectors import opportunity_task_scope
    from orders.flows import SLA_STEPS as ORDER_STEPS
    from orders.flows import OrderFlow
    from orders.selectors import order_task_scope
    from provisioning.flows import SLA_STEPS as LAUNCH_STEPS
    from provisioning.flows import LaunchFlow
    from provisioning.selectors import launch_task_scope

    return [
        Source(
            ArchivingFlow,
            gettext_lazy("Customer archiving"),
            archiving_task_scope,
            "process__archiving_request__customer__city",
            lambda t: t.process.archiving_request,
            lambda r: r.customer.name,
            lambda r: r.customer.city,
            lambda t, r: reverse("customers:task", args=[r.customer_id, t.pk]),
            CUSTOMER_STEPS,
        ),
        Source(
            OpportunityFlow,
            gettext_lazy("Opportunity"),
            opportunity_task_scope,
            "process__opportunity__city",
            lambda t: t.process.opportunity,
            lambda r: r.company_name,
            lambda r: r.city,
            lambda t, r: reverse("opportunities:task", args=[r.pk, t.pk]),
            OPPORTUNITY_STEPS,
        ),
        Source(
            OrderFlow,
            gettext_lazy("Order"),
            order_task_scope,
            "process__order__customer",
            lambda t: t.process.order,
            lambda r: r.customer.name,
            lambda r: r.city,
            lambda t, r: reverse("orders:task", args=[r.pk, t.pk]),
            ORDER_STEPS,
        ),
        Source(
            LaunchFlow,
            gettext_lazy("Service launch"),
            launch_task_scope,
            "process__launch__order__customer",
            lambda t: t.process.launch,
            lambda r: r.order.customer.name,
            lambda r: r.order.city,
            lambda t, r: reverse("provisioning:launch_task", args=[r.order_id, t.pk]),
            LAUNCH_STEPS,
        ),
    ]


@dataclass
class InboxRow:
    task: Task
    flow: str
    customer: str
    city: object
    step: str
    url: str
    record: object = None  # what the task is about: its SLA clocks hang on it
    sla: object = None  # an SlaStatus, or None for a step without a limit

    @property
    def due_at(self) -> datetime | None:
        return self.sla.clock.due_at if self.sla else None


VIEWS = ("mine", "queue")


def inbox_rows(user, *, view: str = "mine", flow: str = "", sla_state: str = "", search: str = "") -> list[InboxRow]:
    """The user's open steps (`mine`: assigned to them; `queue`: claimable by them), soonest breach first."""
    from sla.models import SlaClock
    from sla.services import sla_status

    rows = []
    for source in sources():
        if flow and source.flow.__name__ != flow:
            continue
        tasks = Task.objects.filter(source.scope(user), status__in=OPEN_STATUSES)
        tasks = tasks.filter(owner=user) if view == "mine" else tasks.filter(status=STATUS.NEW)
        for task in tasks.select_related(source.related, "owner")[:500]:
            record = source.record(task)
            rows.append(
                InboxRow(
                    task,
                    str(source.label),
                    source.customer(record),
                    source.city(record),
                    source.steps.get(task.flow_task.name, ""),
                    source.url(task, record),
                )
            )
            rows[-1].record = record
    if search:
        rows = [r for r in rows if search.lower() in r.customer.lower()]
    # One query for every row's open clock.
    wanted = Q(pk__in=[])
    for row in rows:
        if row.step:
            wanted |= Q(
                subject_type=ContentType.objects.get_for_model(row.record), subject_id=row.record.pk, step=row.step
            )
    clocks = {(c.subject_type_id, c.subject_id, c.step): c for c in SlaClock.objects.filter(wanted, stopped_at=None)}
    for row in rows:
        clock = clocks.get((ContentType.objects.get_for_model(row.record).pk, row.record.pk, row.step))
        row.sla = sla_status(clock) if clock else None
    if sla_state:
        rows = [r for r in rows if r.sla and r.sla.level == sla_state]
    return sorted(rows, key=lambda r: (r.due_at is None, r.due_at or r.task.created))


def inbox_claim(*, user, task_pk: int) -> Task:
    """Take a task from the team queue; one that a colleague took meanwhile says so."""
    with transaction.atomic():
        task = Task.objects.select_related("process").get(pk=task_pk)
        source = next((s for s in sources() if task.flow_task.flow_class is s.flow), None)
        with task.activation() as activation:  # the flow lock; the task re-read under it
            if task.status == STATUS.ASSIGNED and task.owner_id == user.pk:
                return task
            if task.status == STATUS.ASSIGNED and task.owner_permission and user.has_perm(task.owner_permission):
                raise TaskTakenError(task.owner)
            if source is None or not Task.objects.filter(source.scope(user), pk=task_pk).exists():
                raise PermissionDenied
            if task.status != STATUS.NEW:
                raise TaskClosedError
            activation.assign(user)
    return task


def inbox_release(*, user, task_pk: int) -> Task:
    """Give a claimed task back to the team queue."""
    with transaction.atomic():
        task = Task.objects.select_related("process").get(pk=task_pk)
        if task.owner_id != user.pk or task.status != STATUS.ASSIGNED:
            raise TaskClosedError
        if not task.owner_permission:  # assigned to this person by the flow: there is no queue to return to
            raise ApplicationError(_("This step is yours by its nature; it cannot go back to a queue."))
        with task.activation() as activation:
            activation.unassign()
    return task
