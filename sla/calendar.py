"""Working-time arithmetic on a business calendar: pure Python, no ORM, no Django.

A `WorkingCalendar` is built from plain data (the caller reads `sla.models.BusinessCalendar`, its
`WorkingWindow` rows and its `Holiday` rows and passes them in):

* ``windows``: weekday (0 = Monday … 6 = Sunday) → working windows ``(starts, ends)`` as wall-clock
  local times; several windows a day leave room for a lunch break;
* ``holidays``: dates without any work;
* ``workdays``: make-up working days (调休) → the weekday whose windows apply on that date.

All arithmetic is done on UTC instants: each window of a local date becomes
``datetime.combine(day, t, tzinfo=zone)`` converted to UTC, so a window on a DST-transition day
lasts the real elapsed time (02:00–04:00 on a spring-forward night in Europe/Berlin is one hour).
A wall-clock time that does not exist (in the spring-forward gap) is read with the offset in force
before the change, i.e. it moves forward; an ambiguous one (autumn) means its first occurrence.
Working time is half-open: a window ``[starts, ends)`` includes its opening, not its closing moment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["MAX_DAYS_WITHOUT_WORK", "WEEKDAY_NAMES", "WorkingCalendar"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Searching for working time gives up (ValueError) after this many consecutive days without a window.
MAX_DAYS_WITHOUT_WORK = 3 * 366

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)

Window = tuple[time, time]
Interval = tuple[datetime, datetime]  # aware UTC instants, starts < ends


def _fmt(t: time) -> str:
    return t.isoformat(timespec="minutes") if not (t.second or t.microsecond) else t.isoformat()


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone), got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _require_duration(value: timedelta) -> timedelta:
    if not isinstance(value, timedelta):
        raise TypeError(f"duration must be a timedelta, not {type(value).__name__}")
    if value < _ZERO:
        raise ValueError(f"duration must not be negative, got {value}")
    return value


def _weekday(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise ValueError(f"{what} must be a weekday number 0 (Monday) … 6 (Sunday), got {value!r}")
    return value


def _normalise_windows(weekday: int, windows) -> tuple[Window, ...]:
    day_name = WEEKDAY_NAMES[weekday]
    try:
        pairs = [tuple(window) for window in windows]
    except TypeError:
        raise ValueError(f"windows for {day_name} must be a sequence of (starts, ends) pairs") from None
    for pair in pairs:
        if len(pair) != 2 or not all(isinstance(t, time) for t in pair):
            raise ValueError(f"a window on {day_name} must be a pair of datetime.time, got {pair!r}")
        starts, ends = pair
        if starts.tzinfo is not None or ends.tzinfo is not None:
            raise ValueError(f"window times on {day_name} must be naive local times (the calendar has the zone)")
        if ends <= starts:
            raise ValueError(
                f"window {_fmt(starts)}–{_fmt(ends)} on {day_name} must end after it starts "
                "(a window cannot run past midnight)"
            )
    pairs.sort()
    for (s1, e1), (s2, e2) in pairwise(pairs):
        if s2 < e1:
            raise ValueError(f"windows {_fmt(s1)}–{_fmt(e1)} and {_fmt(s2)}–{_fmt(e2)} on {day_name} overlap")
    return tuple(pairs)


@dataclass(frozen=True)
class WorkingCalendar:
    """A business calendar for working-time arithmetic. Construction validates and normalises the data.

    ``windows`` may be given unsorted (lists are fine); they are stored sorted as tuples. Adjacent
    windows (one ends when the next starts) are allowed, overlapping ones are refused. ``workdays``
    values may be ``None``, meaning Monday's windows (as ``Holiday.workday_as`` null does). A date
    cannot be both a holiday and a make-up working day. Treat the instance and its dicts as read-only.
    """

    time_zone: str
    windows: dict[int, tuple[Window, ...]] = field(hash=False)
    holidays: frozenset[date] = frozenset()
    workdays: dict[date, int] = field(default_factory=dict, hash=False)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    # Each local day's intervals, worked out once: a page times many clocks over the same weeks.
    _days: dict = field(init=False, repr=False, compare=False, hash=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, str) or not self.time_zone:
            raise ValueError(f"time_zone must be an IANA zone name such as 'Asia/Shanghai', got {self.time_zone!r}")
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.time_zone!r}") from None

        if not isinstance(self.windows, Mapping):
            raise ValueError("windows must be a mapping weekday → ((starts, ends), …)")
        windows = {
            _weekday(weekday, "a windows key"): _normalise_windows(weekday, day_windows)
            for weekday, day_windows in self.windows.items()
        }

        holidays = frozenset(self.holidays)
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"holidays must be dates, got {day!r}")

        if not isinstance(self.workdays, Mapping):
            raise ValueError("workdays must be a mapping date → weekday")
        workdays: dict[date, int] = {}
        for day, works_like in self.workdays.items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"workdays keys must be dates, got {day!r}")
            if day in holidays:
                raise ValueError(f"{day.isoformat()} cannot be both a holiday and a make-up working day")
            workdays[day] = 0 if works_like is None else _weekday(works_like, f"workdays[{day.isoformat()}]")

        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "workdays", workdays)
        object.__setattr__(self, "_zone", zone)

    # ------------------------------------------------------------------------------------------ queries
    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def has_working_time(self) -> bool:
        """False when no weekday and no make-up day has any window: such a calendar cannot add working time."""
        return any(self.windows.values()) or any(self.windows.get(wd) for wd in self.workdays.values())

    def windows_on(self, day: date) -> tuple[Window, ...]:
        """The wall-clock windows that apply on a local date (none on a holiday, a weekday's on a make-up day)."""
        if day in self.holidays:
            return ()
        return self.windows.get(self.workdays.get(day, day.weekday()), ())

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside a window (its opening included, its closing excluded)."""
        instant = _require_aware(moment, "moment")
        return any(s <= instant < e for s, e in self._intervals(instant, until=instant))

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself if it is working time, else the next window opening (in the calendar's zone)."""
        instant = _require_aware(moment, "moment")
        self._require_working_time()
        for s, _e in self._intervals(instant):
            return max(s, instant).astimezone(self._zone)
        raise AssertionError("unreachable: _intervals is endless or raises")  # pragma: no cover

    # --------------------------------------------------------------------------------------- arithmetic
    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when ``duration`` of working time has elapsed, counting from ``start``.

        Counting begins at ``start`` if it is working time, else at the next window opening. When the
        duration runs out exactly at a window's closing, that closing moment is returned (not the next
        opening); a zero duration returns ``next_working_moment(start)``. The result is in the
        calendar's time zone. Raises ValueError for a naive ``start``, a negative duration, a calendar
        without any window, or when no working window is found for MAX_DAYS_WITHOUT_WORK days.
        """
        instant = _require_aware(start, "start")
        remaining = _require_duration(duration)
        self._require_working_time()
        for s, e in self._intervals(instant):
            s = max(s, instant)
            available = e - s
            if remaining <= available:
                return (s + remaining).astimezone(self._zone)
            remaining -= available
        raise AssertionError("unreachable: _intervals is endless or raises")  # pragma: no cover

    def add_calendar_time(self, start: datetime, duration: timedelta) -> datetime:
        """``start + duration`` in elapsed (absolute) time, returned in the calendar's time zone.

        Across a DST change 24 hours stay 24 real hours (the wall clock moves 23 or 25).
        """
        instant = _require_aware(start, "start")
        if not isinstance(duration, timedelta):
            raise TypeError(f"duration must be a timedelta, not {type(duration).__name__}")
        return (instant + duration).astimezone(self._zone)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside ``[start, end)``; zero when ``end <= start``.

        Consistent with add_working_time: ``working_time_between(s, add_working_time(s, d)) == d``.
        """
        lo = _require_aware(start, "start")
        hi = _require_aware(end, "end")
        total = _ZERO
        if hi <= lo:
            return total
        for s, e in self._intervals(lo, until=hi):
            if s >= hi:
                break
            total += min(e, hi) - max(s, lo)
        return total

    # ----------------------------------------------------------------------------------------- internals
    def _require_working_time(self) -> None:
        if not self.has_working_time:
            raise ValueError(f"calendar ({self.time_zone}) has no working window at all: cannot count working time")

    def _raw_intervals(self, day: date) -> list[Interval]:
        found = self._days.get(day)
        if found is None:
            zone = self._zone
            found = self._days[day] = [
                (
                    datetime.combine(day, starts, tzinfo=zone).astimezone(UTC),
                    datetime.combine(day, ends, tzinfo=zone).astimezone(UTC),
                )
                for starts, ends in self.windows_on(day)
            ]
        return found

    def _intervals(self, after: datetime, until: datetime | None = None) -> Iterator[Interval]:
        """Working intervals (UTC, ascending, disjoint) that end after the UTC instant ``after``.

        Endless unless ``until`` is given (then it stops once past the local date of ``until``); when
        endless it raises ValueError after MAX_DAYS_WITHOUT_WORK consecutive days without a window.

        A day's intervals are clipped so that none starts before the previous one (same day or the
        previous day) ends: DST gaps can otherwise fold a window onto an earlier one. The clipping of
        a day depends only on that day and the one before, so every query sees the same intervals.
        """
        zone = self._zone
        day = after.astimezone(zone).date() - _ONE_DAY
        last_day = None if until is None else until.astimezone(zone).date() + _ONE_DAY
        previous = self._raw_intervals(day - _ONE_DAY)
        days_without_work = 0
        while last_day is None or day <= last_day:
            raw = self._raw_intervals(day)
            floor = max((e for _s, e in previous), default=None)
            for s, e in raw:
                if floor is not None and s < floor:
                    s = floor
                if e > s:
                    if e > after:
                        yield s, e
                    floor = e
            if raw:
                days_without_work = 0
            else:
                days_without_work += 1
                if last_day is None and days_without_work > MAX_DAYS_WITHOUT_WORK:
                    raise ValueError(
                        f"no working window within {MAX_DAYS_WITHOUT_WORK} days after {after.isoformat()}; "
                        "check the calendar's windows and holidays"
                    )
            previous = raw
            day += _ONE_DAY
