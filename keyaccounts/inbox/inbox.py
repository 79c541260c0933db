"""One inbox over every flow: the steps a user can act on, with the time their SLA leaves, soonest breach first.

Each sub-process registers a `Source` (`keyaccounts.core.registry.InboxSource`): the scope of the tasks a user may act on (`*_task_scope`), the path
from a task to its record (whose SLA clocks time the step) and from the record to its customer and city.
Filtering, sorting by due time and paging read `InboxEntry`, one indexed row per person's step kept beside
its task (`inbox_follow`), so a page costs the same few queries whatever the number of tasks; the page's rows
are drawn from the same entries with the few rows they point to (`_ROW`), no task or record built.
"""

import operator
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property, reduce
from itertools import islice

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BigIntegerField, Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from keyaccounts.core.access import sees_all_cities
from keyaccounts.core.exceptions import ApplicationError, TaskClosedError, TaskTakenError
from keyaccounts.core.models import Notification, TimelineEvent, User, in_reader_language
from keyaccounts.core.notifications import notifications_task_closed, notify
from keyaccounts.core.registry import InboxSource as Source
from keyaccounts.core.registry import RowFacts, sources
from keyaccounts.core.roles import Role, has_role
from keyaccounts.core.templatetags.core_tags import amount as amount_text
from keyaccounts.core.timeline import CoreAction, action_label, timeline_record
from keyaccounts.core.workflow import OPEN_STATUSES, claimable_q
from sla.models import SlaClock
from sla.services import sla_status

from .models import OPEN_ENTRY, InboxEntry, Watch


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
    """A row as the page shows it, read from its inbox entry (`_ROW`): no task or record is built for a page."""

    task_id: int
    process_id: int
    source: Source
    title: str
    step: str
    url: str
    created: datetime
    finished: datetime | None
    owner: str  # empty when nobody has the task
    customer_name: str
    level: str  # the customer's
    city: str
    subject: tuple  # (content type pk, record pk): what the step's SLA clock times
    number: str = ""  # the business's number (OP…, PO…) or the customer's credit code
    products: str = ""
    amount: str = ""  # per year, grouped by thousands as both languages write it
    manager: str = ""  # the account manager whose business it is
    decision: str = ""  # Done by me: what the user decided at the step
    sla: object = None  # an SlaStatus, or None for a step without a limit

    @property
    def flow(self) -> str:
        return str(self.source.label)

    @property
    def due_at(self) -> datetime | None:
        return self.sla.clock.due_at if self.sla else None

    @cached_property
    def priority(self) -> str:
        """High for a level-A customer or a step past its warning; low for C/D customers on time."""
        if self.level == "A" or (self.sla and self.sla.level in ("warning", "breached")):
            return "high"
        return "low" if self.level in ("C", "D") else "normal"

    @cached_property
    def task(self) -> Task:  # for callers outside the page (a query each)
        return Task.objects.get(pk=self.task_id)

    @cached_property
    def record(self):
        return ContentType.objects.get_for_id(self.subject[0]).get_object_for_this_type(pk=self.subject[1])


def _search_q(source: Source, text: str) -> Q:
    """A record of the source matching the text: its customer's name or credit code, the name it was given
    before there was a customer, or its number as people quote it (`PO000123`)."""
    customer = source.customer_path
    query = Q(**{f"{customer}__name__icontains": text}) | Q(**{f"{customer}__credit_code__iexact": text})
    if source.name_path:
        query |= Q(**{f"{source.name_path}__icontains": text})
    number = re.fullmatch(rf"{source.number_prefix}0*(\d+)", text.upper()) if source.number_prefix else None
    if number:
        query |= Q(**{f"{source.number_path}__pk" if source.number_path else "pk": int(number.group(1))})
    return query


def _records(source: Source, query: Q) -> Q:
    """Entries of the source's processes whose record matches `query` (paths from the record)."""
    records = _record_type(source).model_class().objects.filter(query)
    return Q(flow_class=source.flow, process__in=records.values(_process_field(source)))


def _process_field(source: Source) -> str:
    """The record's field naming its process: the way back along `record_path` ("process__order" -> "process",
    "process__survey" -> "follow_up_process")."""
    model, relation = Task, None
    for part in source.record_path.split("__"):
        relation = model._meta.get_field(part)
        model = relation.related_model
    return relation.field.name


def _mine_q(user) -> Q:
    return Q(owner=user, status=STATUS.ASSIGNED)


def _queue_q(user, chosen) -> Q:
    return claimable_q([grant for s in chosen for grant in s.claimable(user)], city="city")


def _workable(user, task_ids) -> set[int]:
    """Of these tasks, those whose step page the user may open to act: their own (My tasks) and those they may
    claim (the queue). A supervisor or an account manager only watching a step gets its process page instead."""
    workable = InboxEntry.objects.filter(_mine_q(user) | _queue_q(user, sources()), task_id__in=task_ids)
    return set(workable.values_list("task_id", flat=True))


def _entries(user, spec: InboxFilter, now: datetime) -> QuerySet:
    """The user's entries under the filter, unordered."""
    chosen = [s for s in sources() if not spec.flow or s.flow.__name__ == spec.flow]
    if not chosen:
        return InboxEntry.objects.none()
    entries = InboxEntry.objects.filter(flow_class=chosen[0].flow) if spec.flow else InboxEntry.objects.all()
    if spec.view == "done":
        entries = entries.filter(owner=user, status=STATUS.DONE)
    elif spec.view == "watching":  # processes followed, and the account manager's own business
        followed = Q(process__in=Watch.objects.filter(user=user).values("process"))
        entries = entries.filter(followed | Q(account_manager=user), status__in=OPEN_STATUSES)
    elif spec.view == "all":
        if not may_oversee(user):
            return entries.none()
        entries = entries.filter(status__in=OPEN_STATUSES)
        if not sees_all_cities(user):
            entries = entries.filter(city=user.city_id)
    elif spec.view == "mine":
        entries = entries.filter(_mine_q(user))
    else:  # the queue: unclaimed steps the user may claim
        entries = entries.filter(_queue_q(user, chosen))
    if spec.step:
        nodes = [getattr(s.flow, n) for s in chosen for n, step in s.steps.items() if step == spec.step]
        entries = entries.filter(flow_task__in=nodes)
    if spec.city:
        entries = entries.filter(city=spec.city)
    if spec.level:
        entries = entries.filter(customer__level=spec.level)
    if spec.product:  # a flow without products matches none
        about = [_records(s, Q(**{s.product_path: spec.product})) for s in chosen if s.product_path]
        entries = entries.filter(reduce(operator.or_, about, Q(pk__in=[])))
    if spec.since:
        entries = entries.filter(created__date__gte=spec.since)
    if spec.search:
        entries = entries.filter(reduce(operator.or_, [_records(s, _search_q(s, spec.search)) for s in chosen]))
    if spec.sla == "paused":
        entries = entries.filter(clock_state="paused")
    elif spec.sla == "breached":
        entries = entries.filter(clock_state="running", due_at__lte=now)
    elif spec.sla == "warning":
        entries = entries.filter(clock_state="running", due_at__gt=now, warn_at__lte=now)
    elif spec.sla == "ok":
        entries = entries.filter(clock_state="running", due_at__gt=now).filter(
            Q(warn_at__isnull=True) | Q(warn_at__gt=now)
        )
    return entries


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
    entries = _entries(user, spec, now)
    if spec.view == "done":
        ordered = entries.order_by(F("finished").desc(nulls_last=True), "-task_id")
    else:
        ordered = entries.order_by(F("due_at").asc(nulls_last=True), "created", "task_id")
    start = (max(page, 1) - 1) * per_page
    url_key, prospect = _row_keys()
    page_rows = list(ordered.values(*_ROW, url_key=url_key, prospect=prospect)[start : start + per_page])
    # Rows of the views that list steps the user may not work (all open, watching) link to what they may see.
    workable = _workable(user, [e["task_id"] for e in page_rows]) if spec.view in ("all", "watching") else None
    rows = _rows(page_rows, now=now, stopped=spec.view == "done", workable=workable)
    if spec.view == "done":
        _decisions(user, rows)
    return rows, entries.count()


# A decision's timeline line is written in the step's transaction, moments before the task is finished.
DECISION_WINDOW = timedelta(seconds=30)


def _decisions(user, rows: list[InboxRow]) -> None:
    """Done by me: each row's decision, the last line the user wrote on the timeline as the step closed (one
    query for the page); the line of the row's own record first (a launch's are kept on its order)."""
    finished = [row.finished for row in rows if row.finished]
    if not finished:
        return
    events = list(
        TimelineEvent.objects.filter(
            actor=user, created_at__gte=min(finished) - DECISION_WINDOW, created_at__lte=max(finished)
        )
        .exclude(action=CoreAction.COMMENT)
        .order_by("created_at", "id")
        .values_list("subject_type_id", "subject_id", "action", "created_at")
    )
    for row in rows:
        if row.finished is None:
            continue
        within = [e for e in events if row.finished - DECISION_WINDOW <= e[3] <= row.finished]
        own = [e for e in within if (e[0], e[1]) == row.subject]
        if own or within:
            row.decision = action_label((own or within)[-1][2])


# What a row shows, from its entry and the few rows it points to (joined in the page's one query).
_ROW = [
    "task_id",
    "process_id",
    "flow_class",
    "flow_task",
    "sla_step",
    "created",
    "finished",
    "subject_type_id",
    "subject_id",
    "owner_id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "customer__name",
    "customer__level",
    "city_id",
    "city__name_en",
    "city__name_zh",
    "number",
    "products_en",
    "products_zh",
    "amount",
    "account_manager_id",
    "account_manager__username",
    "account_manager__first_name",
    "account_manager__last_name",
]


@cache
def _row_keys() -> tuple[Case, Case]:
    """What a row needs from its record beyond the joins: the field its task page is named by (most often the
    record itself) and the name given before there was a customer (a prospect's). Built once: the queries
    that use them resolve copies."""

    def of_record(source: Source, field: str) -> Subquery:
        records = _record_type(source).model_class()._base_manager  # any record, as the entry points at it
        return Subquery(records.filter(pk=OuterRef("subject_id")).values(field)[:1])

    keys, names = [], []
    for source in sources():
        key = F("subject_id") if source.url_key == "pk" else of_record(source, source.url_key)
        keys.append(When(flow_class=source.flow, then=key))
        if source.name_path:
            names.append(When(customer__isnull=True, flow_class=source.flow, then=of_record(source, source.name_path)))
    return (
        Case(*keys, output_field=BigIntegerField()),
        Case(*names, default=Value(""), output_field=CharField()),
    )


def _rows(entries, *, now, stopped: bool = False, workable: set[int] | None = None) -> list[InboxRow]:
    """The page's rows in the order of `entries` (`_ROW` values), with their SLA states (one query). A row links to
    its step's page, or to its process's page (read-only) when it is not in `workable` (None: all are)."""
    by_flow = {s.flow: s for s in sources()}
    city_name, products = in_reader_language(
        ("city__name_en", "products_en"), ("city__name_zh", "products_zh")
    )  # chosen once a page
    rows = []
    for e in entries:
        source = by_flow.get(e["flow_class"])
        if source is None:
            continue
        owner = (
            User.shown_as(e["owner__username"], e["owner__first_name"], e["owner__last_name"]) if e["owner_id"] else ""
        )
        city = e[city_name] if e["city_id"] else ""
        manager = (
            User.shown_as(
                e["account_manager__username"], e["account_manager__first_name"], e["account_manager__last_name"]
            )
            if e["account_manager_id"]
            else ""
        )
        rows.append(
            InboxRow(
                task_id=e["task_id"],
                process_id=e["process_id"],
                source=source,
                title=e["flow_task"].task_title,
                step=e["sla_step"],
                url=reverse(source.url_name, args=[e["url_key"], e["task_id"]])
                if workable is None or e["task_id"] in workable
                else reverse("process", args=[e["process_id"]]),
                created=e["created"],
                finished=e["finished"],
                owner=owner,
                customer_name=e["customer__name"] or e["prospect"] or "",
                level=e["customer__level"] or "",
                city=city,
                subject=(e["subject_type_id"], e["subject_id"]),
                number=e["number"],
                products=e[products],
                amount=amount_text(e["amount"]),
                manager=manager,
            )
        )
    # One condition per kind of record, not per row: a 25-branch OR cost more to build than to run.
    wanted: dict = {}
    for row in rows:
        if row.step:
            ids, steps = wanted.setdefault(row.subject[0], (set(), set()))
            ids.add(row.subject[1])
            steps.add(row.step)
    found = {(c.subject_type_id, c.subject_id, c.step): c for c in _page_clocks(wanted, stopped=stopped)}
    calendars: dict = {}  # each calendar read once for the page
    for row in rows:
        clock = found.get((*row.subject, row.step)) if row.step else None
        row.sla = sla_status(clock, now=now, calendars=calendars) if clock else None
    return rows


def _page_clocks(wanted: dict, *, stopped: bool) -> list:
    """The clocks of a page's rows, running or (`stopped`) stopped, by their start: `wanted` maps a kind of
    record to the records' pks and their steps."""
    if not wanted:
        return []
    of_rows = [
        Q(subject_type=subject_type, subject_id__in=ids, step__in=steps)
        for subject_type, (ids, steps) in wanted.items()
    ]
    clocks = SlaClock.objects.filter(reduce(operator.or_, of_rows), stopped_at__isnull=not stopped)
    return list(clocks.order_by("started_at"))


def inbox_open_task(user, task_pk: int) -> Task | None:
    """The open task if one of the user's open views (mine, queue, all, watching) lists it, else None: what a
    row's actions menu may be drawn for."""
    now = timezone.now()
    for view in ("mine", "queue", "all", "watching"):
        if _entries(user, InboxFilter(view=view), now).filter(task_id=task_pk).exists():
            return Task.objects.select_related("owner").get(pk=task_pk)
    return None


def inbox_tasks(user, *, flow: type, views=("mine", "queue")) -> tuple[QuerySet[Task], dict[str, int]]:
    """The open tasks of one flow that the user's inbox lists in `views`, oldest first, and how many each view
    lists: what a home panel shows, read from the entries the inbox reads, so that the two never disagree."""
    now = timezone.now()
    by_view = {view: _entries(user, InboxFilter(view=view, flow=flow.__name__), now) for view in views}
    entries = reduce(operator.or_, by_view.values())
    tasks = Task.objects.filter(pk__in=entries.values("task_id")).order_by("created")
    return tasks, {view: listed.count() for view, listed in by_view.items()}


def inbox_rows(user, *, view: str = "mine", **filters) -> list[InboxRow]:
    """Every row of a view (the first 500), for callers that want them all."""
    rows, _total = inbox_page(user, InboxFilter(view=view, **filters), per_page=500)
    return rows


# ---------------------------------------------------------------------------- keeping the entries
_FOLLOWED = [
    "status",
    "owner",
    "finished",
    "city",
    "customer",
    "account_manager",
    "sla_step",
    "due_at",
    "warn_at",
    "clock_state",
]
_FACTS = ["number", "products_en", "products_zh", "amount"]  # the source's `facts` of the record


def _facts_of(source: Source | None, model, pks) -> dict[int, RowFacts]:
    if source is None or not pks:
        return {}
    return source.facts(model._base_manager.filter(pk__in=pks))


def _fact_values(facts: RowFacts) -> dict:
    return {name: getattr(facts, name) for name in _FACTS}


def inbox_follow(
    *, process_id: int, subject, tasks, steps: dict, clocks: dict, city_id, customer_id, account_manager_id
):
    """Make a process's entries match its tasks as they are now: `tasks` are its open tasks and those whose
    entries are still open (`inbox_tasks_to_follow`), `clocks` its subject's open SLA clocks by step. A step
    that only closes entries updates them; the record's facts are read only for entries that open."""
    human = [task for task in tasks if task.flow_task_type == "HUMAN"]
    closed = [task for task in human if task.status not in OPEN_STATUSES]
    if closed:  # done by whoever: nobody needs telling about these steps any more
        notifications_task_closed([task.pk for task in closed])
    if len(closed) == len(human):
        people = {"city_id": city_id, "customer_id": customer_id, "account_manager_id": account_manager_id}
        human = [task for task in closed if not _entry_closed(task, **people)]  # an entry that never opened
    if not human:
        return
    subject_type = ContentType.objects.get_for_model(subject)
    source = next((s for s in sources() if s.flow is human[0].flow_task.flow_class), None)
    facts = _fact_values(_facts_of(source, type(subject), [subject.pk]).get(subject.pk, RowFacts()))
    entries = []
    for task in human:
        step = steps.get(task.flow_task.name, "")
        clock = clocks.get(step) if task.status in OPEN_STATUSES else None
        entries.append(
            InboxEntry(
                task_id=task.pk,
                process_id=process_id,
                flow_class=task.flow_task.flow_class,
                flow_task=task.flow_task,
                status=task.status,
                owner_id=task.owner_id,
                created=task.created,
                finished=task.finished,
                subject_type=subject_type,
                subject_id=subject.pk,
                city_id=city_id,
                customer_id=customer_id,
                account_manager_id=account_manager_id,
                sla_step=step,
                due_at=clock.due_at if clock else None,
                warn_at=clock.warn_at if clock else None,
                clock_state=clock.state if clock else "",
                **facts,
            )
        )
    InboxEntry.objects.bulk_create(
        entries, update_conflicts=True, unique_fields=["task"], update_fields=[*_FOLLOWED, *_FACTS]
    )


def _entry_closed(task: Task, **people) -> bool:
    """Close the task's entry as the task now is; False if it has none."""
    closed = InboxEntry.objects.filter(task_id=task.pk).update(
        status=task.status,
        owner_id=task.owner_id,
        finished=task.finished,
        due_at=None,
        warn_at=None,
        clock_state="",
        **people,
    )
    return bool(closed)


def inbox_tasks_to_follow(process_id: int, statuses) -> list[Task]:
    """The process's tasks in `statuses`, and those its entries still list as open (OPEN_ENTRY): what
    `inbox_follow` needs."""
    still_open = InboxEntry.objects.filter(process=process_id, status__in=OPEN_STATUSES).values("task")
    tasks = Task.objects.filter(Q(status__in=statuses) | Q(pk__in=still_open), process=process_id)
    return list(tasks.order_by())  # in any order: each is followed on its own


def _entry_follows_task(task: Task) -> None:
    """An inbox action moved the task (claimed, released, handed over): its entry says so."""
    InboxEntry.objects.filter(task_id=task.pk).update(status=task.status, owner_id=task.owner_id)


def inbox_clock_moved(clock) -> None:
    """A clock paused or resumed outside a step: the entries of its step sort by its new due time."""
    InboxEntry.objects.filter(
        OPEN_ENTRY, subject_type_id=clock.subject_type_id, subject_id=clock.subject_id, sla_step=clock.step
    ).update(due_at=clock.due_at, warn_at=clock.warn_at, clock_state=clock.state)


_COLUMNS = ["task", "process", "flow_class", "flow_task", "created", "subject_type", "subject_id"]


def _derived(source: Source) -> QuerySet:
    """The source's entries as its tasks, records and open clocks make them, in `InboxEntry` column order."""
    r = source.record_path
    record_type = _record_type(source)
    clock = SlaClock.objects.filter(
        subject_type=record_type, subject_id=OuterRef(f"{r}__id"), step=OuterRef("e_sla_step"), stopped_at=None
    )

    def of_open_clock(column: str):
        return Case(When(status__in=OPEN_STATUSES, then=Subquery(clock.values(column)[:1])))

    tasks = Task.objects.filter(process__flow_class=source.flow, flow_task_type="HUMAN", **{f"{r}__isnull": False})
    of_task = {
        "task": F("pk"),
        "process": F("process_id"),
        "flow_class": F("process__flow_class"),
        "flow_task": F("flow_task"),
        "created": F("created"),
        "finished": F("finished"),
        "subject_type": Value(record_type.pk),
        "subject_id": F(f"{r}__id"),
        "status": F("status"),
        "owner": F("owner_id"),
        "city": F(f"{r}__{source.city_path}"),
        "customer": F(f"{r}__{source.customer_path}"),
        "account_manager": F(f"{r}__{source.manager_path}"),
        "sla_step": Case(
            *[When(flow_task=getattr(source.flow, node), then=Value(s)) for node, s in source.steps.items()],
            default=Value(""),
            output_field=CharField(),
        ),
        "due_at": of_open_clock("due_at"),
        "warn_at": of_open_clock("warn_at"),
        "clock_state": Coalesce(of_open_clock("state"), Value("")),
    }
    # Annotations may not take the task's own field names; prefixed, in the entry's column order.
    values = {f"e_{name}": of_task[name] for name in [*_COLUMNS, *_FOLLOWED]}
    return tasks.annotate(**values).order_by().values_list(*values)


@transaction.atomic
def inbox_rebuild(*, batch: int = 5000, tables: set[str] | None = None) -> int:
    """Recompute every entry from the tasks (after a bulk load, or to repair); returns how many there are.
    `tables`: the tables that exist (a migration's), so that a flow whose records come later is left out."""
    attnames = [InboxEntry._meta.get_field(name).attname for name in [*_COLUMNS, *_FOLLOWED]]
    InboxEntry.objects.all().delete()
    for source in sources():
        if tables is not None and _record_type(source).model_class()._meta.db_table not in tables:
            continue
        model = _record_type(source).model_class()
        rows = _derived(source).iterator(chunk_size=batch)
        while chunk := list(islice(rows, batch)):
            entries = [InboxEntry(**dict(zip(attnames, row, strict=True))) for row in chunk]
            facts = _facts_of(source, model, {e.subject_id for e in entries})
            for entry in entries:
                for name, value in _fact_values(facts.get(entry.subject_id, RowFacts())).items():
                    setattr(entry, name, value)
            InboxEntry.objects.bulk_create(entries)
    return InboxEntry.objects.count()


def inbox_drift() -> list[tuple]:
    """Entries that differ from what the tasks make them (empty when the inbox is right). A closed step's
    entry keeps the city, customer, account manager and facts (number, products, amount) it had when it closed."""
    names = [*_COLUMNS, *_FOLLOWED, *_FACTS]
    as_of_now = [names.index(n) for n in ("city", "customer", "account_manager", *_FACTS)]
    status, subject_id = names.index("status"), names.index("subject_id")

    def comparable(row: tuple) -> tuple:
        if row[status] in OPEN_STATUSES:
            return row
        return tuple(None if i in as_of_now else value for i, value in enumerate(row))

    def derived(source: Source):
        rows = list(_derived(source))
        facts = _facts_of(source, _record_type(source).model_class(), {row[subject_id] for row in rows})
        for row in rows:
            yield (*row, *_fact_values(facts.get(row[subject_id], RowFacts())).values())

    kept = {comparable(row) for row in InboxEntry.objects.values_list(*names)}
    derived_rows = {comparable(row) for source in sources() for row in derived(source)}
    return sorted(kept ^ derived_rows, key=str)


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
        _entry_follows_task(task)
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
        _entry_follows_task(task)
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
        _entry_follows_task(task)
    return task


def inbox_reassign(*, user, task_pk: int, to) -> Task:
    return _hand_over(user=user, task_pk=task_pk, to=to, delegate=False)


def inbox_delegate(*, user, task_pk: int, to) -> Task:
    """Hand a task to a colleague who gives it back (Return) when they have done their part."""
    return _hand_over(user=user, task_pk=task_pk, to=to, delegate=True)


def inbox_return(*, user, task_pk: int) -> Task:
    """Give a delegated task back to the person who delegated it."""
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
        _entry_follows_task(task)
    return task


def _notify_assigned(task: Task, source: Source, to, *, by) -> None:
    if to.pk == by.pk:
        return
    record = source.record(task)
    notify(
        recipients=[to],
        kind=Notification.Kind.ASSIGNED,
        key=f"task:{task.pk}:assigned:{to.pk}:{timezone.now().timestamp()}",
        data={
            "node": get_task_ref(task.flow_task),
            "customer": source.customer_name(record) or str(record),
            "number": source.facts_of(record).number,
        },
        url=source.url(task, record),
        task_id=task.pk,
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
