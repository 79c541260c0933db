"""Reads of the SLA app: business calendars as the pure arithmetic of `sla.calendar` needs them."""

from collections import defaultdict

from django.db.models import CharField, DateField, IntegerField, TimeField, Value

from .calendar import WorkingCalendar
from .models import BusinessCalendar, Holiday


def working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """The calendar's windows, holidays and make-up days, read in one query (every SLA clock that starts reads
    its calendar): a window's row has no date, an exception's no weekday."""
    none = {"weekday": IntegerField(), "time": TimeField(), "date": DateField(), "kind": CharField()}
    rows = calendar.windows.order_by().values_list(
        "weekday", "starts", "ends", Value(None, none["date"]), Value(None, none["kind"]), Value(None, none["weekday"])
    )
    exceptions = calendar.holidays.order_by().values_list(
        Value(None, none["weekday"]), Value(None, none["time"]), Value(None, none["time"]), "date", "kind", "workday_as"
    )
    windows: dict[int, list] = defaultdict(list)
    holidays, workdays = set(), {}
    for weekday, starts, ends, date, kind, workday_as in rows.union(exceptions, all=True):
        if date is None:
            windows[weekday].append((starts, ends))
        elif kind == Holiday.Kind.HOLIDAY:
            holidays.add(date)
        else:
            workdays[date] = workday_as
    return WorkingCalendar(
        time_zone=calendar.time_zone,
        windows={day: tuple(sorted(spans)) for day, spans in windows.items()},
        holidays=frozenset(holidays),
        workdays=workdays,
    )


def clocks_at_risk_for(user, *, limit: int = 15):
    """Open clocks in the user's scope, soonest due first (breached ones lead)."""
    from keyaccounts.core.access import scope_to_city

    from .models import SlaClock

    clocks = SlaClock.objects.filter(stopped_at__isnull=True).select_related("city").prefetch_related("subject")
    return scope_to_city(clocks, user).order_by("due_at")[:limit]


def open_quality_violations_of(customer):
    """The customer's services missing a network quality target now (the page's own scope check applies)."""
    from .models import QualityViolation

    return (
        QualityViolation.objects.filter(service__customer=customer, state=QualityViolation.State.OPEN)
        .select_related("service__product")
        .order_by("period_start")
    )
