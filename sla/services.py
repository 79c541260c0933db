"""SLA clocks: started, paused, resumed and stopped explicitly by the sub-processes' services.

A clock copies its policy's promise when it starts (limit, basis, calendar, warnings), so a later policy
change applies to new clocks only. Deadlines are rows: nothing here depends on the broker.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from keyaccounts.core import registry
from keyaccounts.core.fastpath import lock_tables

from . import histogram
from .calendar import WorkingCalendar
from .models import (
    SlaClock,
    SlaDayCount,
    SlaDayDuration,
    SlaPolicy,
    TimeBasis,
)
from .selectors import (
    active_policies,
    calendar_for_step,
    calendar_read,
    clock_routes,
    customer_calendar_id,
    customer_contracts,
)


def _clock_moved(clock: "SlaClock") -> None:
    """Tell those who sort by the clock (the inbox) that it paused or resumed outside a step."""
    for moved in registry.hooks.clock_moved:
        moved(clock)


def sla_policy_for(*, step: str, level: str = "", product=None) -> SlaPolicy | None:
    """The most specific active policy: level and product, then level, then product, then the step's default."""
    return _most_specific(_policies(step=step, level=level, product=product), level)


def _most_specific(candidates, level: str) -> SlaPolicy | None:
    return min(candidates, key=lambda p: (p.customer_level != level, p.product_id is None), default=None)


class _Reads:
    """The configuration a batch of starting clocks reads (policies, routes, calendars), each piece read once for
    the batch: a cache round trip per piece, not one per clock. Without a batch, each read goes to the cache."""

    def __init__(self, customers: tuple = ()):
        self._kept: dict = {}
        self._contracts = customer_contracts(customers) if customers else None

    def _once(self, key, read):
        if key not in self._kept:
            self._kept[key] = read()
        return self._kept[key]

    def routes(self) -> dict:
        return self._once("routes", clock_routes)

    def policies(self, step: str) -> list[SlaPolicy]:
        return self._once(("policies", step), lambda: active_policies(step))

    def calendar(self, **lookup):
        return self._once(("calendar", *lookup.items()), lambda: calendar_read(**lookup))

    def customer_calendar(self, customer_pk: int, step: str) -> int | None:
        if self._contracts is not None and customer_pk in self._contracts:
            return calendar_for_step(self._contracts[customer_pk], step)
        return customer_calendar_id(customer_pk, step)


def _policies(
    *, step: str, level: str, product, city=None, customer=None, reads: _Reads | None = None
) -> list[SlaPolicy]:
    """The step's active policies that may apply (the level's or any level's, the product's or any product's),
    each with what a clock of it gets in the city for the customer: `clock_calendar`, the calendar the clock
    names (the policy's own, else the customer's, else the city's; None: the default), `runs_on`, the calendar
    it counts by (that one, or the default), and `team_id`, the team of the policy's kind serving the city (the
    city's own, else the provincial one). Read from the cache: configuration, not a query per clock."""
    city, customer, product = _pk(city), _pk(customer), _pk(product)
    reads = reads or _Reads()
    routes = reads.routes()
    named = (reads.customer_calendar(customer, step) if customer is not None else None) or routes["city_calendars"].get(
        city
    )
    default, _working = reads.calendar(code=settings.SLA_DEFAULT_CALENDAR)
    chosen = []
    for policy in reads.policies(step):
        if policy.customer_level not in (level, "") or policy.product_id not in (product, None):
            continue
        policy.clock_calendar = policy.calendar_id or named
        policy.runs_on = policy.clock_calendar or (default.pk if default else None)
        teams = routes["teams"]
        policy.team_id = teams.get((policy.team_kind, city)) if city is not None else None
        policy.team_id = policy.team_id or teams.get((policy.team_kind, None))
        chosen.append(policy)
    return chosen


def _calendar_of(clock: SlaClock, cache: dict | None = None) -> WorkingCalendar | None:
    """The clock's working calendar (its own, else the default); `cache` shares the reads over many clocks."""
    if clock.time_basis != TimeBasis.WORKING:
        return None
    cache = {} if cache is None else cache
    if clock.calendar_id not in cache:
        lookup = {"pk": clock.calendar_id} if clock.calendar_id else {"code": settings.SLA_DEFAULT_CALENDAR}
        calendar, working = calendar_read(**lookup)
        cache[clock.calendar_id] = working
        if calendar:  # the default calendar is named by its pk on some clocks, left out on others: read it once
            cache[calendar.pk] = working
            if calendar.code == settings.SLA_DEFAULT_CALENDAR:
                cache[None] = working
    return cache[clock.calendar_id]


def _add(calendar: WorkingCalendar | None, start: datetime, duration: timedelta) -> datetime:
    return calendar.add_working_time(start, duration) if calendar else start + duration


def _between(calendar: WorkingCalendar | None, start: datetime, end: datetime) -> timedelta:
    return calendar.working_time_between(start, end) if calendar else max(end - start, timedelta(0))


def _subject_filter(subject: models.Model) -> dict:
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": subject.pk}


def _pk(value):
    """A model's pk, or the pk given as it is: the flows pass ids they hold rather than read the rows."""
    return getattr(value, "pk", value)


def sla_clock_start(
    *, subject, step: str, level: str = "", product=None, city=None, customer=None, account_manager=None, now=None
) -> SlaClock | None:
    """Start the step's clock (idempotent: a running one is returned as it is). No policy, no clock."""
    running = SlaClock.objects.filter(**_subject_filter(subject), step=step, stopped_at__isnull=True).first()
    if running is not None:
        return running
    return _start(
        subject=subject,
        step=step,
        level=level,
        product=product,
        city=city,
        customer=customer,
        account_manager=account_manager,
        now=now or timezone.now(),
    )


def _start(
    *, subject, step: str, level: str, product, city, customer, account_manager, now, save: bool = True, reads=None
) -> SlaClock | None:
    """A new clock for a step known not to have a running one. `city`, `customer`, `account_manager`: models
    or their pks; `reads`: the configuration read for a batch of clocks."""
    reads = reads or _Reads()
    policy = _most_specific(
        _policies(step=step, level=level, product=product, city=city, customer=customer, reads=reads), level
    )
    if policy is None:
        return None
    clock = SlaClock(
        **_subject_filter(subject),
        step=step,
        policy=policy,
        limit=policy.limit,
        time_basis=policy.time_basis,
        calendar_id=policy.clock_calendar,
        warn_at_percent=policy.warn_at_percent,
        warn_again_at_percent=policy.warn_again_at_percent,
        city_id=_pk(city),
        product=product,
        team_id=policy.team_id,
        account_manager_id=_pk(account_manager),
        started_at=now,
        running_since=now,
    )
    # The calendar chosen with the policy schedules the clock (with its time zone and windows, from the cache).
    working = None
    if policy.runs_on and clock.time_basis == TimeBasis.WORKING:
        working = reads.calendar(pk=policy.runs_on)[1]
    _schedule(clock, now, {clock.calendar_id: working})
    if save:
        clock.save()
    return clock


def sla_clocks_start_many(*, starts: list[dict], now=None) -> list[SlaClock | None]:
    """`sla_clock_start` for many new subjects known to have no running clock (e.g. an incident's tickets),
    saved in one statement; each entry holds the keyword arguments of one start. No policy: None in its place."""
    now = now or timezone.now()
    reads = _Reads(customers=tuple({_pk(start.get("customer")) for start in starts} - {None}))
    clocks = [
        _start(
            subject=start["subject"],
            step=start["step"],
            level=start.get("level", ""),
            product=start.get("product"),
            city=start.get("city"),
            customer=start.get("customer"),
            account_manager=start.get("account_manager"),
            now=now,
            save=False,
            reads=reads,
        )
        for start in starts
    ]
    SlaClock.objects.bulk_create([clock for clock in clocks if clock is not None], batch_size=1000)
    return clocks


def sla_clocks_stop_many(*, model, subject_ids: list[int], steps: list[str], now=None) -> int:
    """`sla_clock_stop` of the `steps` of many subjects of one model at once; returns how many stopped."""
    clocks = list(
        SlaClock.objects.select_for_update().filter(
            subject_type=ContentType.objects.get_for_model(model),
            subject_id__in=subject_ids,
            step__in=steps,
            stopped_at=None,
        )
    )
    _stop_open(None, now or timezone.now(), clocks=clocks)
    return len(clocks)


def _schedule(clock: SlaClock, now: datetime, calendars: dict | None = None) -> None:
    """Due and warning moments from `now`, for what is left of the limit."""
    calendar = _calendar_of(clock, calendars)

    def moment(share: float) -> datetime:
        return _add(calendar, now, max(clock.limit * share - clock.consumed, timedelta(0)))

    clock.due_at = moment(1)
    clock.warn_at = moment(clock.warn_at_percent / 100)
    clock.warn_again_at = moment(clock.warn_again_at_percent / 100)


def _open_clock(subject, step: str) -> SlaClock | None:
    return (
        SlaClock.objects.select_for_update()
        .filter(**_subject_filter(subject), step=step, stopped_at__isnull=True)
        .first()
    )


@transaction.atomic
def sla_clock_pause(*, subject, step: str, now=None, reason: str = "", capped: bool = False) -> SlaClock | None:
    """Waiting for the customer or for information: the time used so far is kept, the clock stands still.
    `capped`: a pause on the customer's side, which its policy's cap limits (`pause_cap_at`)."""
    now = now or timezone.now()
    clock = _open_clock(subject, step)
    if clock is None or clock.state != SlaClock.State.RUNNING:
        return clock
    _pause(clock, now, reason=reason, capped=capped)
    clock.save(update_fields=_PAUSE_FIELDS)
    _clock_moved(clock)
    return clock


_PAUSE_FIELDS = ["consumed", "paused_at", "running_since", "state", "pause_reason", "pause_cap_at"]
_RESUME_FIELDS = [
    "due_at",
    "warn_at",
    "warn_again_at",
    "paused_at",
    "running_since",
    "state",
    "paused_before",
    "pause_reason",
    "pause_cap_at",
    "pause_cap_told_at",
    "pause_ended_at",
]


def _pause(clock: SlaClock, now: datetime, *, reason: str, capped: bool, calendars: dict | None = None) -> None:
    calendar = _calendar_of(clock, calendars)
    clock.consumed += _between(calendar, clock.running_since, now)
    clock.paused_at, clock.running_since, clock.state = now, None, SlaClock.State.PAUSED
    clock.pause_reason = reason[:200]
    clock.pause_cap_at = None
    cap = clock.policy.pause_cap_percent if capped else None
    if cap is not None:  # what is left of the share of the limit that pauses may take, counted from now
        clock.pause_cap_at = _add(calendar, now, max(clock.limit * cap / 100 - clock.paused_before, timedelta(0)))


def _resume(clock: SlaClock, now: datetime, calendars: dict | None = None) -> None:
    """Running again from `now`; the pause is kept in `paused_before` (a demo's resume back in time adds none)."""
    if clock.paused_at and now > clock.paused_at:
        clock.paused_before += _between(_calendar_of(clock, calendars), clock.paused_at, now)
    _schedule(clock, now, calendars)
    clock.paused_at, clock.running_since, clock.state = None, now, SlaClock.State.RUNNING
    clock.pause_reason, clock.pause_cap_at, clock.pause_cap_told_at, clock.pause_ended_at = "", None, None, None


def sla_clock_resume_locked(clock: SlaClock, *, now: datetime, calendars: dict | None = None) -> None:
    """A paused clock the caller holds locked, running again from `now` (saved, the inbox told)."""
    _resume(clock, now, calendars)
    clock.save(update_fields=_RESUME_FIELDS)
    _clock_moved(clock)


@transaction.atomic
def sla_clock_resume(*, subject, step: str, now=None) -> SlaClock | None:
    """Running again: the due time moves by the pause (what was left is counted from now)."""
    now = now or timezone.now()
    clock = _open_clock(subject, step)
    if clock is None or clock.state != SlaClock.State.PAUSED:
        return clock
    sla_clock_resume_locked(clock, now=now)
    return clock


def _open_clocks(subject, steps=None):
    clocks = SlaClock.objects.select_for_update().filter(**_subject_filter(subject), stopped_at=None)
    return clocks.filter(step__in=steps) if steps is not None else clocks


@transaction.atomic
def sla_clocks_pause(*, subject, reason: str, capped: bool = True, steps=None, now=None) -> list[SlaClock]:
    """Every running clock of the subject (of `steps` only, when given) paused for `reason`; by default a pause
    on the customer's side, capped by each clock's policy. Returns those it paused."""
    now = now or timezone.now()
    paused = []
    for clock in _open_clocks(subject, steps).filter(state=SlaClock.State.RUNNING).select_related("policy"):
        _pause(clock, now, reason=reason, capped=capped)
        clock.save(update_fields=_PAUSE_FIELDS)
        _clock_moved(clock)
        paused.append(clock)
    return paused


@transaction.atomic
def sla_clocks_resume(*, subject, steps=None, now=None) -> list[SlaClock]:
    """Every paused clock of the subject (of `steps` only, when given) running again. Returns those it resumed."""
    now = now or timezone.now()
    resumed = []
    for clock in _open_clocks(subject, steps).filter(state=SlaClock.State.PAUSED):
        sla_clock_resume_locked(clock, now=now)
        resumed.append(clock)
    return resumed


@transaction.atomic
def sla_pause_end(*, subject, steps=None, now=None) -> int:
    """A supervisor ends the subject's pauses (of `steps` only, when given): marked now, resumed by the next sweep
    from this moment (the sweep owns the resumption, whoever asked). Returns how many clocks it marked."""
    now = now or timezone.now()
    return (
        _open_clocks(subject, steps).filter(state=SlaClock.State.PAUSED, pause_ended_at=None).update(pause_ended_at=now)
    )


@transaction.atomic
def sla_clock_carry(
    *,
    subject,
    from_step: str,
    to_step: str,
    level: str = "",
    product=None,
    city=None,
    customer=None,
    account_manager=None,
    now=None,
) -> SlaClock | None:
    """The open clock of `from_step` replaced by one of `to_step` (a fault's level changed): the new limit, the
    time used and paused so far kept, paused still if it was. No open clock to carry: the new one counts from
    the subject's report, as `sla_clock_start(now=...)` would. Returns the new clock (None: no policy)."""
    now = now or timezone.now()
    old = _open_clock(subject, from_step)
    clock = _start(
        subject=subject,
        step=to_step,
        level=level,
        product=product,
        city=city,
        customer=customer,
        account_manager=account_manager,
        now=old.started_at if old is not None else now,
    )
    if old is None or clock is None:
        return clock
    clock.consumed, clock.paused_before = sla_status(old, now=now).running_time, old.paused_before
    was_paused = old.state == SlaClock.State.PAUSED
    _stop_open(subject, now, clocks=[old])  # sets its final state
    if was_paused:  # the pause goes on, on the new clock, under the new cap
        clock.paused_at, clock.running_since, clock.state = old.paused_at, None, SlaClock.State.PAUSED
        clock.pause_reason, clock.pause_ended_at = old.pause_reason, old.pause_ended_at
        clock.pause_cap_told_at = old.pause_cap_told_at
        cap = clock.policy.pause_cap_percent if old.pause_cap_at is not None else None
        if cap is not None:
            allowed = max(clock.limit * cap / 100 - clock.paused_before, timedelta(0))
            clock.pause_cap_at = _add(_calendar_of(clock), old.paused_at, allowed)
    else:
        clock.running_since = now
    _schedule(clock, now)
    clock.save()
    _clock_moved(clock)
    return clock


@transaction.atomic
def sla_clock_stop(*, subject, step: str, now=None) -> SlaClock | None:
    """The step is done: met if it finished by the due time, breached otherwise."""
    stopped = _stop_open(subject, now or timezone.now(), steps=[step])
    return stopped[0] if stopped else None


def _stop_open(subject, now: datetime, *, steps=None, clocks: list[SlaClock] | None = None) -> list[SlaClock]:
    """Stop the subject's open clocks (of `steps` only, when given), each left for the next fold to count;
    returns them as stopped: breached if it ran past its due time (or was breached already), met otherwise.
    `clocks`: the open clocks to stop, when the caller has read them locked."""
    if clocks is None:
        open_clocks = SlaClock.objects.select_for_update().filter(**_subject_filter(subject), stopped_at=None)
        if steps is not None:
            open_clocks = open_clocks.filter(step__in=steps)
        clocks = list(open_clocks)
    if not clocks:
        return []
    breached = SlaClock.State.BREACHED
    for clock in clocks:  # locked: their state and due time are as read
        late = clock.state == breached or (clock.state == SlaClock.State.RUNNING and clock.due_at < now)
        clock.state = breached if late else SlaClock.State.MET
        clock.stopped_at, clock.uncounted = now, True
    SlaClock.objects.filter(pk__in=[clock.pk for clock in clocks]).update(
        stopped_at=now,
        uncounted=True,
        state=Case(
            When(pk__in=[clock.pk for clock in clocks if clock.state == breached], then=Value(breached)),
            default=Value(SlaClock.State.MET),
        ),
    )
    return sorted(clocks, key=lambda clock: clock.step)  # the same order however the database returned them


def _stop_all(subject, now: datetime) -> None:
    """Stop every open clock of the subject as `_stop_open` does, in the one statement that locks them: the
    state each ends in is decided from the row as locked (breached if it was, or ran past its due time)."""
    breached, running = SlaClock.State.BREACHED, SlaClock.State.RUNNING
    SlaClock.objects.filter(**_subject_filter(subject), stopped_at=None).update(
        stopped_at=now,
        uncounted=True,
        state=Case(
            When(models.Q(state=breached) | models.Q(state=running, due_at__lt=now), then=Value(breached)),
            default=Value(SlaClock.State.MET),
        ),
    )


def sla_clocks_follow(
    *,
    subject,
    open_steps: set[str],
    level="",
    product=None,
    city=None,
    customer=None,
    account_manager=None,
    now=None,
) -> dict[str, SlaClock]:
    """Make the subject's clocks match the steps that are open now: start the new, stop the finished.
    Returns the open clocks by step. Call it inside the step's transaction: the open clocks are locked as they
    are read or stopped (a sweep skips them meanwhile). `city`, `customer`,
    `account_manager`: models or their pks; `level` and `product` may be callables, asked only when a clock
    starts."""
    now = now or timezone.now()
    if not open_steps:  # the last step is done: every open clock stops, none needs reading first
        _stop_all(subject, now)
        return {}
    running = {
        clock.step: clock
        for clock in SlaClock.objects.select_for_update().filter(**_subject_filter(subject), stopped_at=None)
    }
    finished = running.keys() - open_steps
    if finished:
        _stop_open(subject, now, clocks=[running[step] for step in finished])
        running = {step: clock for step, clock in running.items() if step in open_steps}
    starting = sorted(open_steps - running.keys())
    if starting:
        if callable(product):  # worked out only when a clock starts
            product = product()
        if callable(level):
            level = level()
        reads = _Reads()
        for step in starting:
            clock = _start(
                subject=subject,
                step=step,
                level=level,
                product=product,
                city=city,
                customer=customer,
                account_manager=account_manager,
                now=now,
                save=False,
                reads=reads,
            )
            if clock is not None:
                running[step] = clock
        SlaClock.objects.bulk_create([running[step] for step in starting if step in running])
    return running


_COUNT_KEY = ["day", "step", "city_id", "product_id", "team_id", "account_manager_id"]
_TALLIED = ["step", "city_id", "product_id", "team_id", "account_manager_id", "started_at", "stopped_at", "state"]


def _day_of(moment: datetime):
    # The dashboards' periods are days in the project's time zone.
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


@dataclass
class _Tally:
    """Finished clocks added up as the rollup keeps them: met and breached by `_COUNT_KEY`, and how many fell
    in each duration bucket by (day, step, city, all cities) — in the city's row and the province's."""

    counts: dict[tuple, list[int]] = field(default_factory=dict)
    durations: dict[tuple, dict[int, int]] = field(default_factory=dict)

    def add(self, step, city_id, product_id, team_id, manager_id, started_at, stopped_at, state) -> None:
        day = _day_of(stopped_at)
        tally = self.counts.setdefault((day, step, city_id, product_id, team_id, manager_id), [0, 0])
        tally[state != SlaClock.State.MET] += 1
        bucket = histogram.bucket_of(stopped_at - started_at)
        for key in ((day, step, city_id, False), (day, step, None, True)):
            buckets = self.durations.setdefault(key, {})
            buckets[bucket] = buckets.get(bucket, 0) + 1

    def total(self) -> int:
        return sum(sum(tally) for tally in self.counts.values())


def _lock_rollup(*tables) -> None:
    """One fold or one day's rebuild at a time, while the dashboards go on reading."""
    lock_tables(*tables, mode="EXCLUSIVE")


def sla_rollup_fold(*, batch: int = 500, at_most: int | None = None) -> int:
    """Add the clocks stopped since the last fold to their days' counts and durations; returns how many.

    A stop only marks its clock `uncounted`, so no step waits for the rollup's rows: every city's stops of a
    step on a day would otherwise take the province's row in turn, and wait out a day's rebuild. The beat folds
    every few seconds, and the dashboards fold before they read, so they show every stop committed. Folds and
    rebuilds take the rollup tables' lock first: the clocks a fold marks are the ones it adds, each once.
    `batch`: clocks a transaction (their ids are a parameter each, within SQLite's 999); `at_most`: stop once
    that many are folded (a page does not wait for a backlog left by a stopped worker)."""
    folded = 0
    while (at_most is None or folded < at_most) and SlaClock.objects.filter(uncounted=True).exists():
        with transaction.atomic():
            _lock_rollup(SlaDayCount, SlaDayDuration)
            rows = list(SlaClock.objects.filter(uncounted=True).order_by("pk").values_list("pk", *_TALLIED)[:batch])
            SlaClock.objects.filter(pk__in=[row[0] for row in rows]).update(uncounted=False)
            tally = _Tally()
            for row in rows:
                tally.add(*row[1:])
            _add_counts(tally.counts)
            _add_durations(tally.durations)
        folded += len(rows)
    return folded


def _add_counts(counts: dict[tuple, list[int]]) -> None:
    """Each key's met and breached added to its row (an UPDATE a key, matching the keys that are NULL), the rows
    a day has not had yet created together."""
    missing = []
    for key, (met, breached) in counts.items():
        values = dict(zip(_COUNT_KEY, key, strict=True))
        # `field=None` filters `IS NULL`, which `=` never matches.
        if not SlaDayCount.objects.filter(**values).update(met=F("met") + met, breached=F("breached") + breached):
            missing.append(SlaDayCount(**values, met=met, breached=breached))
    SlaDayCount.objects.bulk_create(missing)


def _add_durations(durations: dict[tuple, dict[int, int]]) -> None:
    """Each key's buckets merged into its row (the first, should a key have several), in one read and one
    write; the rows a day has not had yet created together."""
    kept: dict[tuple, SlaDayDuration] = {}
    days, steps = {key[0] for key in durations}, {key[1] for key in durations}
    for row in SlaDayDuration.objects.filter(day__in=days, step__in=steps).order_by("pk"):
        kept.setdefault((row.day, row.step, None if row.all_cities else row.city_id, row.all_cities), row)
    changed, missing = [], []
    for key, buckets in durations.items():
        row = kept.get(key)
        if row is None:
            day, step, city_id, all_cities = key
            row = SlaDayDuration(day=day, step=step, city_id=city_id, all_cities=all_cities)
            missing.append(row)
        else:
            changed.append(row)
            for offset, n in enumerate(row.counts):
                buckets[row.first_bucket + offset] = buckets.get(row.first_bucket + offset, 0) + n
        row.first_bucket, row.counts = histogram.dense(buckets)
    SlaDayDuration.objects.bulk_update(changed, ["first_bucket", "counts"])
    SlaDayDuration.objects.bulk_create(missing)


def sla_rollup_rebuild(*, apps=None, batch: int = 10_000) -> int:
    """Recompute the day counts and durations from every counted clock, one day at a time; returns how many
    were counted. `apps`: a migration's app registry (the data migration builds the rollup of deployed clocks).

    Each day is rebuilt in a transaction of its own that takes the rollup tables' lock, so a fold waits for one
    day's rebuild at most, never for the whole; stops wait for neither. A clock stopped but not yet folded is
    left out, and the next fold adds it."""
    registry = apps or django_apps
    clocks, day_counts, day_durations = (
        registry.get_model("sla", name) for name in ("SlaClock", "SlaDayCount", "SlaDayDuration")
    )
    finished = clocks.objects.filter(
        stopped_at__isnull=False, state__in=[SlaClock.State.MET, SlaClock.State.BREACHED]
    ).order_by()
    if any(f.name == "uncounted" for f in clocks._meta.fields):  # the migration that brought the rollup: none is
        finished = finished.filter(uncounted=False)
    first, last = finished.aggregate(first=models.Min("stopped_at"), last=models.Max("stopped_at")).values()
    kept = day_counts.objects.aggregate(first=models.Min("day"), last=models.Max("day"))
    kept_durations = day_durations.objects.aggregate(first=models.Min("day"), last=models.Max("day"))
    # Every day from the first to the last that clocks or rollup rows have: a day whose clocks are gone is
    # emptied too. A day that starts having clocks only now has rows from its folds alone, which are right.
    days = [_day_of(m) for m in (first, last) if m] + [
        d for d in (kept["first"], kept["last"], kept_durations["first"], kept_durations["last"]) if d
    ]
    if not days:
        return 0
    day, counted = min(days), 0
    while day <= max(days):
        counted += _rollup_rebuild_day(day, finished, day_counts, day_durations, batch)
        day += timedelta(days=1)
    return counted


def _rollup_rebuild_day(day, finished, day_counts, day_durations, batch: int) -> int:
    zone = timezone.get_default_timezone()
    begins = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    ends = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    with transaction.atomic():
        _lock_rollup(day_counts, day_durations)
        day_counts.objects.filter(day=day).delete()
        day_durations.objects.filter(day=day).delete()
        tally = _Tally()
        for row in finished.filter(stopped_at__gte=begins, stopped_at__lt=ends).values_list(*_TALLIED).iterator(batch):
            tally.add(*row)
        day_counts.objects.bulk_create(
            [
                day_counts(**dict(zip(_COUNT_KEY, key, strict=True)), met=m, breached=b)
                for key, (m, b) in tally.counts.items()
            ],
            batch_size=batch,
        )
        ranges = []
        for (_day, step, city_id, all_cities), buckets in tally.durations.items():
            first, dense = histogram.dense(buckets)
            ranges.append(
                day_durations(
                    day=day, step=step, city_id=city_id, all_cities=all_cities, first_bucket=first, counts=dense
                )
            )
        day_durations.objects.bulk_create(ranges, batch_size=batch)
    return tally.total()


@dataclass
class SlaStatus:
    """What people see of a clock: time left (in its basis), share of the limit used, and the colour. Worked out
    when asked: a list of breached clocks shows their colour only, and their time used is a long walk."""

    clock: SlaClock
    now: datetime
    calendar: WorkingCalendar | None  # the clock's, when it runs on working time

    @cached_property
    def used(self) -> timedelta:
        clock, now = self.clock, self.now
        if clock.stopped_at:
            return clock.limit
        if clock.running_since and clock.running_since <= now and clock.consumed <= clock.limit:
            # Its due time is what was left of the limit counted from when it last ran (`_schedule`): the time
            # left is the working time from now to then, a short walk, not the time used since it started.
            due = clock.due_at
            left = _between(self.calendar, now, due) if now < due else -_between(self.calendar, due, now)
            return clock.limit - left
        running = _between(self.calendar, clock.running_since, now) if clock.running_since else timedelta(0)
        return clock.consumed + running

    def _calendar(self) -> WorkingCalendar | None:
        # A settled clock is shown without its calendar; its running and paused times need it (working time).
        return self.calendar if not self.clock.stopped_at else _calendar_of(self.clock)

    @cached_property
    def running_time(self) -> timedelta:
        """The time it ran (in its basis), pauses left out: until it stopped, or until now."""
        clock = self.clock
        if not clock.running_since:
            return clock.consumed
        end = clock.stopped_at or self.now
        return clock.consumed + _between(self._calendar(), clock.running_since, max(end, clock.running_since))

    @cached_property
    def paused_time(self) -> timedelta:
        """The time it stood paused (in its basis), shown apart from the running time."""
        clock = self.clock
        if not clock.paused_at:
            return clock.paused_before
        end = clock.stopped_at or self.now
        return clock.paused_before + _between(self._calendar(), clock.paused_at, max(end, clock.paused_at))

    @property
    def time_left(self) -> timedelta:
        return timedelta(0) if self.clock.stopped_at else self.clock.limit - self.used

    @property
    def used_percent(self) -> int:
        return int(self.used / self.clock.limit * 100) if self.clock.limit and not self.clock.stopped_at else 100

    @cached_property
    def level(self) -> str:
        """ok, warning, breached, paused or met."""
        clock = self.clock
        if clock.stopped_at:
            return "breached" if clock.state == SlaClock.State.BREACHED else "met"
        if clock.state == SlaClock.State.PAUSED:
            return "paused"
        if self.now >= clock.due_at:
            return "breached"
        return "warning" if self.used_percent >= clock.warn_at_percent else "ok"


def sla_status(clock: SlaClock, *, now=None, calendars: dict | None = None) -> SlaStatus:
    """What people see of one clock; pass the same `calendars` dict when showing many."""
    calendar = None if clock.stopped_at else _calendar_of(clock, calendars)  # a settled clock needs none
    return SlaStatus(clock, now or timezone.now(), calendar)


def sla_statuses_for(*subjects, now=None) -> list[SlaStatus]:
    """The subjects' clocks in one read (None among them: no subject), in the order the subjects are given and
    each subject's by their start."""
    subjects = [subject for subject in subjects if subject is not None]
    if not subjects:
        return []
    rank = {(ContentType.objects.get_for_model(s).pk, s.pk): n for n, s in enumerate(subjects)}
    either = models.Q()
    for subject in subjects:
        either |= models.Q(**_subject_filter(subject))
    clocks = sorted(
        SlaClock.objects.filter(either), key=lambda c: (rank[c.subject_type_id, c.subject_id], c.started_at, c.pk)
    )
    calendars: dict = {}
    return [sla_status(clock, now=now, calendars=calendars) for clock in clocks]
