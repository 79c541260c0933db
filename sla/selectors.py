"""Reads of the SLA app: business calendars as the pure arithmetic of `sla.calendar` needs them."""

from collections import defaultdict

from django.db.models import CharField, DateField, IntegerField, TimeField, Value
from django.db.models.functions import Cast

from .calendar import WorkingCalendar
from .models import BusinessCalendar, Holiday, WorkingWindow


def working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """The calendar's windows, holidays and make-up days, read in one query (every SLA clock that starts reads
    its calendar)."""
    return calendar_read(pk=calendar.pk)[1]


def calendar_read(**lookup) -> tuple[BusinessCalendar | None, WorkingCalendar | None]:
    """The calendar `lookup` finds (by pk or code) with its windows, holidays and make-up days, in one query: a
    page showing clocks on the default calendar knows it only by its code. A calendar's own row carries its time
    zone, a window's row has no date, an exception's no weekday."""
    text, number, time, day = CharField(), IntegerField(), TimeField(), DateField()

    def none(field):  # typed: two untyped NULLs in a column make it text for PostgreSQL's UNION
        return Cast(Value(None), field)

    wanted = {f"calendar__{key}": value for key, value in lookup.items()}
    header = BusinessCalendar.objects.filter(**lookup).order_by()
    header = header.values_list(
        "pk", "code", "time_zone", none(number), none(time), none(time), none(day), none(number)
    )
    windows = WorkingWindow.objects.filter(**wanted).order_by()
    windows = windows.values_list(
        "calendar_id", none(text), none(text), "weekday", "starts", "ends", none(day), none(number)
    )
    exceptions = Holiday.objects.filter(**wanted).order_by()
    exceptions = exceptions.values_list(
        "calendar_id", none(text), "kind", none(number), none(time), none(time), "date", "workday_as"
    )
    calendar, windows_by_day = None, defaultdict(list)
    holidays, workdays = set(), {}
    for pk, code, time_zone_or_kind, weekday, starts, ends, date, workday_as in header.union(
        windows, exceptions, all=True
    ):
        if code is not None:
            calendar = BusinessCalendar(pk=pk, code=code, time_zone=time_zone_or_kind)
        elif date is None:
            windows_by_day[weekday].append((starts, ends))
        elif time_zone_or_kind == Holiday.Kind.HOLIDAY:
            holidays.add(date)
        else:
            workdays[date] = workday_as
    if calendar is None:
        return None, None
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
