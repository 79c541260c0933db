"""One inbox over every flow: the steps a user can act on, with the time their SLA leaves, soonest breach first.

Each sub-process contributes a `Source`: the scope of the tasks a user may act on (`*_task_scope`), the path
from a task to its record (whose SLA clocks time the step) and from the record to its customer and city.
Filtering, sorting by due time and paging happen in one SQL query over every flow (a UNION with each open
clock's due time as a subquery), so a page costs the same few queries whatever the number of tasks.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .access import sees_all_cities
from .exceptions import ApplicationError, TaskClosedError, TaskTakenError
from .models import Watch
from .roles import Role, has_role
from .timeline import CoreAction, timeline_record
from .workflow import OPEN_STATUSES


@dataclass(frozen=True)
class Source:
    """How the inbox reads one flow's tasks."""

    flow: type
    label: str
    scope: Callable  # user -> Q over Task: the tasks the user may act on
    record_path: str  # Task -> the record its SLA clocks hang on
    customer_path: str  # record -> its Customer
    city_path: str  # record -> its City
    url: Callable  # task, record -> the page that completes the task
    steps: dict  # node name -> SLA step
    number_prefix: str = ""  # the reference people quote: prefix + the pk of `number_path`
    number_path: str = ""  # record -> the record numbered (empty: the record itself)
    product_path: str = ""  # record -> the products it is about
    name_path: str = ""  # record -> a name to search when there is no customer yet
    manager_path: str = "account_manager"  # record -> the account manager whose business it is

    def record(self, task: Task):
        return follow_path(task, self.record_path)

    def customer_of(self, record):
        return follow_path(record, self.customer_path)

    def customer_name(self, record) -> str:
        """The customer's name, or the name given before there is a customer (a prospect)."""
        customer = self.customer_of(record)
        if customer is not None:
            return customer.name
        return getattr(record, self.name_path, "") if self.name_path else ""

    def city_of(self, record):
        return follow_path(record, self.city_path)

    def related(self) -> list[str]:
        return [f"{self.record_path}__{self.customer_path}", f"{self.record_path}__{self.city_path}"]


def sources() -> list[Source]:
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
            "process__archiving_request",
            "customer",
            "customer__city",
            lambda t, r: reverse("customers:task", args=[r.customer_id, t.pk]),
            CUSTOMER_STEPS,
            manager_path="customer__account_manager",
        ),
        Source(
            OpportunityFlow,
            gettext_lazy("Opportunity"),
            opportunity_task_scope,
            "process__opportunity",
            "customer",
            "city",
            lambda t, r: reverse("opportunities:task", args=[r.pk, t.pk]),
            OPPORTUNITY_STEPS,
            number_prefix="OP",
            product_path="quote_lines__product",
            name_path="prospect_name",
        ),
        Source(
            OrderFlow,
            gettext_lazy("Order"),
            order_task_scope,
            "process__order",
            "customer",
            "city",
            lambda t, r: reverse("orders:task", args=[r.pk, t.pk]),
            ORDER_STEPS,
            number_prefix="PO",
            product_path="items__product",
        ),
        Source(
            LaunchFlow,
            gettext_lazy("Service launch"),
            launch_task_scope,
            "process__launch",
            "order__customer",
            "order__city",
            lambda t, r: reverse("provisioning:launch_task", args=[r.order_id, t.pk]),
            LAUNCH_STEPS,
            number_prefix="PO",
            number_path="order",
            product_path="order__items__product",
            manager_path="order__account_manager",
        ),
    ]


def source_of(task: Task) -> Source | None:
    return next((s for s in sources() if task.flow_task.flow_class is s.flow), None)


# ---------------------------------------------------------------------------- reading
VIEWS = ("mine", "queue", "done", "watching", "all")


def may_oversee(user) -> bool:
    """Supervisors see every open task of their city (all cities: provincial) and may reassign any."""
    return has_role(user, Role.CITY_SUPERVISOR, Role.PROVINCIAL_SUPERVISOR) or user.is_superuser


@dataclass(frozen=True)
class InboxFilter:
    view: str = "mine"
    flow: str = ""
    step: str = ""
    city: int | None = None
    level: str = ""
    sla: str = ""  # ok, warning, breached, paused
    product: int | None = None
    since: date | None = None
    search: str = ""


@dataclass
class InboxRow:
    task: Task
    source: Source
    record: object
    step: str
    url: str
    sla: object = None  # an SlaStatus, or None for a step without a limit

    @property
    def flow(self) -> str:
        return str(self.source.label)

    @property
    def customer(self):
        return self.source.customer_of(self.record)

    @property
    def customer_name(self) -> str:
        return self.source.customer_name(self.record)

    @property
    def city(self):
        return self.source.city_of(self.record)

    @property
    def due_at(self) -> datetime | None:
        return self.sla.clock.due_at if self.sla else None

    @property
    def priority(self) -> str:
        """High for a level-A customer or a step past its warning; low for C/D customers on time."""
        level = getattr(self.customer, "level", "")
        if level == "A" or (self.sla and self.sla.level in ("warning", "breached")):
            return "high"
        return "low" if level in ("C", "D") else "normal"


def follow_path(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _search_q(source: Source, text: str) -> Q:
    r = source.record_path
    customer = f"{r}__{source.customer_path}"
    query = Q(**{f"{customer}__name__icontains": text}) | Q(**{f"{customer}__credit_code__iexact": text})
    if source.name_path:
        query |= Q(**{f"{r}__{source.name_path}__icontains": text})
    number = re.fullmatch(rf"{source.number_prefix}0*(\d+)", text.upper()) if source.number_prefix else None
    if number:
        numbered = f"{r}__{source.number_path}" if source.number_path else r
        query |= Q(**{f"{numbered}__pk": int(number.group(1))})
    return query


def _source_tasks(source: Source, user, spec: InboxFilter, now: datetime) -> QuerySet:
    from sla.models import SlaClock

    r = source.record_path
    tasks = Task.objects.filter(process__flow_class=source.flow, flow_task_type="HUMAN")  # people's steps only
    if spec.view == "done":
        tasks = tasks.filter(owner=user, status=STATUS.DONE)
    elif spec.view == "watching":  # processes followed, and the account manager's own business
        followed = Q(process__in=Watch.objects.filter(user=user).values("process"))
        tasks = tasks.filter(followed | Q(**{f"{r}__{source.manager_path}": user}), status__in=OPEN_STATUSES)
    elif spec.view == "all":
        # Nothing for others; still annotated below, as the UNION needs every part to have the same columns.
        tasks = tasks.filter(status__in=OPEN_STATUSES) if may_oversee(user) else tasks.none()
        if not sees_all_cities(user):
            tasks = tasks.filter(**{f"{r}__{source.city_path}": user.city_id})
    else:
        tasks = tasks.filter(source.scope(user), status__in=OPEN_STATUSES)
        tasks = tasks.filter(owner=user) if spec.view == "mine" else tasks.filter(status=STATUS.NEW)
    tasks = tasks.filter(**{f"{r}__isnull": False})  # a human step of a record, never a bare process task
    if spec.step:
        tasks = tasks.filter(flow_task__in=[getattr(source.flow, n) for n, s in source.steps.items() if s == spec.step])
    if spec.city:
        tasks = tasks.filter(**{f"{r}__{source.city_path}": spec.city})
    if spec.level:
        tasks = tasks.filter(**{f"{r}__{source.customer_path}__level": spec.level})
    if spec.product and not source.product_path:
        tasks = tasks.none()
    elif spec.product:
        tasks = tasks.filter(
            process__in=Task.objects.filter(**{f"{r}__{source.product_path}": spec.product}).values("process")
        )
    if spec.since:
        tasks = tasks.filter(created__date__gte=spec.since)
    if spec.search:
        tasks = tasks.filter(_search_q(source, spec.search))
    step = Case(
        *[When(flow_task=getattr(source.flow, node), then=Value(s)) for node, s in source.steps.items()],
        default=Value(""),
        output_field=CharField(),
    )
    clock = SlaClock.objects.filter(
        subject_type=_record_type(source),
        subject_id=OuterRef(f"{r}__id"),
        step=OuterRef("sla_step"),
        stopped_at__isnull=True,
    )
    tasks = tasks.annotate(
        sla_step=step,
        due=Subquery(clock.values("due_at")[:1]),
        warn=Subquery(clock.values("warn_at")[:1]),
        clock_state=Subquery(clock.values("state")[:1]),
    )
    if spec.sla == "paused":
        tasks = tasks.filter(clock_state="paused")
    elif spec.sla == "breached":
        tasks = tasks.filter(clock_state="running", due__lte=now)
    elif spec.sla == "warning":
        tasks = tasks.filter(clock_state="running", due__gt=now, warn__lte=now)
    elif spec.sla == "ok":
        tasks = tasks.filter(clock_state="running", due__gt=now).filter(Q(warn__isnull=True) | Q(warn__gt=now))
    # No default ordering inside the UNION's parts: only the combined rows are sorted.
    return tasks.order_by().values("pk", "due", "created", "finished")


def _record_type(source: Source) -> ContentType:
    model = Task
    for part in source.record_path.split("__"):
        model = model._meta.get_field(part).related_model
    return ContentType.objects.get_for_model(model)


def inbox_page(user, spec: InboxFilter, *, page: int = 1, per_page: int = 25, now=None) -> tuple[list[InboxRow], int]:
    """One page of the user's rows under the filter, and how many rows match in all.

    Open views sort by the soonest breach (steps without a clock last, oldest first); Done by me, the
    latest first. The query count does not depend on the page size.
    """
    now = now or timezone.now()
    chosen = [s for s in sources() if not spec.flow or s.flow.__name__ == spec.flow]
    parts = [_source_tasks(s, user, spec, now) for s in chosen]
    if not parts:
        return [], 0
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    if spec.view == "done":
        ordered = combined.order_by(F("finished").desc(nulls_last=True), "-pk")
    else:
        ordered = combined.order_by(F("due").asc(nulls_last=True), "created", "pk")
    # Counted without the clocks' subqueries in the select list (filters on them still apply).
    counted = [p.values("pk") for p in parts]
    total = (counted[0].union(*counted[1:], all=True) if len(counted) > 1 else counted[0]).count()
    start = (max(page, 1) - 1) * per_page
    pks = [row["pk"] for row in ordered[start : start + per_page]]
    return _rows(pks, now=now, stopped=spec.view == "done"), total


def _rows(pks: list[int], *, now, stopped: bool = False) -> list[InboxRow]:
    """The page's rows in the given order: tasks with their records (a query per flow) and SLA states
    (one query)."""
    from sla.models import SlaClock
    from sla.services import sla_status

    by_pk: dict[int, InboxRow] = {}
    flows = dict(Task.objects.filter(pk__in=pks).values_list("pk", "process__flow_class"))
    for source in sources():
        mine = [pk for pk, flow in flows.items() if flow == source.flow]
        if not mine:
            continue
        for task in Task.objects.filter(pk__in=mine).select_related(
            "owner", "process", source.record_path, *source.related()
        ):
            record = source.record(task)
            by_pk[task.pk] = InboxRow(
                task, source, record, source.steps.get(task.flow_task.name, ""), source.url(task, record)
            )
    rows = [by_pk[pk] for pk in pks if pk in by_pk]
    wanted = Q(pk__in=[])
    for row in rows:
        if row.step:
            wanted |= Q(subject_type=_record_type(row.source), subject_id=row.record.pk, step=row.step)
    clocks = SlaClock.objects.filter(wanted)
    clocks = clocks.filter(stopped_at__isnull=False) if stopped else clocks.filter(stopped_at__isnull=True)
    found = {(c.subject_type_id, c.subject_id, c.step): c for c in clocks.order_by("started_at")}
    calendars: dict = {}  # each calendar read once for the page
    for row in rows:
        clock = found.get((_record_type(row.source).pk, row.record.pk, row.step))
        row.sla = sla_status(clock, now=now, calendars=calendars) if clock else None
    return rows


def inbox_rows(user, *, view: str = "mine", **filters) -> list[InboxRow]:
    """Every row of a view (the first 500), for callers that want them all."""
    rows, _total = inbox_page(user, InboxFilter(view=view, **filters), per_page=500)
    return rows


# ---------------------------------------------------------------------------- acting
def _locked(task_pk: int):
    task = Task.objects.select_related("process").get(pk=task_pk)
    return task, source_of(task)


def inbox_claim(*, user, task_pk: int) -> Task:
    """Take a task from the team queue; one that a colleague took meanwhile says so."""
    with transaction.atomic():
        task, source = _locked(task_pk)
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
        task, _source = _locked(task_pk)
        if task.owner_id != user.pk or task.status != STATUS.ASSIGNED:
            raise TaskClosedError
        if not task.owner_permission:  # assigned to this person by the flow: there is no queue to return to
            raise ApplicationError(_("This step is yours by its nature; it cannot go back to a queue."))
        with task.activation() as activation:
            task.data.pop("delegated_by", None)
            activation.unassign()
    return task


def _oversees(user, task: Task, source: Source) -> bool:
    if not may_oversee(user):
        return False
    city = source.city_of(source.record(task))
    return sees_all_cities(user) or (city is not None and city.pk == user.city_id)


def _hand_over(*, user, task_pk: int, to, delegate: bool) -> Task:
    """Give a task to `to` under the flow lock. Who may: its owner, to a colleague of one of their teams;
    a supervisor of its city, to anyone. `to` must be someone who could claim it from the queue."""
    with transaction.atomic():
        task, source = _locked(task_pk)
        with task.activation() as activation:
            if task.status not in OPEN_STATUSES:
                raise TaskClosedError
            if source is None:
                raise PermissionDenied
            supervisor = _oversees(user, task, source)
            if task.owner_id != user.pk and not supervisor:
                if task.status == STATUS.ASSIGNED:
                    raise TaskTakenError(task.owner)
                raise PermissionDenied
            if not task.owner_permission:
                raise ApplicationError(_("This step is yours by its nature; it cannot be handed over."))
            if to.pk == task.owner_id:
                return task
            if not supervisor and not to.teams.filter(pk__in=user.teams.values("pk")).exists():
                raise ApplicationError(_("%(user)s is not in one of your teams.") % {"user": to})
            if task.status == STATUS.ASSIGNED:
                activation.unassign()
            # Whether `to` could take it from the queue, asked of the same scope the queue reads.
            if not to.is_active or not Task.objects.filter(source.scope(to), pk=task.pk).exists():
                raise ApplicationError(_("%(user)s may not work on this step.") % {"user": to})
            if delegate:
                task.data["delegated_by"] = user.pk
            else:
                task.data.pop("delegated_by", None)
            activation.assign(to)
            _notify_assigned(task, source, to, by=user)
    return task


def inbox_reassign(*, user, task_pk: int, to) -> Task:
    return _hand_over(user=user, task_pk=task_pk, to=to, delegate=False)


def inbox_delegate(*, user, task_pk: int, to) -> Task:
    """Hand a task to a colleague who gives it back (Return) when they have done their part."""
    return _hand_over(user=user, task_pk=task_pk, to=to, delegate=True)


def inbox_return(*, user, task_pk: int) -> Task:
    """Give a delegated task back to the person who delegated it."""
    from .models import User

    with transaction.atomic():
        task, source = _locked(task_pk)
        with task.activation() as activation:
            if task.status != STATUS.ASSIGNED or task.owner_id != user.pk:
                raise TaskClosedError
            delegator = User.objects.filter(pk=task.data.get("delegated_by")).first()
            if delegator is None:
                raise ApplicationError(_("This task was not delegated to you."))
            task.data.pop("delegated_by")
            activation.unassign()
            activation.assign(delegator)
            _notify_assigned(task, source, delegator, by=user)
    return task


def _notify_assigned(task: Task, source: Source, to, *, by) -> None:
    from .models import Notification
    from .notifications import notify

    if to.pk == by.pk:
        return
    record = source.record(task)
    notify(
        recipients=[to],
        kind=Notification.Kind.ASSIGNED,
        key=f"task:{task.pk}:assigned:{to.pk}:{timezone.now().timestamp()}",
        data={"node": get_task_ref(task.flow_task), "customer": source.customer_name(record) or str(record)},
        url=source.url(task, record),
    )


def inbox_comment(*, user, task_pk: int, text: str) -> None:
    """A note on the record's timeline, next to the step it was written at."""
    text = text.strip()
    if not text:
        raise ApplicationError(_("Write something to comment."), field="text")
    with transaction.atomic():
        task, source = _locked(task_pk)
        if source is None:
            raise PermissionDenied
        involved = task.owner_id == user.pk or _oversees(user, task, source)
        if not involved and not Task.objects.filter(source.scope(user), pk=task.pk).exists():
            raise PermissionDenied
        timeline_record(
            subject=source.record(task),
            action=CoreAction.COMMENT,
            actor=user,
            reason=text,
            data={"step": task.flow_task.name, "task": task.pk},
        )


def inbox_bulk(*, user, action: str, task_pks: list[int], to=None) -> tuple[int, list[str]]:
    """Claim or reassign several tasks, each on its own (one refused does not undo the others);
    returns how many went through and the messages of those refused."""
    if action == "reassign" and not may_oversee(user):
        raise PermissionDenied
    done, refused = 0, []
    for pk in task_pks:
        try:
            if action == "claim":
                inbox_claim(user=user, task_pk=pk)
            elif action == "reassign":
                inbox_reassign(user=user, task_pk=pk, to=to)
            else:
                raise PermissionDenied
            done += 1
        except (ApplicationError, PermissionDenied, Task.DoesNotExist) as error:
            refused.append(f"#{pk}: {getattr(error, 'message', None) or _('not allowed')}")
    return done, refused


def watch(*, user, process) -> None:
    Watch.objects.get_or_create(user=user, process=process)


def unwatch(*, user, process) -> None:
    Watch.objects.filter(user=user, process=process).delete()
