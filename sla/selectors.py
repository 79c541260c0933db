"""Reads of the SLA app: business calendars as the pure arithmetic of `sla.calendar` needs them."""

from collections import defaultdict

from .calendar import WorkingCalendar
from .models import BusinessCalendar, Holiday


def working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """The calendar's windows, holidays and make-up days, read in two queries."""
    windows: dict[int, list] = defaultdict(list)
    for window in calendar.windows.all():
        windows[window.weekday].append((window.starts, window.ends))
    holidays, workdays = set(), {}
    for exception in calendar.holidays.all():
        if exception.kind == Holiday.Kind.HOLIDAY:
            holidays.add(exception.date)
        else:
            workdays[exception.date] = exception.workday_as
    return WorkingCalendar(
        time_zone=calendar.time_zone,
        windows={day: tuple(spans) for day, spans in windows.items()},
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
