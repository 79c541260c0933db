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
