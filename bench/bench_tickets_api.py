"""Ticket intake over the API: `POST /api/v1/troubleTicket` (TMF621) from the hotline's channel with
`BENCH_TICKETS_OPEN` (100,000) open and `BENCH_TICKETS_CLOSED` (1,000,000) closed tickets on record (target: p95 ≤
100 ms server time). The tickets are bulk-created over `BENCH_TICKETS_CUSTOMERS` (2,000) customers of nine
cities, their clocks beside them; then `BENCH_TICKETS_POSTS` (300) complaints and billing questions (no peer to
call: a fault's dispatch is the outbox's row, sent after the response) are posted in-process through Django's
test client, each timed from the request to the response, as the server spends it (no socket, no client)."""

import cProfile
import os
import pstats
import statistics
import time
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance.demo import seed_demo_configuration
from assurance.models import Priority, Severity, TicketChannel, TroubleTicket
from customers.models import Customer
from keyaccounts.catalogue.demo import seed_demo_products
from keyaccounts.core.models import City, User
from keyaccounts.core.roles import Role, sync_role_groups
from sla.demo import seed_demo_calendar, seed_demo_policies
from sla.models import SlaClock, SlaPolicy
from tests.factories import credit_code

OPEN = int(os.environ.get("BENCH_TICKETS_OPEN", "100000"))
CLOSED = int(os.environ.get("BENCH_TICKETS_CLOSED", "1000000"))
CUSTOMERS = int(os.environ.get("BENCH_TICKETS_CUSTOMERS", "2000"))
POSTS = int(os.environ.get("BENCH_TICKETS_POSTS", "300"))
BATCH = 10_000
LIST = "/api/v1/troubleTicket"


def _customers() -> list[Customer]:
    groups = sync_role_groups()
    cities = [City.objects.create(code=f"bench-{n}", name_en=f"City {n}", name_zh=f"城市{n}") for n in range(9)]
    managers = []
    for n, city in enumerate(cities):
        manager = User.objects.create_user(f"bench_am{n}", city=city)
        manager.groups.add(groups[Role.ACCOUNT_MANAGER])
        managers.append(manager)
    Customer.objects.bulk_create(
        (
            Customer(
                name=f"基准企业 {n}",
                credit_code=credit_code(500_000 + n),
                industry="manufacturing",
                address="长春市",
                size="large",
                city=cities[n % 9],
                account_manager=managers[n % 9],
                status=Customer.Status.VALIDATED,
                level="ABCD"[n % 4],
                proposed_level="ABCD"[n % 4],
            )
            for n in range(CUSTOMERS)
        ),
        batch_size=BATCH,
    )
    return list(Customer.objects.order_by("pk"))


def _tickets(customers: list[Customer]) -> None:
    """Closed tickets over the last two years, open ones over the last month, each open one with its running
    resolution clock (what the API's duplicate and clock reads meet)."""
    now = timezone.now()
    policy = SlaPolicy.objects.get(step="assurance.complaint", customer_level="")
    ticket_type = ContentType.objects.get_for_model(TroubleTicket)
    status = TroubleTicket.Status

    def ticket(n: int, *, open_: bool) -> TroubleTicket:
        customer = customers[n % len(customers)]
        created = now - timedelta(minutes=(n % 43_200) if open_ else 43_200 + n % 1_000_000)
        return TroubleTicket(
            type=TroubleTicket.Type.COMPLAINT if n % 3 else TroubleTicket.Type.FAULT,
            channel=TroubleTicket.Channel.HOTLINE,
            customer=customer,
            city_id=customer.city_id,
            account_manager_id=customer.account_manager_id,
            description=f"bench ticket {n}",
            severity=Severity.NORMAL if n % 3 else Severity.LEVEL_2,
            priority=Priority.MEDIUM,
            status=(status.IN_PROGRESS, status.PENDING, status.ACKNOWLEDGED)[n % 3] if open_ else status.CLOSED,
            created_at=created,
            updated_at=created,
            closed_at=None if open_ else created + timedelta(hours=6),
        )

    for start in range(0, CLOSED, BATCH):
        TroubleTicket.objects.bulk_create([ticket(n, open_=False) for n in range(start, min(start + BATCH, CLOSED))])
    for start in range(0, OPEN, BATCH):
        made = TroubleTicket.objects.bulk_create(
            [ticket(CLOSED + n, open_=True) for n in range(start, min(start + BATCH, OPEN))]
        )
        SlaClock.objects.bulk_create(
            SlaClock(
                subject_type=ticket_type,
                subject_id=t.pk,
                step=policy.step,
                policy=policy,
                limit=policy.limit,
                time_basis=policy.time_basis,
                warn_at_percent=policy.warn_at_percent,
                warn_again_at_percent=policy.warn_again_at_percent,
                city_id=t.city_id,
                started_at=t.created_at,
                running_since=t.created_at,
                due_at=t.created_at + policy.limit,
                warned_level=2,
                breached_at=t.created_at + policy.limit if t.created_at + policy.limit < now else None,
            )
            for t in made
        )
    with connection.cursor() as cursor:
        for table in ("assurance_troubleticket", "sla_slaclock"):
            cursor.execute(f"ANALYZE {table}")  # our own table names


def run() -> dict[str, str | float]:
    seed_demo_products()
    seed_demo_calendar()
    seed_demo_policies()
    seed_demo_configuration()
    customers = _customers()
    loaded = time.perf_counter()
    _tickets(customers)
    load_seconds = time.perf_counter() - loaded
    channel = TicketChannel.objects.get(code="hotline")
    token = channel.issue_token()
    client = Client()
    header = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    timings, queries, failures = [], [], 0
    load = os.getloadavg()
    profile = cProfile.Profile() if os.environ.get("BENCH_TICKETS_PROFILE") else None
    for n in range(POSTS):
        customer = customers[(n * 7919) % len(customers)]
        body = {
            "externalId": f"BENCH-{n:06d}",
            "ticketType": "complaint" if n % 4 else "billing",
            "description": f"bench intake {n}",
            "relatedParty": [{"role": "customer", "id": customer.credit_code}],
        }
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            if profile is not None and n >= 10:
                profile.enable()
            response = client.post(LIST, body, content_type="application/json", **header)
            if profile is not None:
                profile.disable()
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
        failures += response.status_code != 201
    if profile is not None:  # where the server's time goes, by function (BENCH_TICKETS_PROFILE=1)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:5]
    warm = sorted(timings[10:]) or sorted(timings)  # the first few fill the caches (policies, calendars, routes)
    p95 = warm[min(len(warm) - 1, int(0.95 * len(warm)))]
    return {
        "tickets on record": f"{OPEN:,} open, {CLOSED:,} closed, {CUSTOMERS:,} customers "
        f"(bulk-created in {load_seconds:.0f} s)",
        "posts": f"{POSTS} ({failures} not 201)",
        "server time p50 / p95 / max": f"{statistics.median(warm):.1f} / {p95:.1f} / {warm[-1]:.1f} ms "
        f"(target p95 ≤ 100 ms: {'met' if p95 <= 100 else 'MISSED'})",
        "queries per post (median)": statistics.median(queries),
        "load average before the posts": " ".join(f"{x:.2f}" for x in load),
        "the last post's slowest queries": "; ".join(f"{q['time']} s {q['sql'][:160]}" for q in slowest),
        "the last post's queries in all": f"{sum(float(q['time']) for q in captured.captured_queries):.3f} s",
    }
