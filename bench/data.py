"""Bulk workflow data for the inbox and load benchmarks: open and finished tasks over every flow.

The rows copy what the services write (seen on `seed_demo`'s real runs): each record with its viewflow
Process, the tasks its path has passed (done) and the one it waits at, and an SLA clock per timed step,
open for the waiting step. Rows go in by COPY with ids taken from the tables' sequences, so the planner
sees the same tables, indexes and statistics as production. `BENCH_OPEN_TASKS` (default 100000) and
`BENCH_FINISHED_TASKS` (default 1000000) size it; loading again into a database that has it is a no-op.
"""

import csv
import datetime as dt
import io
import json
import os
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from customers.flows import ArchivingFlow
from customers.models import ArchivingRequest, Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.management.commands.seed_demo import demo_team_code
from keyaccounts.core.models import City, Team, User
from keyaccounts.core.roles import Role, sync_role_groups
from keyaccounts.inbox.inbox import inbox_rebuild
from opportunities.flows import OpportunityFlow
from opportunities.models import Channel, Opportunity
from orders.flows import OrderFlow
from orders.models import Order, OrderItem
from provisioning.flows import LaunchFlow
from provisioning.models import Launch
from sla.models import SlaClock, SlaPolicy
from tests.factories import credit_code

OPEN = int(os.environ.get("BENCH_OPEN_TASKS", "100000"))
FINISHED = int(os.environ.get("BENCH_FINISHED_TASKS", "1000000"))
PASSWORD = "keyaccounts"
MARKER = "bench-inbox"  # a team code: the data is loaded
AMS_PER_CITY, BACK_OFFICE_PER_CITY, CUSTOMERS_PER_CITY = 30, 4, 2000

# The paths E3 takes through the order flow and (T1, instant activation) through service launch.
ORDER_E3 = ["start", "check", "after_check", "accept", "after_accept", "transfer", "fulfil", "end"]
LAUNCH_T1 = ["start", "dispatch", "after_dispatch", "finish", "billing", "end"]
# Open tasks: (flow, nodes done before, the waiting node, its status, share of the open tasks).
WAITING = [
    ("archiving", ["start", "check_duplicates"], "review", STATUS.NEW, 0.20),
    ("archiving", ["start", "check_duplicates"], "review", STATUS.ASSIGNED, 0.02),
    ("archiving", ["start", "check_duplicates", "review", "after_review"], "approve", STATUS.NEW, 0.03),
    ("opportunity", ["start"], "qualify", STATUS.NEW, 0.10),
    ("opportunity", ["start"], "qualify", STATUS.ASSIGNED, 0.10),
    ("order", ["start", "check", "after_check"], "accept", STATUS.NEW, 0.30),
    ("order", ["start", "check", "after_check"], "accept", STATUS.ASSIGNED, 0.05),
    ("order", ["start", "check", "after_check", "accept", "after_accept"], "approve", STATUS.NEW, 0.05),
    ("launch", ["start", "dispatch", "after_dispatch"], "acceptance_test", STATUS.NEW, 0.10),
    (
        "launch",
        ["start", "dispatch", "after_dispatch", "acceptance_test", "after_test"],
        "customer_acceptance",
        STATUS.ASSIGNED,
        0.05,
    ),
]
FLOWS = {"archiving": ArchivingFlow, "opportunity": OpportunityFlow, "order": OrderFlow, "launch": LaunchFlow}
STEPS = {
    ("archiving", "review"): "customer.review",
    ("archiving", "approve"): "customer.approval",
    ("opportunity", "qualify"): "opportunity.response",
    ("order", "accept"): "order.acceptance",
    ("order", "approve"): "order.approval",
    ("launch", "acceptance_test"): "launch.acceptance",
    ("launch", "customer_acceptance"): "launch.customer_acceptance",
    ("launch", "dispatch"): "launch.configuration",
}
TASK_COLUMNS = [
    "id",
    "flow_task",
    "flow_task_type",
    "status",
    "created",
    "assigned",
    "started",
    "finished",
    "token",
    "owner_permission",
    "owner_id",
    "process_id",
    "data",
]


# ---------------------------------------------------------------------------- COPY
def _text(value):
    kind = type(value)
    if kind is str or kind is int:
        return value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is dt.datetime or kind is dt.date:
        return value.isoformat()
    if kind is dt.timedelta:
        return f"{value.total_seconds()} seconds"
    if kind is dict or kind is list:
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)  # Decimal, enum members


def copy_rows(table: str, columns: list[str], rows) -> int:
    """COPY tuples into a table, 100,000 at a time."""
    count, buffer = 0, None

    def flush():
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:  # psycopg's COPY
            copy.write(buffer.getvalue())

    for row in rows:
        if buffer is None:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
        writer.writerow([_text(v) for v in row])
        count += 1
        if count % 100_000 == 0:
            flush()
            buffer = None
    if buffer is not None:
        flush()
    return count


def copy_models(model, objects: list) -> None:
    """COPY unsaved instances whose pks are set: every concrete field's value as the instance holds it
    (timestamps filled now), which for these models is what Django would save."""
    fields = model._meta.concrete_fields
    now = timezone.now()
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    names = [f.attname for f in fields]
    copy_rows(
        model._meta.db_table,
        [connection.ops.quote_name(f.column) for f in fields],
        ([now if n in stamped and getattr(obj, n) is None else getattr(obj, n) for n in names] for obj in objects),
    )


class Ids:
    """Primary keys handed out ahead of COPY; the sequences are moved past them at the end."""

    def __init__(self, *models):
        self.models = models
        self.next = {}
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
                self.next[model] = cursor.fetchone()[0]

    def take(self, model, n: int = 1) -> int:
        first = self.next[model]
        self.next[model] += n
        return first

    def reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)


# ---------------------------------------------------------------------------- people
def _people(cities: list[City]) -> dict:
    """Per city: account managers, back-office members in its audit, acceptance and provisioning teams, and
    a city supervisor; one provincial supervisor."""
    groups = sync_role_groups()
    password = make_password(PASSWORD)
    people: dict = {"am": {}, "bo": {}, "sup": {}}
    kinds = [Team.Kind.CUSTOMER_AUDIT, Team.Kind.ORDER_ACCEPTANCE, Team.Kind.PROVISIONING]
    memberships, roles = [], []
    for city in cities:
        teams = [
            Team.objects.get_or_create(
                code=demo_team_code(kind, city.code),
                defaults={"kind": kind, "city": city, "name_en": kind.label, "name_zh": kind.label},
            )[0]
            for kind in kinds
        ]
        ams = User.objects.bulk_create(
            User(username=f"bench_am_{city.code}_{n}", city=city, password=password) for n in range(AMS_PER_CITY)
        )
        bos = User.objects.bulk_create(
            User(username=f"bench_bo_{city.code}_{n}", city=city, password=password)
            for n in range(BACK_OFFICE_PER_CITY)
        )
        sup = User.objects.create(username=f"bench_sup_{city.code}", city=city, password=password)
        people["am"][city.pk], people["bo"][city.pk], people["sup"][city.pk] = ams, bos, sup
        roles += [(u, Role.ACCOUNT_MANAGER) for u in ams] + [(u, Role.BACK_OFFICE) for u in bos]
        roles.append((sup, Role.CITY_SUPERVISOR))
        memberships += [User.teams.through(user=u, team=t) for u in bos for t in teams]
    province = User.objects.create(username="bench_sup_province", password=password)
    roles.append((province, Role.PROVINCIAL_SUPERVISOR))
    User.groups.through.objects.bulk_create(User.groups.through(user=u, group=groups[r]) for u, r in roles)
    User.teams.through.objects.bulk_create(memberships)
    Team.objects.create(code=MARKER, kind=Team.Kind.QUALITY, name_en="Bench", name_zh="基准")
    return people


# ---------------------------------------------------------------------------- the load
def _tasks(flow, nodes: list[str], process_id: int, ids: Ids, *, start, step, owners: dict, waiting=None):
    """Task rows of one process: `nodes` done one `step` apart from `start`, then the waiting one."""
    field = Task._meta.get_field("flow_task")
    at = start
    for name in nodes:
        node = getattr(flow, name)
        owner = owners.get(name)
        permission = getattr(node, "_owner_permission", None) if node.task_type == "HUMAN" else None
        yield (
            ids.take(Task),
            field.get_prep_value(node),
            node.task_type,
            STATUS.DONE,
            at,
            at if owner else None,
            None if node.task_type == "SWITCH" else at,
            at + step,
            "start",
            permission if isinstance(permission, str) else None,
            owner,
            process_id,
            {},
        )
        at += step
    if waiting:
        name, status, owner = waiting
        node = getattr(flow, name)
        permission = getattr(node, "_owner_permission", None)
        yield (
            ids.take(Task),
            field.get_prep_value(node),
            node.task_type,
            status,
            at,
            at if status == STATUS.ASSIGNED else None,
            None,
            None,
            "start",
            permission if isinstance(permission, str) else None,
            owner if status == STATUS.ASSIGNED else None,
            process_id,
            {},
        )


def load() -> dict[str, str | float]:
    """Load the data unless it is there; figures about what is loaded."""
    if Team.objects.filter(code=MARKER).exists():
        return summary()
    started = timezone.now()
    call_command("seed_demo", verbosity=0)
    with transaction.atomic(), connection.cursor() as cursor:
        # The rows are consistent by construction: no foreign-key trigger per row (minutes at this size).
        cursor.execute("SET LOCAL session_replication_role = replica")
        _load()
    inbox_rebuild()  # COPY went around the services that keep the inbox's entries
    with connection.cursor() as cursor:
        # What autovacuum leaves once a table settles: statistics, and the visibility map index-only scans
        # (the queue's count) rely on; right after COPY every row would be fetched from the heap.
        cursor.execute("VACUUM (ANALYZE)")
    return {**summary(), "loaded in": f"{(timezone.now() - started).total_seconds():.0f} s"}


def summary() -> dict[str, str | float]:
    open_tasks = Task.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).count()
    done = Task.objects.filter(status=STATUS.DONE).count()
    return {"tasks": f"{open_tasks} open, {done} finished over 4 flows, 9 cities"}


def _load() -> None:
    rng = random.Random(11)
    now = timezone.now()
    cities = list(City.objects.order_by("sort_order", "pk"))
    people = _people(cities)
    product = Product.objects.get(code="vpmn")
    template = OrderItem.objects.filter(product=product).exclude(element_definition=[]).first()
    channel = Channel.objects.order_by("pk").first()
    policies = {p.step: p for p in SlaPolicy.objects.filter(customer_level="", product=None)}
    teams = {(t.city_id, t.kind): t for t in Team.objects.exclude(city=None)}
    team_of_step = {p.step: p.team_kind for p in policies.values()}
    types = {key: ContentType.objects.get_for_model(m) for key, m in _record_models().items()}
    flow_field = Process._meta.get_field("flow_class")
    ids = Ids(Customer, ArchivingRequest, Opportunity, Order, OrderItem, Launch, Process, Task, SlaClock)

    # Customers (validated) of every city, each with one of the city's account managers.
    customers = []
    serial = 900_000
    for city in cities:
        for n in range(CUSTOMERS_PER_CITY):
            serial += 1
            customers.append(_customer(ids, serial, city, people["am"][city.pk][n % AMS_PER_CITY], rng, now))
    copy_models(Customer, customers)

    processes, records, items, clocks, applicants = [], {k: [] for k in FLOWS}, [], [], []
    task_rows = []

    def process(flow, created, finished=None):
        p = (
            ids.take(Process),
            flow_field.get_prep_value(flow),
            PROCESS.DONE if finished else PROCESS.NEW,
            created,
            finished,
            {},
        )
        processes.append(p)
        return p[0]

    def clock(kind, record, step, started, *, stopped=None, city, customer, manager, product_id=None):
        policy = policies[step]
        team = teams.get((city.pk, team_of_step.get(step)))
        due = started + policy.limit * 2  # working time: about twice the limit in calendar time
        state = SlaClock.State.RUNNING
        if stopped:
            state = SlaClock.State.MET if stopped <= due else SlaClock.State.BREACHED
        clocks.append(
            SlaClock(
                id=ids.take(SlaClock),
                subject_type=types[kind],
                subject_id=record.pk,
                step=step,
                policy=policy,
                limit=policy.limit,
                time_basis=policy.time_basis,
                warn_at_percent=policy.warn_at_percent,
                warn_again_at_percent=policy.warn_again_at_percent,
                city=city,
                product_id=product_id,
                team=team,
                account_manager=manager,
                started_at=started,
                due_at=due,
                running_since=None if stopped else started,
                warn_at=started + policy.limit,
                warn_again_at=started + policy.limit * 8 / 5,
                stopped_at=stopped,
                state=state,
            )
        )

    def order(customer, status, process_id, created):
        o = Order(
            id=ids.take(Order),
            customer=customer,
            city_id=customer.city_id,
            account_manager_id=customer.account_manager_id,
            status=status,
            process_id=process_id,
            submitted_at=created,
            contract_reference="JL2026110101",
        )
        records["order"].append(o)
        items.append(
            OrderItem(
                id=ids.take(OrderItem),
                order=o,
                product=product,
                state="completed" if status == Order.Status.COMPLETED else "acknowledged",
                unit_price=template.unit_price,
                elements=template.elements,
                element_definition=template.element_definition,
            )
        )
        return o

    step = dt.timedelta(minutes=20)
    # Finished E3 orders (T1): an order process and a launch process, each done, with their clocks stopped.
    prior = sum(round(OPEN * share) * (len(done) + 6 * (kind == "launch")) for kind, done, _n, _s, share in WAITING)
    finished_orders = max(FINISHED - prior, 0) // (len(ORDER_E3) + len(LAUNCH_T1))
    for n in range(finished_orders):
        customer = customers[rng.randrange(len(customers))]
        city = cities[[c.pk for c in cities].index(customer.city_id)]
        acceptor = people["bo"][city.pk][n % BACK_OFFICE_PER_CITY]
        began = now - dt.timedelta(minutes=rng.randint(60 * 24, 60 * 24 * 365))
        pid = process(OrderFlow, began, began + step * len(ORDER_E3))
        o = order(customer, Order.Status.COMPLETED, pid, began)
        task_rows.append(_tasks(OrderFlow, ORDER_E3, pid, ids, start=began, step=step, owners={"accept": acceptor.pk}))
        accepted = began + step * 4
        clock("order", o, "order.acceptance", began + step * 3, stopped=accepted, city=city, customer=customer,
              manager=customer.account_manager, product_id=product.pk)  # fmt: skip
        lpid = process(LaunchFlow, accepted + step, accepted + step * 7)
        records["launch"].append(Launch(id=ids.take(Launch), order=o, process_id=lpid))
        task_rows.append(_tasks(LaunchFlow, LAUNCH_T1, lpid, ids, start=accepted + step, step=step, owners={}))

    # Open tasks, spread over the cities and the last 30 days (a few are overdue, most are not).
    for kind, done, name, status, share in WAITING:
        flow = FLOWS[kind]
        for n in range(round(OPEN * share)):
            city = cities[n % len(cities)]
            customer = customers[cities.index(city) * CUSTOMERS_PER_CITY + rng.randrange(CUSTOMERS_PER_CITY)]
            manager = customer.account_manager
            back_office = people["bo"][city.pk][n % BACK_OFFICE_PER_CITY]
            began = now - dt.timedelta(minutes=rng.randint(30, 60 * 24 * 30))
            waits_from = began + step * len(done)
            pid = process(flow, began)
            owner = manager.pk if kind in ("opportunity", "launch") and name != "acceptance_test" else back_office.pk
            owners = {"review": back_office.pk, "accept": back_office.pk, "acceptance_test": back_office.pk}
            if kind == "archiving":
                serial += 1
                customer = _customer(ids, serial, city, manager, rng, now, validated=False)
                applicants.append(customer)
                record = ArchivingRequest(
                    id=ids.take(ArchivingRequest),
                    customer=customer,
                    kind=ArchivingRequest.Kind.REGISTRATION,
                    requested_by=manager,
                    proposed_level=customer.proposed_level,
                    needs_approval=name == "approve",
                    review_decision="approve" if name == "approve" else "",
                    process_id=pid,
                )
            elif kind == "opportunity":
                record = Opportunity(
                    id=ids.take(Opportunity),
                    channel=channel,
                    customer=customer,
                    city=city,
                    account_manager=manager,
                    estimated_value=Decimal("120000"),
                    expected_close_date=(now + dt.timedelta(days=90)).date(),
                    description="基准商机",
                    process_id=pid,
                    created_by=manager,
                )
            elif kind == "order":
                record = order(customer, Order.Status.ACKNOWLEDGED, pid, began)
            else:  # a launch, with its order waiting at `fulfil`
                opid = process(OrderFlow, began - step * 7)
                o = order(customer, Order.Status.IN_PROGRESS, opid, began - step * 7)
                task_rows.append(
                    _tasks(OrderFlow, ORDER_E3[:6], opid, ids, start=began - step * 7, step=step,
                           owners={"accept": back_office.pk}, waiting=("fulfil", STATUS.NEW, None))
                )  # fmt: skip
                record = Launch(id=ids.take(Launch), order=o, process_id=pid)
            if kind != "order":
                records[kind].append(record)
            task_rows.append(
                _tasks(flow, done, pid, ids, start=began, step=step, owners=owners, waiting=(name, status, owner))
            )
            clock(kind, record, STEPS[(kind, name)], waits_from, city=city, customer=customer, manager=manager,
                  product_id=product.pk if kind in ("order", "launch") else None)  # fmt: skip

    copy_rows(Process._meta.db_table, ["id", "flow_class", "status", "created", "finished", "data"], iter(processes))
    for kind in ("opportunity", "order", "archiving", "launch"):
        copy_models(_record_models()[kind], records[kind])
    copy_models(Customer, applicants)
    copy_models(OrderItem, items)
    copy_rows(Task._meta.db_table, TASK_COLUMNS, (row for rows in task_rows for row in rows))
    copy_models(SlaClock, clocks)
    ids.reset_sequences()


def _record_models() -> dict:
    return {"archiving": ArchivingRequest, "opportunity": Opportunity, "order": Order, "launch": Launch}


def _customer(ids: Ids, serial: int, city, manager, rng, now, *, validated: bool = True) -> Customer:
    level = rng.choice("ABBCCCDD")
    return Customer(
        id=ids.take(Customer),
        name=f"基准客户{serial}有限公司",
        credit_code=credit_code(serial),
        industry="other",
        address=f"{city.name_zh}市人民大街 {serial} 号",
        size="large",
        city=city,
        account_manager=manager,
        status=Customer.Status.VALIDATED if validated else Customer.Status.INITIALIZED,
        level=level if validated else "",
        proposed_level=level,
        submitted_at=None if validated else now,
    )
