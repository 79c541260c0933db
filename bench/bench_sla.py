"""The SLA sweep: one pass over 100,000 running clocks of which 1,000 fall due (target: ≤ 1 s), then the
lateness of warnings and breaches with beat running the sweep on its real schedule.

The clocks have real people to tell: a team with members and a lead (the holder while nobody has claimed the
step) and city supervisors (the breach's escalation target), so every raised moment inserts notifications.
Lateness is measured, not inferred: for `BENCH_SLA_SECONDS` (60) a real Celery worker with beat runs, while
clocks cross their thresholds spread over that time; each notification's lateness is its row's creation
minus the moment its clock crossed the threshold it tells of."""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from keyaccounts.core.models import City, Notification, Team, User
from keyaccounts.core.roles import Role, sync_role_groups
from sla.models import SlaClock, SlaPolicy, TimeBasis
from sla.sweep import sla_sweep
from tests import processes

RUNNING, DUE = 100_000, 1_000
TIMED = 900  # clocks crossing a threshold during the timed run: a third each first warning, second, breach
SECONDS = int(os.environ.get("BENCH_SLA_SECONDS", "60"))


def _people() -> tuple[City, Team]:
    groups = sync_role_groups()
    city = City.objects.create(code="bench-sla", name_en="Bench", name_zh="基准")
    lead = User.objects.create_user("bench_lead", city=city, email="lead@example.com")
    team = Team.objects.create(
        code="bench-team", kind=Team.Kind.ORDER_ACCEPTANCE, name_en="Bench", name_zh="基准组", city=city, lead=lead
    )
    for n in range(5):
        User.objects.create_user(f"bench_member{n}", city=city).teams.add(team)
    for n in range(2):
        User.objects.create_user(f"bench_sup{n}", city=city).groups.add(groups[Role.CITY_SUPERVISOR])
    return city, team


def _clock(policy, subject_type, n, city, team, *, due, warn_at, warn_again_at, warned_level=0) -> SlaClock:
    return SlaClock(
        subject_type=subject_type,
        subject_id=n,
        step="bench.step",
        policy=policy,
        limit=policy.limit,
        time_basis=policy.time_basis,
        warn_at_percent=50,
        warn_again_at_percent=80,
        city=city,
        team=team,
        started_at=due - policy.limit,
        running_since=due - policy.limit,
        due_at=due,
        warn_at=warn_at,
        warn_again_at=warn_again_at,
        warned_level=warned_level,
    )


def _threshold(clock: SlaClock, key: str):
    level = key.rsplit(":", 1)[1]
    return {"1": clock.warn_at, "2": clock.warn_again_at, "breach": clock.due_at}[level]


def _timed_run(policy, subject_type, city, team) -> dict[str, str]:
    """Clocks crossing thresholds over the next SECONDS while a real worker with beat sweeps; then the lateness
    of every notification they raised."""
    from keyaccounts.celery import app

    rng = random.Random(5)
    start = timezone.now() + timedelta(seconds=15)  # the worker and beat start meanwhile
    hour, zero = timedelta(hours=1), timedelta(0)
    # Each clock crosses one threshold at its moment: the first warning, the second, or the breach. Its due
    # time and two warnings relative to that moment, and the level raised before it.
    shapes = [(hour, zero, hour, 0), (hour, -hour, zero, 1), (zero, -hour, -hour, 2)]
    clocks = []
    for i in range(TIMED):
        at = start + timedelta(seconds=rng.uniform(0, SECONDS))
        due, warn, warn_again, raised = shapes[i % 3]
        clocks.append(
            _clock(
                policy,
                subject_type,
                RUNNING + 1 + i,
                city,
                team,
                due=at + due,
                warn_at=at + warn,
                warn_again_at=at + warn_again,
                warned_level=raised,
            )
        )
    SlaClock.objects.bulk_create(clocks)
    Notification.objects.all().delete()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keyaccounts.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    workdir = Path(tempfile.mkdtemp(prefix="bench-sla-"))
    app.control.purge()
    worker = processes.start(
        [
            *[sys.executable, "-m", "celery", "-A", "keyaccounts", "worker", "--beat", "--loglevel", "WARNING"],
            *["--concurrency", "2", "--without-mingle", "--without-gossip", "--schedule", str(workdir / "beat")],
        ],
        env=env,
        log=workdir / "worker.log",
    )
    try:
        end = start + timedelta(seconds=SECONDS)
        while timezone.now() < end + timedelta(seconds=15) and Notification.objects.count() < TIMED * 3:
            if worker.poll() is not None:
                raise RuntimeError((workdir / "worker.log").read_text()[-3000:])
            time.sleep(1)
    finally:
        processes.stop(worker)
    by_pk = {c.pk: c for c in SlaClock.objects.filter(subject_id__gt=RUNNING)}
    late = []
    for key, created in Notification.objects.values_list("key", "created_at"):
        clock = by_pk.get(int(key.split(":")[1]))
        if clock is not None:
            late.append((created - _threshold(clock, key)).total_seconds())
    late.sort()
    raised = SlaClock.objects.filter(subject_id__gt=RUNNING).exclude(warned_level=0)
    missing = TIMED - raised.filter(warned_level=2).count() - raised.filter(warned_level=1, breached_at=None).count()
    p99 = late[min(len(late) - 1, int(0.99 * len(late)))] if late else float("nan")
    return {
        "timed run": f"{SECONDS} s, {TIMED} clocks crossing a threshold, beat sweeping every "
        f"{settings.CELERY_BEAT_SCHEDULE['sla-sweep']['schedule']:.0f} s ({missing} not raised)",
        "notifications raised in the timed run": len(late),
        "lateness p50 / p99 / max (threshold → notification row)": (
            f"{statistics.median(late):.1f} / {p99:.1f} / {late[-1]:.1f} s" if late else "none raised"
        ),
    }


def run() -> dict[str, str | float]:
    now = timezone.now()
    city, team = _people()
    policy = SlaPolicy.objects.create(
        step="bench.step",
        limit=timedelta(hours=4),
        time_basis=TimeBasis.CALENDAR,
        escalate_to=SlaPolicy.Escalation.CITY_SUPERVISOR,
    )
    subject_type = ContentType.objects.get_for_model(City)
    clocks = []
    for i in range(RUNNING):
        due = now - timedelta(seconds=1 + i % 600) if i < DUE else now + timedelta(hours=1, seconds=i)
        clocks.append(
            _clock(
                policy,
                subject_type,
                i + 1,
                city,
                team,
                due=due,
                warn_at=due - timedelta(hours=2) if i < DUE else due - timedelta(hours=2) + timedelta(hours=3),
                warn_again_at=due - timedelta(minutes=48) if i < DUE else due + timedelta(hours=1),
            )
        )
    SlaClock.objects.bulk_create(clocks, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_slaclock")

    load = os.getloadavg()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        counts = sla_sweep(now=now)
    elapsed = time.perf_counter() - started
    notified = Notification.objects.count()
    again = time.perf_counter()
    second = sla_sweep(now=now)
    idle = time.perf_counter() - again
    figures = {
        "running clocks": RUNNING,
        "breaches raised": counts["breaches"],
        "sweep time": f"{elapsed * 1000:.0f} ms ({len(queries)} queries, {notified} notifications inserted)",
        "idle sweep (nothing due)": f"{idle * 1000:.1f} ms, raised {second}",
        "load average before the sweep": " ".join(f"{x:.2f}" for x in load),
    }
    figures.update(_timed_run(policy, subject_type, city, team))
    figures["load average after the timed run"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return figures
