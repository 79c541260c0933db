"""The SLA dashboard over 1,000,000 finished clocks (target: ≤ 300 ms server time), for a provincial and a
city supervisor, with the query count.

The clocks are inserted in bulk, so their day counts are built the way a deployment builds them for clocks
that finished before the rollup existed: by the rebuild (`manage.py rebuild_sla_rollup`)."""

import random
import time
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from keyaccounts.core.models import City, User
from keyaccounts.core.roles import Role, sync_role_groups
from sla.models import SlaClock, SlaDayCount, SlaDayDuration, SlaPolicy, TimeBasis
from sla.services import sla_rollup_rebuild
from sla.views import sla_dashboard

FINISHED, OPEN, BATCH = 1_000_000, 20_000, 20_000
STEPS = ["customer.review", "opportunity.response", "order.acceptance", "order.approval", "launch.acceptance"]


def _clocks() -> None:
    rng = random.Random(7)
    now = timezone.now()
    cities = [City.objects.create(code=f"c{i}", name_en=f"City {i}", name_zh=f"城市{i}") for i in range(9)]
    policies = [
        SlaPolicy.objects.create(step=s, limit=timedelta(hours=4), time_basis=TimeBasis.CALENDAR) for s in STEPS
    ]
    subject_type = ContentType.objects.get_for_model(City)
    for start in range(0, FINISHED + OPEN, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, FINISHED + OPEN)):
            policy = policies[n % len(policies)]
            began = now - timedelta(minutes=rng.randint(10, 60 * 24 * 90))
            took = timedelta(minutes=rng.randint(5, 600))
            finished = n < FINISHED
            rows.append(
                SlaClock(
                    subject_type=subject_type,
                    subject_id=n,
                    step=policy.step,
                    policy=policy,
                    limit=policy.limit,
                    time_basis=policy.time_basis,
                    warn_at_percent=50,
                    warn_again_at_percent=80,
                    city=cities[n % 9],
                    started_at=began,
                    due_at=began + policy.limit,
                    running_since=began,
                    warn_at=began + policy.limit / 2,
                    stopped_at=began + took if finished else None,
                    state=(SlaClock.State.MET if took <= policy.limit else SlaClock.State.BREACHED)
                    if finished
                    else SlaClock.State.RUNNING,
                )
            )
        SlaClock.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_slaclock")


def _rebuild() -> tuple[float, float]:
    """The whole rebuild's time and its longest day: one transaction, the longest a stopping clock may wait."""
    from sla import services

    day_rebuild, days = services._rollup_rebuild_day, []

    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return day_rebuild(*args, **kwargs)
        finally:
            days.append(time.perf_counter() - began)

    services._rollup_rebuild_day = timed
    started = time.perf_counter()
    try:
        sla_rollup_rebuild()
    finally:
        services._rollup_rebuild_day = day_rebuild
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_sladaycount")
        cursor.execute("ANALYZE sla_sladayduration")
    return time.perf_counter() - started, max(days, default=0.0)


def _time(user, runs: int = 5) -> tuple[float, int]:
    request = RequestFactory().get("/sla/")
    request.user = user
    sla_dashboard(request)  # warm
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            sla_dashboard(request)
        timings.append(time.perf_counter() - started)
    return sorted(timings)[len(timings) // 2], len(queries)


def run() -> dict[str, str | float]:
    loaded = time.perf_counter()
    _clocks()
    loaded = time.perf_counter() - loaded
    rebuilt, longest_lock = _rebuild()
    groups = sync_role_groups()
    province = User.objects.create(username="bench_province")
    province.groups.set([groups[Role.PROVINCIAL_SUPERVISOR]])
    city = User.objects.create(username="bench_city", city=City.objects.get(code="c0"))
    city.groups.set([groups[Role.CITY_SUPERVISOR]])
    (p_time, p_queries), (c_time, c_queries) = _time(province), _time(city)
    return {
        "clocks": f"{FINISHED} finished over 90 days + {OPEN} open, 9 cities (loaded in {loaded:.0f} s)",
        "rollup rebuilt from the clocks": f"{rebuilt:.1f} s ({SlaDayCount.objects.count()} day counts, "
        f"{SlaDayDuration.objects.count()} duration rows), one day a transaction: the rollup tables locked "
        f"{longest_lock * 1000:.0f} ms at most",
        "provincial supervisor, last 30 days": f"{p_time * 1000:.0f} ms median ({p_queries} queries; target ≤ 300 ms)",
        "city supervisor, last 30 days": f"{c_time * 1000:.0f} ms median ({c_queries} queries)",
    }
