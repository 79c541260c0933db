"""Reads of the SLA app: business calendars as the pure arithmetic of `sla.calendar` needs them."""

from collections import defaultdict
from datetime import datetime

from django.conf import settings

from keyaccounts.core import generations

from .calendar import WorkingCalendar
from .models import BusinessCalendar, Holiday, WorkingWindow


def working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """The calendar's windows, holidays and make-up days."""
    return calendar_read(pk=calendar.pk)[1]


def calendar_read(*, read_token: int | None = None, **lookup) -> tuple[BusinessCalendar | None, WorkingCalendar | None]:
    """The calendar `lookup` finds (`pk=` or `code=`) with its windows, holidays and make-up days: a page showing
    clocks on the default calendar knows it only by its code. Kept by each web worker until the configuration
    changes (every page with a running clock reads its calendar). Shared: not to be changed. `read_token`: the
    configuration's token, when the caller has just read it (`generations.kept`)."""
    ((key, value),) = lookup.items()
    return generations.kept(
        generations.Kind.CONFIGURATION, ("calendar", key, value), lambda: _read(key, value), read_token=read_token
    )


def _read(key: str, value) -> tuple[BusinessCalendar | None, WorkingCalendar | None]:
    """The calendar with its windows, holidays and make-up days."""
    calendar = BusinessCalendar.objects.filter(**{key: value}).first()
    if calendar is None:
        return None, None
    windows_by_day = defaultdict(list)
    for weekday, starts, ends in WorkingWindow.objects.filter(calendar=calendar).values_list(
        "weekday", "starts", "ends"
    ):
        windows_by_day[weekday].append((starts, ends))
    holidays, workdays = set(), {}
    for kind, date, workday_as in Holiday.objects.filter(calendar=calendar).values_list("kind", "date", "workday_as"):
        if kind == Holiday.Kind.HOLIDAY:
            holidays.add(date)
        else:
            workdays[date] = workday_as
    return calendar, WorkingCalendar(
        time_zone=calendar.time_zone,
        windows={weekday: tuple(sorted(spans)) for weekday, spans in windows_by_day.items()},
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


def next_working_moment(now: datetime, calendar: BusinessCalendar | None = None) -> datetime:
    """Now if it is working time under the calendar (None: the default one), else the next working window's
    start: when an e-mail may leave."""
    calendar = calendar or BusinessCalendar.objects.filter(code=settings.SLA_DEFAULT_CALENDAR).first()
    if calendar is None:
        return now
    working = working_calendar(calendar)
    return working.next_working_moment(now) if working.has_working_time else now
