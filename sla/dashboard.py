"""What supervisors watch: at risk now, breached, compliance, trend, bottlenecks and monthly volumes.

Every figure is computed in the database over the clocks in the user's scope (a city supervisor their
city, a provincial supervisor every city), for a chosen period of finished clocks.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from keyaccounts.core.access import scope_to_city

from .models import QualityLevel, QualityMeasurement, QualityViolation, SlaClock

MET, BREACHED = SlaClock.State.MET, SlaClock.State.BREACHED


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


def scoped_clocks(user, *, city_id: int | None = None) -> QuerySet[SlaClock]:
    clocks = scope_to_city(SlaClock.objects.all(), user)
    return clocks.filter(city_id=city_id) if city_id else clocks


def finished_in(clocks: QuerySet[SlaClock], period: Period) -> QuerySet[SlaClock]:
    start, end = period.bounds
    return clocks.filter(stopped_at__gte=start, stopped_at__lt=end, state__in=[MET, BREACHED])


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


def compliance_by(finished: QuerySet[SlaClock], field: str, label: str | None = None) -> list[dict]:
    """Met, breached and the compliance rate per value of `field` (e.g. step or city)."""
    names = [field, label] if label else [field]
    rows = finished.values(*names).annotate(met=Count("pk", filter=Q(state=MET)), total=Count("pk")).order_by(field)
    return [
        {
            "key": row[label or field],
            "met": row["met"],
            "breached": row["total"] - row["met"],
            "rate": _rate(row["met"], row["total"]),
        }
        for row in rows
    ]


def weekly_trend(finished: QuerySet[SlaClock]) -> list[dict]:
    rows = (
        finished.annotate(week=TruncWeek("stopped_at"))
        .values("week")
        .annotate(met=Count("pk", filter=Q(state=MET)), total=Count("pk"))
        .order_by("week")
    )
    return [
        {"week": row["week"].date(), "rate": _rate(row["met"], row["total"]), "total": row["total"]} for row in rows
    ]


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate, e.g. the median (0.5) of a duration."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def bottlenecks(finished: QuerySet[SlaClock]) -> list[dict]:
    """The slowest steps: median and 90th percentile of how long each took, slowest median first."""
    took = ExpressionWrapper(F("stopped_at") - F("started_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        rows = list(
            finished.values("step").annotate(
                count=Count("pk"), median=PercentileCont(took, 0.5), p90=PercentileCont(took, 0.9)
            )
        )
    else:  # the embedded SQLite default has no percentile aggregate
        by_step: dict[str, list[timedelta]] = {}
        for step, duration in finished.annotate(took=took).values_list("step", "took"):
            by_step.setdefault(step, []).append(duration)
        rows = [
            {
                "step": step,
                "count": len(values),
                "median": statistics.median(values),
                "p90": sorted(values)[min(len(values) - 1, int(len(values) * 0.9))],
            }
            for step, values in by_step.items()
        ]
    return sorted(rows, key=lambda row: row["median"], reverse=True)


def monthly_volumes(user, period: Period) -> list[dict]:
    """The seeds' headline figures per month: opportunities, end-to-end orders and work orders."""
    from opportunities.access import visible_opportunities
    from orders.access import visible_orders
    from provisioning.models import WorkOrder

    start, end = period.bounds
    counts: dict[date, dict] = {}

    def add(queryset, field: str, name: str) -> None:
        rows = (
            queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
            .annotate(month=TruncMonth(field))
            .values("month")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            counts.setdefault(row["month"].date(), {"opportunities": 0, "orders": 0, "work_orders": 0})[name] = row["n"]

    add(visible_opportunities(user), "created_at", "opportunities")
    orders = visible_orders(user)
    add(orders.exclude(submitted_at=None), "submitted_at", "orders")
    add(WorkOrder.objects.filter(order_item__order__in=orders), "created_at", "work_orders")
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
        measurements.values("service__product__code", "service__product__name_en")
        .annotate(
            total=Count("pk"),
            warned=Count("pk", filter=Q(level=QualityLevel.WARNING)),
            violated=Count("pk", filter=Q(level=QualityLevel.VIOLATED)),
        )
        .order_by("service__product__code")
    )
    return [
        {
            "key": row["service__product__name_en"],
            "measured": row["total"],
            "warned": row["warned"],
            "violated": row["violated"],
            "rate": _rate(row["total"] - row["violated"], row["total"]),
        }
        for row in rows
    ]
