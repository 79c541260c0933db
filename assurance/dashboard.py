"""The assurance section of the supervisors' dashboard: time to restore faults by level, product and city, the
restorations within their limit, the reopen rate, repeat faults, complaints per 100 running services and the
average satisfaction; each figure with the query of its tickets (`figure_tickets`, the one place that says which
tickets a figure counts).

Every figure is over the tickets in the user's scope (a city supervisor their city, a provincial supervisor every
city or the one chosen), in the dashboard's period of days.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from keyaccounts.catalogue.models import Service
from keyaccounts.core.access import scope_to_city
from keyaccounts.core.models import in_reader_language
from keyaccounts.core.templatetags.core_tags import hours_minutes
from sla.models import SlaClock

from .access import visible_tickets
from .models import SatisfactionSurvey, Severity, TroubleTicket

Status, Type = TroubleTicket.Status, TroubleTicket.Type
RESTORED = (Status.RESOLVED, Status.CLOSED)
# Three faults or more on one service in 30 days make it a repeat fault.
REPEAT_WINDOW, REPEAT_AT_LEAST = timedelta(days=30), 3


class Figure:
    RESTORED = "restored"
    RESTORED_LATE = "restored_late"
    CLOSED = "closed"
    REOPENED = "reopened"
    REPEAT = "repeat"
    COMPLAINTS = "complaints"
    SURVEYED = "surveyed"
    LOW_SCORE = "low_score"


FIGURE_TITLES = {
    Figure.RESTORED: _("Faults restored"),
    Figure.RESTORED_LATE: _("Faults restored after their limit"),
    Figure.CLOSED: _("Tickets closed"),
    Figure.REOPENED: _("Closed tickets that were reopened"),
    Figure.REPEAT: _("Faults of a service with repeat faults"),
    Figure.COMPLAINTS: _("Complaints reported"),
    Figure.SURVEYED: _("Tickets whose survey was answered"),
    Figure.LOW_SCORE: _("Tickets with a low satisfaction score"),
}


def scoped_tickets(user, *, city_id: int | None = None) -> QuerySet[TroubleTicket]:
    tickets = scope_to_city(visible_tickets(user), user)
    return tickets.filter(city_id=city_id) if city_id else tickets


def _late_restoration() -> Exists:
    """A restoration clock of the ticket breached its limit (any of them: a reopened fault is timed afresh)."""
    return Exists(
        SlaClock.objects.filter(
            subject_type=ContentType.objects.get_for_model(TroubleTicket),
            subject_id=OuterRef("pk"),
            step__startswith="assurance.fault_",
            breached_at__isnull=False,
        )
    )


def figure_tickets(
    user,
    figure: str,
    period,
    *,
    city_id: int | None = None,
    level: str = "",
    product: int | None = None,
    service: int | None = None,
) -> QuerySet[TroubleTicket]:
    """The tickets a figure counts, in the user's scope and the period (days in the project's time zone)."""
    start, end = period.bounds
    tickets = scoped_tickets(user, city_id=city_id)
    if figure in (Figure.RESTORED, Figure.RESTORED_LATE):
        tickets = tickets.filter(type=Type.FAULT, status__in=RESTORED, resolved_at__gte=start, resolved_at__lt=end)
        if figure == Figure.RESTORED_LATE:
            tickets = tickets.filter(_late_restoration())
    elif figure in (Figure.CLOSED, Figure.REOPENED):
        tickets = tickets.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
        if figure == Figure.REOPENED:
            tickets = tickets.filter(reopen_count__gt=0)
    elif figure == Figure.REPEAT:
        tickets = tickets.filter(type=Type.FAULT, created_at__gte=end - REPEAT_WINDOW, created_at__lt=end)
    elif figure == Figure.COMPLAINTS:
        tickets = tickets.exclude(type=Type.FAULT).filter(created_at__gte=start, created_at__lt=end)
    elif figure in (Figure.SURVEYED, Figure.LOW_SCORE):
        tickets = tickets.filter(survey__answered_at__gte=start, survey__answered_at__lt=end)
        if figure == Figure.LOW_SCORE:
            tickets = tickets.filter(survey__low_score=True)
    else:
        return tickets.none()
    if level:
        tickets = tickets.filter(severity=level)
    if product:
        tickets = tickets.filter(services__product_id=product)
    if service:
        tickets = tickets.filter(services=service)
    return tickets.distinct() if product or service else tickets


def _rate(part: int, total: int) -> float | None:
    return round(part * 100 / total, 1) if total else None


def _link(base: dict, figure: str, **filters) -> str:
    return urlencode({**base, "figure": figure, **{k: v for k, v in filters.items() if v}})


RESTORATION_BY = {  # table -> the grouped field, the fields that name a row, its name, the ticket list's filter
    "level": ("severity", (), lambda row: Severity(row["severity"]).label, "level"),
    "product": (
        "services__product",
        ("services__product__name_en", "services__product__name_zh"),
        lambda row: in_reader_language(row["services__product__name_en"], row["services__product__name_zh"]),
        "product",
    ),
    "city": (
        "city",
        ("city__name_en", "city__name_zh"),
        lambda row: in_reader_language(row["city__name_en"], row["city__name_zh"]),
        "city",
    ),
}


RESTORATION_TITLES = {
    "level": (_("Time to restore by fault level"), _("Level")),
    "product": (_("Time to restore by product"), _("Product")),
    "city": (_("Time to restore by city"), _("City")),
}


def restoration_by(restored: QuerySet, by: str, base: dict) -> list[dict]:
    """Per level, product or city: faults restored, the mean time from report to restoration, and how many were
    restored within their limit, each count with its tickets' link."""
    field, names, name, filter_name = RESTORATION_BY[by]
    took = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    rows = (
        restored.annotate(late=_late_restoration())
        .values(field, *names)
        .annotate(
            count=Count("pk", distinct=True),
            late_count=Count("pk", distinct=True, filter=Q(late=True)),
            average=Avg(took),
        )
        .order_by(field)
    )
    table = []
    for row in rows:
        if row[field] is None:  # a fault with no service named has no product
            continue
        within = row["count"] - row["late_count"]
        filters = {filter_name: row[field]}
        table.append(
            {
                "key": name(row),
                "count": row["count"],
                "average": row["average"],
                "within": within,
                "late": row["late_count"],
                "rate": _rate(within, row["count"]),
                "link": _link(base, Figure.RESTORED, **filters),
                "late_link": _link(base, Figure.RESTORED_LATE, **filters),
            }
        )
    return table


def repeat_faults(user, period, *, city_id: int | None, base: dict) -> list[dict]:
    """Services with three faults or more reported in the 30 days up to the period's end, the most first."""
    window = figure_tickets(user, Figure.REPEAT, period, city_id=city_id)
    counts = (
        window.filter(services__isnull=False)
        .values("services")
        .annotate(n=Count("pk", distinct=True))
        .filter(n__gte=REPEAT_AT_LEAST)
        .order_by("-n", "services")
    )
    counts = {row["services"]: row["n"] for row in counts}
    services = Service.objects.filter(pk__in=counts).select_related("product", "customer")
    return sorted(
        (
            {
                "service": s,
                "customer": s.customer.name,
                "count": counts[s.pk],
                "link": _link(base, Figure.REPEAT, service=s.pk),
            }
            for s in services
        ),
        key=lambda row: (-row["count"], row["service"].pk),
    )


def running_services(user, *, city_id: int | None) -> int:
    services = scope_to_city(Service.objects.filter(status=Service.Status.ACTIVE), user, field="customer__city")
    return (services.filter(customer__city_id=city_id) if city_id else services).count()


def assurance_section(user, period, city_id: int | None) -> dict:
    """Everything the section shows, each figure with its tickets' link (a query string of the ticket list)."""
    base = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if city_id:
        base["city"] = city_id
    restored = figure_tickets(user, Figure.RESTORED, period, city_id=city_id)
    closed = figure_tickets(user, Figure.CLOSED, period, city_id=city_id).count()
    reopened = figure_tickets(user, Figure.REOPENED, period, city_id=city_id).count()
    complaints = figure_tickets(user, Figure.COMPLAINTS, period, city_id=city_id).count()
    running = running_services(user, city_id=city_id)
    answered = SatisfactionSurvey.objects.filter(
        ticket__in=figure_tickets(user, Figure.SURVEYED, period, city_id=city_id)
    )
    satisfaction = answered.aggregate(
        average=Avg("average"), count=Count("pk"), low=Count("pk", filter=Q(low_score=True))
    )
    tables = {by: restoration_by(restored, by, base) for by in RESTORATION_BY}
    return {
        **{f"restoration_by_{by}": rows for by, rows in tables.items()},
        "restoration_tables": [
            {
                "name": f"restoration_by_{by}",
                "title": RESTORATION_TITLES[by][0],
                "first": RESTORATION_TITLES[by][1],
                "rows": rows,
            }
            for by, rows in tables.items()
        ],
        "repeat_faults": repeat_faults(user, period, city_id=city_id, base=base),
        "summary": [
            {
                "name": _("Reopen rate (%)"),
                "value": _rate(reopened, closed),
                "detail": _("%(reopened)s of %(closed)s closed tickets") % {"reopened": reopened, "closed": closed},
                "link": _link(base, Figure.REOPENED),
                "testid": "reopen-rate",
            },
            {
                "name": _("Complaints per 100 running services"),
                "value": round(complaints * 100 / running, 2) if running else None,
                "detail": _("%(complaints)s complaints, %(running)s running services")
                % {"complaints": complaints, "running": running},
                "link": _link(base, Figure.COMPLAINTS),
                "testid": "complaints-rate",
            },
            {
                "name": _("Average satisfaction (1–5)"),
                "value": round(float(satisfaction["average"]), 2) if satisfaction["average"] is not None else None,
                "detail": _("%(count)s surveys answered, %(low)s with a low score")
                % {"count": satisfaction["count"], "low": satisfaction["low"]},
                "link": _link(base, Figure.SURVEYED),
                "testid": "satisfaction",
            },
        ],
    }


def _restoration_export(by: str):
    def export(data: dict) -> tuple[str, list, list]:
        rows = data[f"restoration_by_{by}"]
        return (
            RESTORATION_TITLES[by][0],
            [
                RESTORATION_TITLES[by][1],
                _("Restored"),
                _("Mean time to restore"),
                _("Within the limit"),
                _("Compliance (%)"),
            ],
            [[r["key"], r["count"], hours_minutes(r["average"]), r["within"], r["rate"]] for r in rows],
        )

    return export


# The section's tables as the dashboard exports them (`registry.DashboardSection.exports`).
EXPORTS = {
    **{f"restoration_by_{by}": _restoration_export(by) for by in RESTORATION_BY},
    "summary": lambda data: (
        _("Reopening, complaints and satisfaction"),
        [_("Figure"), _("Value"), _("Detail")],
        [[row["name"], row["value"], row["detail"]] for row in data["summary"]],
    ),
    "repeat_faults": lambda data: (
        _("Repeat faults: three or more on one service in 30 days"),
        [_("Service"), _("Product"), _("Customer"), _("Faults")],
        [[r["service"].number, r["service"].product.name, r["customer"], r["count"]] for r in data["repeat_faults"]],
    ),
}
