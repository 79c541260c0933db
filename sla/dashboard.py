"""What supervisors watch: at risk now, breached, compliance, trend, bottlenecks and monthly volumes.

Every figure is computed in the database over what is in the user's scope (a city supervisor their city, a
provincial supervisor every city). At risk now reads the open clocks; the figures of a period of finished
clocks read their day counts and duration buckets (folded from the clocks as they stop), not the clocks
themselves.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from keyaccounts.core import registry
from keyaccounts.core.access import scope_to_city, sees_all_cities
from keyaccounts.core.models import User, in_reader_language

from . import histogram
from .models import QualityLevel, QualityMeasurement, QualityViolation, SlaClock, SlaDayCount, SlaDayDuration
from .services import sla_rollup_fold


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def last_days(cls, days: int = 30) -> "Period":
        today = timezone.localdate()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


def _scoped(queryset: QuerySet, user, city_id: int | None) -> QuerySet:
    rows = scope_to_city(queryset, user)
    return rows.filter(city_id=city_id) if city_id else rows


def scoped_clocks(user, *, city_id: int | None = None) -> QuerySet[SlaClock]:
    return _scoped(SlaClock.objects.all(), user, city_id)


@dataclass(frozen=True)
class Finished:
    """The clocks that finished (met or breached) in a period, in the user's scope, as their days count them."""

    counts: QuerySet[SlaDayCount]
    durations: QuerySet[SlaDayDuration]

    @property
    def total(self) -> int:
        sums = self.counts.aggregate(met=Sum("met"), breached=Sum("breached"))
        return (sums["met"] or 0) + (sums["breached"] or 0)


# Clocks a dashboard folds before it reads, at most: a backlog left by a stopped worker must not hold the page.
FOLD_AT_MOST = 5_000


def finished_in(user, period: Period, *, city_id: int | None = None) -> Finished:
    """The period's finished clocks, with every stop committed so far: the clocks stopped since the last fold
    are added to the rollup first (with none, one read; `FOLD_AT_MOST`)."""
    sla_rollup_fold(at_most=FOLD_AT_MOST)
    days = {"day__gte": period.start, "day__lte": period.end}
    durations = SlaDayDuration.objects.filter(**days)
    if sees_all_cities(user) and not city_id:  # the province's rows: one a day and step, not one per city
        durations = durations.filter(all_cities=True)
    else:
        durations = _scoped(durations.filter(all_cities=False), user, city_id)
    return Finished(counts=_scoped(SlaDayCount.objects.filter(**days), user, city_id), durations=durations)


def at_risk(clocks: QuerySet[SlaClock], *, now=None, limit: int = 50) -> QuerySet[SlaClock]:
    """Open clocks past their first warning, soonest due first (the breached ones lead)."""
    now = now or timezone.now()
    return (
        clocks.filter(stopped_at__isnull=True, warn_at__lte=now)
        .exclude(state=SlaClock.State.PAUSED)
        .select_related("city")
        .order_by("due_at")[:limit]
    )


def _rate(met: int, total: int) -> float | None:
    return round(met * 100 / total, 1) if total else None


@dataclass(frozen=True)
class Naming:
    """How a table's rows are named: the fields read beside the grouped one, and the name made of them."""

    fields: tuple[str, ...]
    name: Callable[[dict], str]


def bilingual(prefix: str) -> Naming:
    """Reference data by its name in the reader's language (`city__name` reads `city__name_en`, `_zh`)."""
    en, zh = f"{prefix}_en", f"{prefix}_zh"
    return Naming((en, zh), lambda row: in_reader_language(row[en], row[zh]))


def person(prefix: str) -> Naming:
    """A person by their name (`account_manager` reads its username, first and last names)."""
    fields = (f"{prefix}__username", f"{prefix}__first_name", f"{prefix}__last_name")
    return Naming(fields, lambda row: User.shown_as(*(row[f] for f in fields)))


def compliance_by(finished: Finished, field: str, naming: Naming | None = None) -> list[dict]:
    """Met, breached and the compliance rate per value of `field` (e.g. step or city), named by `naming`."""
    names = [field, *naming.fields] if naming else [field]
    rows = finished.counts.values(*names).annotate(met_=Sum("met"), breached_=Sum("breached")).order_by(field)
    return [
        {
            "key": naming.name(row) if naming and row[field] is not None else row[field],
            "value": row[field],  # what the figure's drill-down filters by
            "met": row["met_"],
            "breached": row["breached_"],
            "rate": _rate(row["met_"], row["met_"] + row["breached_"]),
        }
        for row in rows
    ]


def compliance_by_step(finished: Finished) -> list[dict]:
    """`compliance_by` step, each row keyed by the step's name (`registry.step_name`), filtering by its code."""
    rows = compliance_by(finished, "step")
    for row in rows:
        row["key"] = registry.step_name(row["value"])
    return rows


def weekly_trend(finished: Finished) -> list[dict]:
    """Compliance per week (from Monday), folded from the days."""
    weeks: dict[date, list[int]] = {}
    for row in finished.counts.values("day").annotate(met_=Sum("met"), breached_=Sum("breached")):
        week = weeks.setdefault(row["day"] - timedelta(days=row["day"].weekday()), [0, 0])
        week[0] += row["met_"]
        week[1] += row["met_"] + row["breached_"]
    return [{"week": week, "rate": _rate(met, total), "total": total} for week, (met, total) in sorted(weeks.items())]


def bottlenecks(finished: Finished) -> list[dict]:
    """The slowest steps: median and 90th percentile of how long each took, slowest median first. Estimated
    from duration buckets: within 2.5 % plus a second of the exact figures (`sla.histogram`)."""
    by_step: dict[str, histogram.Sum] = {}
    for step, first, counts in finished.durations.values_list("step", "first_bucket", "counts"):
        by_step.setdefault(step, histogram.Sum()).add(first, counts)
    rows = []
    for step, summed in by_step.items():
        counts = summed.as_dict()
        median, p90 = histogram.percentile(counts, 0.5), histogram.percentile(counts, 0.9)
        rows.append(
            {
                "step": step,
                "name": registry.step_name(step),
                "count": sum(counts.values()),
                "median": median,
                "p90": p90,
            }
        )
    return sorted(rows, key=lambda row: row["median"], reverse=True)


def monthly_volumes(user, period: Period) -> list[dict]:
    """The seeds' headline figures per month, as the process apps register them (`registry.volumes`):
    opportunities, end-to-end orders and work orders."""
    start, end = period.bounds
    volumes = registry.volumes()
    counts: dict[date, dict] = {}
    for volume in volumes:
        rows = (
            volume.records(user)
            .filter(**{f"{volume.field}__gte": start, f"{volume.field}__lt": end})
            .annotate(month=TruncMonth(volume.field))
            .values("month")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            counts.setdefault(row["month"].date(), dict.fromkeys((v.name for v in volumes), 0))[volume.name] = row["n"]
    return [{"month": month, **values} for month, values in sorted(counts.items())]


# ---------------------------------------------------------------------------- network quality
CUSTOMER_CITY = "service__customer__city"


def open_violations(user, *, city_id: int | None = None, limit: int = 50) -> QuerySet[QualityViolation]:
    """Network quality targets missed now, in the user's scope (the customer's city), the longest first."""
    violations = scope_to_city(
        QualityViolation.objects.filter(state=QualityViolation.State.OPEN), user, field=CUSTOMER_CITY
    )
    if city_id:
        violations = violations.filter(service__customer__city_id=city_id)
    return violations.select_related("service__product", "service__customer__city", "work_order").order_by(
        "period_start"
    )[:limit]


def quality_by_product(user, period: Period, *, city_id: int | None = None) -> list[dict]:
    """Measured periods per product in the period: met, warned, violated, and the share that met its target."""
    start, end = period.bounds
    measurements = scope_to_city(
        QualityMeasurement.objects.filter(period_end__gte=start, period_end__lt=end), user, field=CUSTOMER_CITY
    )
    if city_id:
        measurements = measurements.filter(service__customer__city_id=city_id)
    rows = (
        measurements.values("service__product__code", "service__product__name_en", "service__product__name_zh")
        .annotate(
            total=Count("pk"),
            warned=Count("pk", filter=Q(level=QualityLevel.WARNING)),
            violated=Count("pk", filter=Q(level=QualityLevel.VIOLATED)),
        )
        .order_by("service__product__code")
    )
    return [
        {
            "key": in_reader_language(row["service__product__name_en"], row["service__product__name_zh"]),
            "measured": row["total"],
            "warned": row["warned"],
            "violated": row["violated"],
            "rate": _rate(row["total"] - row["violated"], row["total"]),
        }
        for row in rows
    ]


# ---------------------------------------------------------------------------- drill-down
# The drill-down's filters, as the clock's fields they name.
CLOCK_FILTERS = {
    "step": "step",
    "product": "product__code",
    "team": "team__code",
    "manager": "account_manager__username",
}


def finished_clocks(
    user, period: Period, *, city_id: int | None = None, state: str = "", **filters: str
) -> QuerySet[SlaClock]:
    """The finished clocks a figure counts: stopped on a day of the period, in the user's scope, narrowed by
    `state` (met, or breached: any other end, as the rollup counts it) and `CLOCK_FILTERS`. Latest first."""
    # The rollup's days are the project's time zone's (`sla.services._day_of`), whatever zone the page shows.
    zone = timezone.get_default_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    clocks = scoped_clocks(user, city_id=city_id).filter(stopped_at__gte=start, stopped_at__lt=end)
    clocks = clocks.filter(**{CLOCK_FILTERS[name]: value for name, value in filters.items() if value})
    if state == SlaClock.State.MET:
        clocks = clocks.filter(state=SlaClock.State.MET)
    elif state == SlaClock.State.BREACHED:
        clocks = clocks.exclude(state=SlaClock.State.MET)
    return clocks.order_by("-stopped_at", "-pk")
