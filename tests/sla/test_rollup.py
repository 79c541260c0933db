"""The day counts and duration buckets the dashboard reads: each finished clock counted once, by the fold after
it stops; a rebuild from the clocks gives the same; the percentiles stay within the stated bound of the exact
ones."""

import datetime as dt
import random
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Aggregate, DurationField, ExpressionWrapper, F
from django.utils import timezone

from keyaccounts.core.models import City
from keyaccounts.core.roles import Role
from sla import dashboard, histogram
from sla.models import SlaClock, SlaDayCount, SlaDayDuration, SlaPolicy
from sla.services import sla_clock_start, sla_clock_stop, sla_clocks_follow, sla_rollup_fold, sla_rollup_rebuild
from tests.sla.test_dashboard import H, clock

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def rollup() -> tuple[Counter, Counter]:
    """The rollup's content by key (rows of one key may repeat, so they are summed)."""
    counts, durations = Counter(), Counter()
    for row in SlaDayCount.objects.all():
        key = (row.day, row.step, row.city_id, row.product_id, row.team_id, row.account_manager_id)
        counts[(*key, "met")] += row.met
        counts[(*key, "breached")] += row.breached
    for row in SlaDayDuration.objects.all():
        for offset, n in enumerate(row.counts):
            durations[(row.day, row.step, row.city_id, row.all_cities, row.first_bucket + offset)] += n
    return +counts, +durations


def test_a_clock_is_counted_once_by_the_fold_after_it_stops_however_often_it_is_stopped(city):
    SlaPolicy.objects.create(step="order.acceptance", limit=4 * H, time_basis="calendar")
    started = dt.datetime(2026, 3, 2, 8, tzinfo=SHANGHAI)
    sla_clock_start(subject=city, step="order.acceptance", city=city, now=started)
    assert sla_rollup_fold() == 0  # an open clock is not counted
    assert rollup() == (Counter(), Counter())
    stopped = sla_clock_stop(subject=city, step="order.acceptance", now=started + 2 * H)
    assert sla_clock_stop(subject=city, step="order.acceptance", now=started + 3 * H) is None
    sla_clocks_follow(subject=city, open_steps=set(), city=city, now=started + 4 * H)
    assert rollup() == (Counter(), Counter())  # a stop only marks its clock...
    assert sla_rollup_fold() == 1  # ...the fold counts it, once
    assert sla_rollup_fold() == 0
    day = dt.date(2026, 3, 2)
    assert stopped.state == SlaClock.State.MET
    counts, durations = rollup()
    assert counts == Counter({(day, "order.acceptance", city.pk, None, None, None, "met"): 1})
    bucket = histogram.bucket_of(2 * H)
    assert durations == Counter(
        {(day, "order.acceptance", city.pk, False, bucket): 1, (day, "order.acceptance", None, True, bucket): 1}
    )
    # The same step again for the same subject is another clock, counted on its own.
    sla_clock_start(subject=city, step="order.acceptance", city=city, now=started + 5 * H)
    sla_clock_stop(subject=city, step="order.acceptance", now=started + 9.5 * H)
    assert sla_rollup_fold() == 1
    counts, durations = rollup()
    assert counts[(day, "order.acceptance", city.pk, None, None, None, "breached")] == 1
    assert durations[(day, "order.acceptance", None, True, bucket)] == 1  # the rows kept, widened by the fold
    assert durations[(day, "order.acceptance", None, True, histogram.bucket_of(4.5 * H))] == 1


def test_the_last_step_done_stops_every_open_clock_met_or_breached_by_its_state(city):
    for step in ("order.acceptance", "order.approval", "launch.configuration"):
        SlaPolicy.objects.create(step=step, limit=4 * H, time_basis="calendar")
    started = dt.datetime(2026, 3, 2, 8, tzinfo=SHANGHAI)
    for step in ("order.acceptance", "order.approval", "launch.configuration"):
        sla_clock_start(subject=city, step=step, city=city, now=started)
    SlaClock.objects.filter(step="order.approval").update(state=SlaClock.State.PAUSED)  # a paused clock is met
    SlaClock.objects.filter(step="launch.configuration").update(due_at=started + H)  # past due: breached
    other = sla_clock_start(subject=City.objects.exclude(pk=city.pk).first() or city, step="x", now=started)
    assert sla_clocks_follow(subject=city, open_steps=set(), city=city, now=started + 2 * H) == {}
    stopped = {c.step: (c.state, c.stopped_at) for c in SlaClock.objects.filter(subject_id=city.pk, step__contains=".")}
    assert stopped == {
        "order.acceptance": (SlaClock.State.MET, started + 2 * H),
        "order.approval": (SlaClock.State.MET, started + 2 * H),
        "launch.configuration": (SlaClock.State.BREACHED, started + 2 * H),
    }
    assert other is None or SlaClock.objects.get(pk=other.pk).stopped_at is None
    day = dt.date(2026, 3, 2)
    assert sla_rollup_fold() == 3
    assert rollup()[0] == Counter(
        {
            (day, "order.acceptance", city.pk, None, None, None, "met"): 1,
            (day, "order.approval", city.pk, None, None, None, "met"): 1,
            (day, "launch.configuration", city.pk, None, None, None, "breached"): 1,
        }
    )
    # A stop by step returns the clock as stopped, once.
    sla_clock_start(subject=city, step="order.acceptance", city=city, now=started + 3 * H)
    clock = sla_clock_stop(subject=city, step="order.acceptance", now=started + 4 * H)
    assert (clock.state, clock.stopped_at, clock.started_at) == (SlaClock.State.MET, started + 4 * H, started + 3 * H)
    assert sla_clock_stop(subject=city, step="order.acceptance", now=started + 5 * H) is None


def test_a_rebuild_from_the_clocks_equals_what_the_folds_counted(city, other_city, user_in_role):
    from keyaccounts.catalogue.models import Product
    from tests.factories import TeamFactory

    rng = random.Random(3)
    line = Product.objects.create(code="line", name_en="Line", name_zh="专线", bearer_mode="access", route="T2")
    team = TeamFactory(city=city, code="oa")
    manager = user_in_role(Role.ACCOUNT_MANAGER, username="am_zhao")
    for _ in range(120):
        dimensions = rng.choice([{}, {"product": line}, {"team": team, "account_manager": manager}])
        opened = clock(rng.choice([city, other_city, None]), rng.choice(["a.one", "b.two"]), **dimensions, due_in=H)
        took = dt.timedelta(seconds=rng.choice([0, 1, 59, 3600, 14_400, 14_401, 86_400 * 40]) + rng.random())
        sla_clock_stop(subject=City(pk=opened.subject_id), step=opened.step, now=opened.started_at + took)
    clock(city, "a.one", due_in=H)  # still open: not counted
    assert sla_rollup_fold(batch=7) == 120  # in transactions of 7
    incremental = rollup()
    assert sum(incremental[0].values()) == 120
    assert sla_rollup_rebuild() == 120
    assert rollup() == incremental
    call_command("rebuild_sla_rollup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rollup() == incremental
    # A clock stopped but not yet folded is left out of a rebuild; the next fold adds it, once.
    late = clock(city, "a.one", due_in=H)
    sla_clock_stop(subject=City(pk=late.subject_id), step="a.one", now=late.started_at + H)
    assert sla_rollup_rebuild() == 120
    assert rollup() == incremental
    assert sla_rollup_fold() == 1
    assert sum(rollup()[0].values()) == 121
    assert sla_rollup_rebuild() == 121


def test_a_fold_can_stop_after_a_bound_in_whole_batches_and_the_next_goes_on(city, user_in_role, monkeypatch):
    """A dashboard folds a bounded number before it reads: a backlog left by a stopped worker does not hold the
    page, and the beat's next fold takes the rest."""
    for _ in range(12):
        clock(city, "order.acceptance", hours_taken=1)
    assert sla_rollup_fold(batch=5, at_most=6) == 10
    assert SlaClock.objects.filter(uncounted=True).count() == 2
    monkeypatch.setattr(dashboard, "FOLD_AT_MOST", 1)
    supervisor = user_in_role(Role.CITY_SUPERVISOR, city=city)
    assert dashboard.finished_in(supervisor, dashboard.Period.last_days(2)).total == 12  # a batch holds both
    assert sla_rollup_fold() == 0


def test_a_finished_clock_counts_on_the_day_it_stopped_in_the_project_time_zone(city, user_in_role):
    SlaPolicy.objects.create(step="order.acceptance", limit=4 * H, time_basis="calendar")
    supervisor = user_in_role(Role.CITY_SUPERVISOR, city=city)
    midnight = dt.datetime(2026, 3, 2, tzinfo=SHANGHAI)
    for subject, stop in ((city, midnight - dt.timedelta(seconds=1)), (City(pk=999), midnight)):
        sla_clock_start(subject=subject, step="order.acceptance", city=city, now=stop - H)
        sla_clock_stop(subject=subject, step="order.acceptance", now=stop)
    assert dashboard.finished_in(supervisor, dashboard.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 1))).total == 1
    assert dashboard.finished_in(supervisor, dashboard.Period(dt.date(2026, 3, 2), dt.date(2026, 3, 8))).total == 1
    trend = dashboard.weekly_trend(
        dashboard.finished_in(supervisor, dashboard.Period(dt.date(2026, 2, 1), dt.date(2026, 3, 31)))
    )
    assert [(row["week"], row["total"]) for row in trend] == [(dt.date(2026, 2, 23), 1), (dt.date(2026, 3, 2), 1)]


class PercentileCont(Aggregate):
    """PostgreSQL's exact percentile, which the dashboard computed over every clock before the rollup."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


# Pinned in the morning: the slowest clock stops 13.5 h after "now", which from about 10:30 in Shanghai fell on
# tomorrow, outside the 60 days shown, and the count came out 149 (the data is seeded, only the clock moved).
@time_machine.travel(dt.datetime(2026, 6, 15, 8, 0, tzinfo=SHANGHAI), tick=False)
def test_bottlenecks_stay_within_the_stated_bound_of_postgresqls_exact_percentiles(city, user_in_role):
    rng = random.Random(11)
    spreads = {"quick.step": (0, 120), "day.step": (600, 86_400), "slow.step": (3_600, 86_400 * 60)}
    for step, (low, high) in spreads.items():
        SlaPolicy.objects.create(step=step, limit=4 * H, time_basis="calendar")
        for n in range(150):
            subject = City(pk=10_000 * len(step) + n)
            start = timezone.now() - dt.timedelta(days=59, seconds=rng.uniform(0, 3600))
            sla_clock_start(subject=subject, step=step, city=city, now=start)
            sla_clock_stop(subject=subject, step=step, now=start + dt.timedelta(seconds=rng.uniform(low, high)))
    took = ExpressionWrapper(F("stopped_at") - F("started_at"), output_field=DurationField())
    exact = {
        row["step"]: row
        for row in SlaClock.objects.values("step").annotate(
            median=PercentileCont(took, 0.5), p90=PercentileCont(took, 0.9)
        )
    }
    supervisor = user_in_role(Role.CITY_SUPERVISOR, city=city)
    shown = dashboard.bottlenecks(dashboard.finished_in(supervisor, dashboard.Period.last_days(60)))
    assert [row["step"] for row in shown] == ["slow.step", "day.step", "quick.step"]
    for row in shown:
        assert row["count"] == 150
        for figure in ("median", "p90"):
            true = exact[row["step"]][figure]
            assert abs(row[figure] - true) <= true * histogram.ERROR_BOUND + histogram.ERROR_FLOOR, (row, figure)


@pytest.mark.parametrize("seed", range(20))
def test_the_bucket_percentile_bound_holds_for_any_sample(seed):
    rng = random.Random(seed)
    values = sorted(rng.lognormvariate(rng.uniform(0, 10), rng.uniform(0.1, 2)) for _ in range(rng.randint(1, 300)))
    buckets = Counter(histogram.bucket_of(dt.timedelta(seconds=v)) for v in values)
    for fraction in (0, 0.1, 0.5, 0.9, 0.99, 1):
        position = fraction * (len(values) - 1)
        below = int(position)
        above = min(below + 1, len(values) - 1)
        true = values[below] + (position - below) * (values[above] - values[below])
        estimate = histogram.percentile(buckets, fraction).total_seconds()
        assert abs(estimate - true) <= true * histogram.ERROR_BOUND + 1, (fraction, true, estimate)
    assert histogram.percentile(Counter(), 0.5) is None


@pytest.mark.django_db(transaction=True)
def test_a_stop_during_a_rebuild_goes_on_and_the_fold_after_it_counts_the_clock_once(city):
    import threading

    from django.db import connection, transaction

    SlaPolicy.objects.create(step="order.acceptance", limit=4 * H, time_basis="calendar")
    started = timezone.now() - 10 * H
    for subject in (city, City(pk=999)):
        sla_clock_start(subject=subject, step="order.acceptance", city=city, now=started)
    sla_clock_stop(subject=City(pk=999), step="order.acceptance", now=started + H)
    assert sla_rollup_fold() == 1
    rebuilt, release = threading.Event(), threading.Event()

    def rebuild_and_hold():
        with transaction.atomic():
            sla_rollup_rebuild()
            rebuilt.set()
            release.wait(10)
        connection.close()

    def in_thread(work):
        def run():
            work()
            connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    rebuilding = threading.Thread(target=rebuild_and_hold)
    rebuilding.start()
    assert rebuilt.wait(10)
    stopping = in_thread(lambda: sla_clock_stop(subject=city, step="order.acceptance", now=started + 2 * H))
    stopping.join(10)
    assert not stopping.is_alive()  # the stop does not wait for the rebuild's lock...
    folding = in_thread(sla_rollup_fold)
    folding.join(1)
    assert folding.is_alive()  # ...a fold does
    release.set()
    rebuilding.join(10)
    folding.join(10)
    counts, durations = rollup()  # then adds the stopped clock: both clocks, each once
    assert sum(counts.values()) == 2
    assert sum(n for key, n in durations.items() if key[3]) == 2


@pytest.mark.django_db(transaction=True)
def test_folds_during_a_rebuild_wait_one_day_at_most_and_count_each_stop_once(city):
    import threading
    import time

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    policy = SlaPolicy.objects.create(step="order.acceptance", limit=4 * H, time_basis="calendar")
    now, days, per_day = timezone.now(), 40, 150
    finished = [
        SlaClock(
            subject_type=ContentType.objects.get_for_model(City),
            subject_id=n,
            step=policy.step,
            policy=policy,
            limit=policy.limit,
            time_basis=policy.time_basis,
            warn_at_percent=50,
            warn_again_at_percent=80,
            city=city,
            started_at=now - dt.timedelta(days=n % days, hours=3),
            due_at=now - dt.timedelta(days=n % days, hours=-1),
            stopped_at=now - dt.timedelta(days=n % days, hours=n % 5),
            state=SlaClock.State.MET,
        )
        for n in range(days * per_day)
    ]
    SlaClock.objects.bulk_create(finished)
    stopping = [City(pk=100_000 + n) for n in range(60)]
    for subject in stopping:
        sla_clock_start(subject=subject, step=policy.step, city=city, now=now - dt.timedelta(days=days))
    waits, errors = [], []

    def rebuild():
        try:
            sla_rollup_rebuild()
        except Exception as error:  # pragma: no cover — reported below
            errors.append(error)
        finally:
            connection.close()

    rebuilding = threading.Thread(target=rebuild)
    started = time.monotonic()
    rebuilding.start()
    rng = random.Random(1)
    for subject in stopping:  # on days the rebuild has done, is doing and has still to do
        sla_clock_stop(subject=subject, step=policy.step, now=now - dt.timedelta(days=rng.randrange(days)))
        began = time.monotonic()
        sla_rollup_fold()
        waits.append(time.monotonic() - began)
        if not rebuilding.is_alive():
            break
    rebuilding.join(60)
    whole = time.monotonic() - started
    assert not errors
    for subject in stopping:  # and after it
        sla_clock_stop(subject=subject, step=policy.step, now=now - dt.timedelta(days=rng.randrange(days)))
    during = len(waits)
    assert during >= 5, "the rebuild was over before the stops: make it longer"
    sla_rollup_fold()
    counted = rollup()
    assert sum(counted[0].values()) == days * per_day + len(stopping)  # each once
    assert sla_rollup_rebuild() == days * per_day + len(stopping)
    assert rollup() == counted
    assert max(waits) < whole / 4  # a fold waits for one day's rebuild, not for the whole


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beats_fold_on_a_real_worker_counts_the_stopped_clocks(celery_worker_process, city, settings):
    from sla.tasks import sla_rollup_fold_task
    from tests.processes import wait_for

    assert settings.CELERY_BEAT_SCHEDULE["sla-rollup-fold"]["task"] == sla_rollup_fold_task.name
    SlaPolicy.objects.create(step="order.acceptance", limit=4 * H, time_basis="calendar")
    started = timezone.now() - 3 * H
    for subject in (city, City(pk=999)):
        sla_clock_start(subject=subject, step="order.acceptance", city=city, now=started)
        sla_clock_stop(subject=subject, step="order.acceptance", now=started + H)
    assert rollup() == (Counter(), Counter())
    sla_rollup_fold_task.delay()
    wait_for(lambda: sum(rollup()[0].values()) == 2, timeout=20)
    assert not SlaClock.objects.filter(uncounted=True).exists()
