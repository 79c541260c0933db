"""Reads of the SLA app: business calendars as the pure arithmetic of `sla.calendar` needs them."""

import functools
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import DateField, TimeField

from keyaccounts.core import generations
from keyaccounts.core.reads import sql_names

from .calendar import WorkingCalendar
from .models import BusinessCalendar, Holiday, WorkingWindow


def working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """The calendar's windows, holidays and make-up days, read in one query (every SLA clock that starts reads
    its calendar)."""
    return calendar_read(pk=calendar.pk)[1]


@functools.cache
def _calendar_sql(key: str) -> str:
    """The calendar found by `key` (its pk or code) and its windows and exceptions, one row each. Plain SQL: every
    page that shows a running clock reads its calendar, and the same UNION through the ORM took ten times the
    database's time to build. The NULLs are typed, or PostgreSQL's UNION takes their column for text."""
    c, w, h = sql_names(BusinessCalendar), sql_names(WorkingWindow), sql_names(Holiday)
    key_column = getattr(c, key)
    # Names from the models; the key's value is a parameter.
    nulls = "CAST(NULL AS integer), CAST(NULL AS time), CAST(NULL AS time), CAST(NULL AS date), CAST(NULL AS integer)"
    header = f"SELECT c.{c.pk}, c.{c.code}, c.{c.time_zone}, {nulls} FROM {c} c WHERE c.{key_column} = %s"  # noqa: S608
    windows = f"SELECT x.{w.calendar}, NULL, NULL, x.{w.weekday}, x.{w.starts}, x.{w.ends}, NULL, NULL FROM {w} x"  # noqa: S608
    exceptions = f"SELECT x.{h.calendar}, NULL, x.{h.kind}, NULL, NULL, NULL, x.{h.date}, x.{h.workday_as} FROM {h} x"  # noqa: S608
    return " UNION ALL ".join(
        [
            header,
            f"{windows} JOIN {c} c ON c.{c.pk} = x.{w.calendar} WHERE c.{key_column} = %s",
            f"{exceptions} JOIN {c} c ON c.{c.pk} = x.{h.calendar} WHERE c.{key_column} = %s",
        ]
    )


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
    """The calendar in one query. A calendar's own row carries its time zone, a window's row has no date, an
    exception's no weekday."""
    with connection.cursor() as cursor:
        cursor.execute(_calendar_sql(key), [value] * 3)
        rows = cursor.fetchall()
    as_time, as_date = TimeField().to_python, DateField().to_python  # SQLite answers with text
    calendar, windows_by_day = None, defaultdict(list)
    holidays, workdays = set(), {}
    for pk, code, time_zone_or_kind, weekday, starts, ends, date, workday_as in rows:
        if code is not None:
            calendar = BusinessCalendar(pk=pk, code=code, time_zone=time_zone_or_kind)
        elif date is None:
            windows_by_day[weekday].append((as_time(starts), as_time(ends)))
        elif time_zone_or_kind == Holiday.Kind.HOLIDAY:
            holidays.add(as_date(date))
        else:
            workdays[as_date(date)] = workday_as
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


def next_working_moment(now: datetime, calendar: BusinessCalendar | None = None) -> datetime:
    """Now if it is working time under the calendar (None: the default one), else the next working window's
    start: when an e-mail may leave."""
    calendar = calendar or BusinessCalendar.objects.filter(code=settings.SLA_DEFAULT_CALENDAR).first()
    if calendar is None:
        return now
    working = working_calendar(calendar)
    return working.next_working_moment(now) if working.has_working_time else now
