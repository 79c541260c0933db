"""Working-time arithmetic (sla.calendar): pure functions, no database.

Standard calendar: Monday–Friday 08:30–12:00 and 13:30–17:30 (7.5 working hours a day) in Asia/Shanghai.
Week used throughout: Monday 2027-01-04 … Sunday 2027-01-10; Friday 2027-01-01 is the test holiday and
Saturday 2027-01-09 the test make-up working day.
"""

import random
import time as wallclock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import MAX_DAYS_WITHOUT_WORK, WorkingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")

MORNING = (time(8, 30), time(12, 0))
AFTERNOON = (time(13, 30), time(17, 30))
STANDARD_DAY = (MORNING, AFTERNOON)
STANDARD_WINDOWS = dict.fromkeys(range(5), STANDARD_DAY)

NEW_YEAR = date(2027, 1, 1)  # Friday
MAKE_UP_SATURDAY = date(2027, 1, 9)

H = timedelta(hours=1)
M = timedelta(minutes=1)


def sh(year, month, day, hour=0, minute=0, second=0, microsecond=0):
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=SHANGHAI)


def be(year, month, day, hour=0, minute=0, fold=0):
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN, fold=fold)


def standard(**kwargs):
    return WorkingCalendar("Asia/Shanghai", STANDARD_WINDOWS, **kwargs)


PLAIN = standard()
WITH_EXCEPTIONS = standard(holidays=frozenset({NEW_YEAR}), workdays={MAKE_UP_SATURDAY: None})


# ---------------------------------------------------------------------------- add_working_time: concrete
@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        pytest.param(sh(2027, 1, 4, 9), H, sh(2027, 1, 4, 10), id="inside-a-window"),
        pytest.param(sh(2027, 1, 4, 9), M, sh(2027, 1, 4, 9, 1), id="one-minute"),
        pytest.param(sh(2027, 1, 4, 9), timedelta(seconds=1), sh(2027, 1, 4, 9, 0, 1), id="one-second"),
        pytest.param(sh(2027, 1, 4, 11, 59), M, sh(2027, 1, 4, 12), id="minute-to-lunch"),
        pytest.param(sh(2027, 1, 4, 11), 2 * H, sh(2027, 1, 4, 14, 30), id="across-lunch"),
        pytest.param(sh(2027, 1, 4, 8, 30), timedelta(hours=3, minutes=30), sh(2027, 1, 4, 12), id="to-window-end"),
        pytest.param(sh(2027, 1, 4, 8, 30), timedelta(hours=3, minutes=31), sh(2027, 1, 4, 13, 31), id="past-end"),
        pytest.param(sh(2027, 1, 4, 17), H, sh(2027, 1, 5, 9), id="across-the-night"),
        pytest.param(sh(2027, 1, 4, 17, 29), M, sh(2027, 1, 4, 17, 30), id="to-end-of-day"),
        pytest.param(sh(2027, 1, 4, 17, 29), 2 * M, sh(2027, 1, 5, 8, 31), id="one-minute-into-next-day"),
        pytest.param(sh(2027, 1, 8, 17), H, sh(2027, 1, 11, 9), id="across-the-weekend"),
        pytest.param(sh(2027, 1, 9, 10), H, sh(2027, 1, 11, 9, 30), id="start-saturday"),
        pytest.param(sh(2027, 1, 10, 23, 59), H, sh(2027, 1, 11, 9, 30), id="start-sunday-night"),
        pytest.param(sh(2027, 1, 4, 7), H, sh(2027, 1, 4, 9, 30), id="start-before-opening"),
        pytest.param(sh(2027, 1, 4, 0), H, sh(2027, 1, 4, 9, 30), id="start-midnight"),
        pytest.param(sh(2027, 1, 4, 12), 30 * M, sh(2027, 1, 4, 14), id="start-at-window-end"),
        pytest.param(sh(2027, 1, 4, 12, 45), 30 * M, sh(2027, 1, 4, 14), id="start-in-lunch"),
        pytest.param(sh(2027, 1, 4, 13, 30), 30 * M, sh(2027, 1, 4, 14), id="start-at-window-start"),
        pytest.param(sh(2027, 1, 4, 17, 30), M, sh(2027, 1, 5, 8, 31), id="start-at-day-end"),
        pytest.param(sh(2027, 1, 4, 20), H, sh(2027, 1, 5, 9, 30), id="start-in-the-evening"),
        pytest.param(sh(2027, 1, 4, 8, 30), timedelta(hours=7.5), sh(2027, 1, 4, 17, 30), id="full-day"),
        pytest.param(sh(2027, 1, 4, 9), timedelta(hours=7.5), sh(2027, 1, 5, 9), id="full-day-from-9"),
        pytest.param(sh(2027, 1, 4, 12), timedelta(hours=7.5), sh(2027, 1, 5, 12), id="full-day-from-noon"),
        pytest.param(sh(2027, 1, 4, 8, 30), timedelta(hours=37.5), sh(2027, 1, 8, 17, 30), id="full-week"),
        pytest.param(sh(2027, 1, 4, 8, 30), timedelta(hours=37.5) + M, sh(2027, 1, 11, 8, 31), id="week+1min"),
        pytest.param(sh(2027, 1, 4, 8, 30), 400 * H, sh(2027, 3, 18, 11), id="400-hours"),
        pytest.param(sh(2026, 12, 31, 17), H, sh(2027, 1, 1, 9), id="no-holiday-in-plain-calendar"),
        pytest.param(
            sh(2027, 1, 4, 9, 0, 0, 1), timedelta(microseconds=999_999), sh(2027, 1, 4, 9, 0, 1), id="microseconds"
        ),
    ],
)
def test_add_working_time_standard(start, duration, expected):
    result = PLAIN.add_working_time(start, duration)
    assert result == expected
    assert result.tzinfo is SHANGHAI
    assert result.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        pytest.param(sh(2026, 12, 31, 17), H, sh(2027, 1, 4, 9), id="holiday-and-weekend-skipped"),
        pytest.param(sh(2027, 1, 1, 10), H, sh(2027, 1, 4, 9, 30), id="start-on-holiday"),
        pytest.param(sh(2026, 12, 31, 8, 30), timedelta(hours=7.5), sh(2026, 12, 31, 17, 30), id="day-before"),
        pytest.param(sh(2026, 12, 31, 8, 30), timedelta(hours=8), sh(2027, 1, 4, 9), id="over-the-holiday"),
        pytest.param(sh(2027, 1, 8, 17), H, sh(2027, 1, 9, 9), id="make-up-saturday-counted"),
        pytest.param(sh(2027, 1, 9, 10), H, sh(2027, 1, 9, 11), id="start-on-make-up-saturday"),
        pytest.param(sh(2027, 1, 9, 12), 30 * M, sh(2027, 1, 9, 14), id="make-up-saturday-lunch"),
        pytest.param(sh(2027, 1, 9, 17), H, sh(2027, 1, 11, 9), id="make-up-saturday-to-monday"),
        pytest.param(sh(2027, 1, 8, 8, 30), timedelta(hours=15), sh(2027, 1, 9, 17, 30), id="fri-and-sat"),
        pytest.param(sh(2027, 1, 4, 8, 30), 400 * H, sh(2027, 3, 17, 11), id="400-hours-with-make-up-day"),
    ],
)
def test_add_working_time_holidays_and_make_up_days(start, duration, expected):
    assert WITH_EXCEPTIONS.add_working_time(start, duration) == expected


def test_make_up_day_uses_windows_of_the_given_weekday():
    windows = {**STANDARD_WINDOWS, 4: ((time(9), time(11)),)}  # short Fridays
    cal = WorkingCalendar("Asia/Shanghai", windows, workdays={MAKE_UP_SATURDAY: 4})
    assert cal.windows_on(MAKE_UP_SATURDAY) == ((time(9), time(11)),)
    assert cal.add_working_time(sh(2027, 1, 9, 8), 2 * H) == sh(2027, 1, 9, 11)
    assert cal.add_working_time(sh(2027, 1, 9, 8), 3 * H) == sh(2027, 1, 11, 9, 30)
    default = WorkingCalendar("Asia/Shanghai", windows, workdays={MAKE_UP_SATURDAY: None})
    assert default.windows_on(MAKE_UP_SATURDAY) == STANDARD_DAY  # null workday_as → Monday's windows


def test_make_up_day_for_a_weekday_without_windows_is_idle():
    cal = WorkingCalendar("Asia/Shanghai", STANDARD_WINDOWS, workdays={MAKE_UP_SATURDAY: 6})
    assert cal.windows_on(MAKE_UP_SATURDAY) == ()
    assert cal.add_working_time(sh(2027, 1, 9, 10), H) == sh(2027, 1, 11, 9, 30)


def test_windows_on():
    assert WITH_EXCEPTIONS.windows_on(date(2027, 1, 4)) == STANDARD_DAY
    assert WITH_EXCEPTIONS.windows_on(NEW_YEAR) == ()
    assert WITH_EXCEPTIONS.windows_on(date(2027, 1, 10)) == ()
    assert WITH_EXCEPTIONS.windows_on(MAKE_UP_SATURDAY) == STANDARD_DAY


# ---------------------------------------------------------------------------- zero durations
@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(sh(2027, 1, 4, 9, 15, 7), sh(2027, 1, 4, 9, 15, 7), id="inside-returns-start"),
        pytest.param(sh(2027, 1, 4, 8, 30), sh(2027, 1, 4, 8, 30), id="at-opening-returns-start"),
        pytest.param(sh(2027, 1, 4, 12), sh(2027, 1, 4, 13, 30), id="at-window-end-next-opening"),
        pytest.param(sh(2027, 1, 4, 17, 30), sh(2027, 1, 5, 8, 30), id="at-day-end-next-morning"),
        pytest.param(sh(2027, 1, 9, 10), sh(2027, 1, 11, 8, 30), id="saturday-monday"),
        pytest.param(sh(2027, 1, 4, 6), sh(2027, 1, 4, 8, 30), id="early-morning"),
    ],
)
def test_zero_duration(start, expected):
    result = PLAIN.add_working_time(start, timedelta(0))
    assert result == expected
    assert result.tzinfo is SHANGHAI
    assert PLAIN.next_working_moment(start) == expected


def test_zero_duration_on_holiday_and_make_up_day():
    assert WITH_EXCEPTIONS.add_working_time(sh(2027, 1, 1, 10), timedelta(0)) == sh(2027, 1, 4, 8, 30)
    assert WITH_EXCEPTIONS.add_working_time(sh(2027, 1, 9, 10), timedelta(0)) == sh(2027, 1, 9, 10)


# ---------------------------------------------------------------------------- time zones of the arguments
def test_start_in_utc_is_converted():
    start = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    result = PLAIN.add_working_time(start, H)
    assert result == sh(2027, 1, 4, 10)
    assert result.tzinfo is SHANGHAI
    assert (result.hour, result.minute) == (10, 0)


def test_utc_start_on_the_previous_utc_day():
    start = datetime(2027, 1, 3, 23, 0, tzinfo=UTC)  # Sunday in UTC, Monday 07:00 in Shanghai
    assert PLAIN.add_working_time(start, H) == sh(2027, 1, 4, 9, 30)
    assert not PLAIN.is_working_time(start)
    assert PLAIN.next_working_moment(start) == sh(2027, 1, 4, 8, 30)


def test_start_in_another_zone_is_converted():
    start = datetime(2027, 1, 4, 2, 30, tzinfo=BERLIN)  # 09:30 in Shanghai
    assert PLAIN.add_working_time(start, 2 * H) == sh(2027, 1, 4, 11, 30)
    assert PLAIN.working_time_between(start, datetime(2027, 1, 4, 6, 0, tzinfo=BERLIN)) == timedelta(hours=2.5)


def test_next_working_moment_in_calendar_zone():
    moment = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)  # 10:00 Shanghai, working time
    result = PLAIN.next_working_moment(moment)
    assert result == moment
    assert result.tzinfo is SHANGHAI


# ---------------------------------------------------------------------------- working_time_between
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(sh(2027, 1, 4, 9), sh(2027, 1, 4, 10), H, id="inside-a-window"),
        pytest.param(sh(2027, 1, 4, 11), sh(2027, 1, 4, 14), 90 * M, id="across-lunch"),
        pytest.param(sh(2027, 1, 4, 12), sh(2027, 1, 4, 13, 30), timedelta(0), id="lunch-only"),
        pytest.param(sh(2027, 1, 4, 0), sh(2027, 1, 5, 0), timedelta(hours=7.5), id="whole-day"),
        pytest.param(sh(2027, 1, 4, 17), sh(2027, 1, 5, 9), H, id="across-the-night"),
        pytest.param(sh(2027, 1, 8, 17), sh(2027, 1, 11, 9), H, id="across-the-weekend"),
        pytest.param(sh(2027, 1, 9, 10), sh(2027, 1, 10, 18), timedelta(0), id="weekend-only"),
        pytest.param(sh(2027, 1, 4, 0), sh(2027, 1, 11, 0), timedelta(hours=37.5), id="whole-week"),
        pytest.param(sh(2027, 1, 4, 0), sh(2027, 2, 1, 0), timedelta(hours=150), id="four-weeks"),
        pytest.param(sh(2026, 12, 31, 17), sh(2027, 1, 4, 9), timedelta(hours=8.5), id="plain-has-no-holiday"),
        pytest.param(sh(2027, 1, 4, 10), sh(2027, 1, 4, 9), timedelta(0), id="reversed"),
        pytest.param(sh(2027, 1, 11, 9), sh(2027, 1, 8, 17), timedelta(0), id="reversed-over-weekend"),
        pytest.param(sh(2027, 1, 4, 10), sh(2027, 1, 4, 10), timedelta(0), id="empty-interval"),
        pytest.param(sh(2027, 1, 4, 8, 30), sh(2027, 1, 4, 12), timedelta(hours=3.5), id="exactly-a-window"),
        pytest.param(sh(2027, 1, 4, 11, 59, 59), sh(2027, 1, 4, 13, 30, 1), 2 * timedelta(seconds=1), id="seconds"),
    ],
)
def test_working_time_between_standard(start, end, expected):
    assert PLAIN.working_time_between(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(sh(2026, 12, 31, 17), sh(2027, 1, 4, 9), H, id="holiday-skipped"),
        pytest.param(sh(2027, 1, 1, 0), sh(2027, 1, 2, 0), timedelta(0), id="holiday-itself"),
        pytest.param(sh(2027, 1, 8, 17), sh(2027, 1, 11, 9), timedelta(hours=8.5), id="make-up-saturday-counted"),
        pytest.param(sh(2027, 1, 9, 0), sh(2027, 1, 10, 0), timedelta(hours=7.5), id="make-up-saturday-itself"),
        pytest.param(sh(2026, 12, 28, 0), sh(2027, 1, 11, 0), timedelta(hours=75), id="two-weeks"),
    ],
)
def test_working_time_between_holidays_and_make_up_days(start, end, expected):
    assert WITH_EXCEPTIONS.working_time_between(start, end) == expected


def test_working_time_between_mixed_zones():
    start = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert PLAIN.working_time_between(start, sh(2027, 1, 4, 10)) == H
    assert PLAIN.working_time_between(sh(2027, 1, 4, 10), start) == timedelta(0)


def test_working_time_between_is_additive():
    a, b, c = sh(2027, 1, 4, 10), sh(2027, 1, 6, 15, 17), sh(2027, 1, 12, 9)
    assert PLAIN.working_time_between(a, b) + PLAIN.working_time_between(b, c) == PLAIN.working_time_between(a, c)


# ---------------------------------------------------------------------------- is_working_time / next_working_moment
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (sh(2027, 1, 4, 8, 30), True),
        (sh(2027, 1, 4, 8, 29, 59, 999_999), False),
        (sh(2027, 1, 4, 10), True),
        (sh(2027, 1, 4, 11, 59, 59, 999_999), True),
        (sh(2027, 1, 4, 12), False),
        (sh(2027, 1, 4, 13), False),
        (sh(2027, 1, 4, 13, 30), True),
        (sh(2027, 1, 4, 17, 29), True),
        (sh(2027, 1, 4, 17, 30), False),
        (sh(2027, 1, 4, 23), False),
        (sh(2027, 1, 9, 10), False),
        (sh(2027, 1, 10, 10), False),
        (sh(2027, 1, 1, 10), True),  # PLAIN knows no holiday
        (datetime(2027, 1, 4, 0, 30, tzinfo=UTC), True),  # 08:30 in Shanghai
        (datetime(2027, 1, 4, 4, 0, tzinfo=UTC), False),  # 12:00 in Shanghai
    ],
)
def test_is_working_time_standard(moment, expected):
    assert PLAIN.is_working_time(moment) is expected


def test_is_working_time_holidays_and_make_up_days():
    assert not WITH_EXCEPTIONS.is_working_time(sh(2027, 1, 1, 10))
    assert WITH_EXCEPTIONS.is_working_time(sh(2027, 1, 9, 10))
    assert not WITH_EXCEPTIONS.is_working_time(sh(2027, 1, 9, 12, 30))
    assert not WITH_EXCEPTIONS.is_working_time(sh(2027, 1, 10, 10))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(sh(2027, 1, 4, 10, 5), sh(2027, 1, 4, 10, 5), id="inside"),
        pytest.param(sh(2027, 1, 4, 12), sh(2027, 1, 4, 13, 30), id="lunch"),
        pytest.param(sh(2027, 1, 8, 17, 30), sh(2027, 1, 9, 8, 30), id="friday-evening-to-make-up-saturday"),
        pytest.param(sh(2027, 1, 9, 17, 30), sh(2027, 1, 11, 8, 30), id="make-up-saturday-evening"),
        pytest.param(sh(2026, 12, 31, 18), sh(2027, 1, 4, 8, 30), id="over-the-holiday"),
    ],
)
def test_next_working_moment(moment, expected):
    result = WITH_EXCEPTIONS.next_working_moment(moment)
    assert result == expected
    assert result.tzinfo is SHANGHAI


# ---------------------------------------------------------------------------- add_calendar_time
def test_add_calendar_time():
    assert PLAIN.add_calendar_time(sh(2027, 1, 8, 17), 48 * H) == sh(2027, 1, 10, 17)
    result = PLAIN.add_calendar_time(datetime(2027, 1, 4, 1, 0, tzinfo=UTC), H)
    assert result == sh(2027, 1, 4, 10)
    assert result.tzinfo is SHANGHAI


def test_add_calendar_time_counts_elapsed_time_across_dst():
    cal = WorkingCalendar("Europe/Berlin", STANDARD_WINDOWS)
    result = cal.add_calendar_time(be(2027, 3, 27, 12), 24 * H)
    assert result == be(2027, 3, 28, 13)  # 24 real hours: the wall clock moved 25
    assert result.utcoffset() == 2 * H


def test_add_calendar_time_refuses_naive():
    with pytest.raises(ValueError, match="aware"):
        PLAIN.add_calendar_time(datetime(2027, 1, 4, 9), H)


# ---------------------------------------------------------------------------- refusals
def test_naive_datetimes_refused():
    naive = datetime(2027, 1, 4, 9)
    aware = sh(2027, 1, 4, 9)
    with pytest.raises(ValueError, match="aware"):
        PLAIN.add_working_time(naive, H)
    with pytest.raises(ValueError, match="aware"):
        PLAIN.working_time_between(naive, aware)
    with pytest.raises(ValueError, match="aware"):
        PLAIN.working_time_between(aware, naive)
    with pytest.raises(ValueError, match="aware"):
        PLAIN.is_working_time(naive)
    with pytest.raises(ValueError, match="aware"):
        PLAIN.next_working_moment(naive)


def test_negative_duration_refused():
    with pytest.raises(ValueError, match="negative"):
        PLAIN.add_working_time(sh(2027, 1, 4, 9), -M)


def test_wrong_types_refused():
    with pytest.raises(TypeError, match="timedelta"):
        PLAIN.add_working_time(sh(2027, 1, 4, 9), 60)
    with pytest.raises(TypeError, match="datetime"):
        PLAIN.add_working_time(date(2027, 1, 4), H)


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        pytest.param({0: (MORNING, (time(11), time(13)))}, "overlap", id="overlap"),
        pytest.param({0: ((time(11), time(13)), MORNING)}, "overlap", id="overlap-unsorted"),
        pytest.param({0: (MORNING, MORNING)}, "overlap", id="duplicate"),
        pytest.param({0: ((time(8), time(18)), MORNING)}, "overlap", id="contained"),
        pytest.param({0: ((time(12), time(8, 30)),)}, "end after", id="ends-before-start"),
        pytest.param({0: ((time(9), time(9)),)}, "end after", id="zero-length"),
        pytest.param({7: STANDARD_DAY}, "weekday", id="weekday-out-of-range"),
        pytest.param({"0": STANDARD_DAY}, "weekday", id="weekday-not-int"),
        pytest.param({0: ((time(9),),)}, "pair", id="not-a-pair"),
        pytest.param({0: (("09:00", "12:00"),)}, "pair", id="strings"),
        pytest.param({0: ((time(9, tzinfo=UTC), time(12, tzinfo=UTC)),)}, "naive", id="aware-times"),
    ],
)
def test_invalid_windows_refused(windows, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar("Asia/Shanghai", windows)


def test_overlap_message_is_clear():
    with pytest.raises(ValueError, match=r"windows 08:30–12:00 and 11:00–13:00 on Monday overlap"):
        WorkingCalendar("Asia/Shanghai", {0: (MORNING, (time(11), time(13)))})


def test_unknown_time_zone_refused():
    with pytest.raises(ValueError, match="time zone"):
        WorkingCalendar("Mars/Olympus_Mons", STANDARD_WINDOWS)
    with pytest.raises(ValueError, match="time_zone"):
        WorkingCalendar("", STANDARD_WINDOWS)


def test_date_both_holiday_and_workday_refused():
    with pytest.raises(ValueError, match="both"):
        standard(holidays=frozenset({MAKE_UP_SATURDAY}), workdays={MAKE_UP_SATURDAY: 0})


def test_bad_holidays_and_workdays_refused():
    with pytest.raises(ValueError, match="dates"):
        standard(holidays=frozenset({datetime(2027, 1, 1, tzinfo=SHANGHAI)}))
    with pytest.raises(ValueError, match="weekday"):
        standard(workdays={MAKE_UP_SATURDAY: 9})


@pytest.mark.parametrize("windows", [{}, {0: (), 5: ()}, dict.fromkeys(range(7), ())])
def test_empty_calendar_refused_for_arithmetic(windows):
    cal = WorkingCalendar("Asia/Shanghai", windows)
    assert not cal.has_working_time
    with pytest.raises(ValueError, match="no working window"):
        cal.add_working_time(sh(2027, 1, 4, 9), H)
    with pytest.raises(ValueError, match="no working window"):
        cal.add_working_time(sh(2027, 1, 4, 9), timedelta(0))
    with pytest.raises(ValueError, match="no working window"):
        cal.next_working_moment(sh(2027, 1, 4, 9))
    assert cal.working_time_between(sh(2027, 1, 4), sh(2028, 1, 4)) == timedelta(0)
    assert not cal.is_working_time(sh(2027, 1, 4, 9))


def test_calendar_with_only_make_up_days_works_on_them():
    cal = WorkingCalendar("Asia/Shanghai", {0: STANDARD_DAY}, workdays={MAKE_UP_SATURDAY: 0})
    assert cal.has_working_time
    assert cal.add_working_time(sh(2027, 1, 9, 8), H) == sh(2027, 1, 9, 9, 30)


def test_search_gives_up_after_three_years_without_a_window():
    # Works on Mondays only, and every Monday of the coming four years is a holiday.
    mondays = frozenset(date(2027, 1, 4) + timedelta(weeks=w) for w in range(4 * 53))
    cal = WorkingCalendar("Asia/Shanghai", {0: STANDARD_DAY}, holidays=mondays)
    assert cal.has_working_time
    with pytest.raises(ValueError, match=f"no working window within {MAX_DAYS_WITHOUT_WORK} days"):
        cal.add_working_time(sh(2027, 1, 1), H)
    with pytest.raises(ValueError, match="no working window within"):
        cal.next_working_moment(sh(2027, 1, 1))
    assert cal.working_time_between(sh(2027, 1, 1), sh(2031, 1, 1)) == timedelta(0)


def test_search_finds_a_window_after_a_long_gap():
    # Two years of holidays on the only working weekday: still within the bound.
    mondays = frozenset(date(2027, 1, 4) + timedelta(weeks=w) for w in range(2 * 52))
    cal = WorkingCalendar("Asia/Shanghai", {0: STANDARD_DAY}, holidays=mondays)
    first_free_monday = date(2027, 1, 4) + timedelta(weeks=2 * 52)
    expected = datetime.combine(first_free_monday, time(9, 30), tzinfo=SHANGHAI)
    assert cal.add_working_time(sh(2027, 1, 1), H) == expected


# ---------------------------------------------------------------------------- construction details
def test_windows_are_sorted_and_normalised():
    cal = WorkingCalendar("Asia/Shanghai", {0: [list(AFTERNOON), list(MORNING)]})
    assert cal.windows == {0: STANDARD_DAY}
    assert cal == WorkingCalendar("Asia/Shanghai", {0: STANDARD_DAY})
    assert hash(cal) == hash(WorkingCalendar("Asia/Shanghai", {0: STANDARD_DAY}))
    assert cal.zone is SHANGHAI


def test_calendar_is_frozen_and_does_not_share_caller_dicts():
    windows = {0: [MORNING]}
    cal = WorkingCalendar("Asia/Shanghai", windows)
    windows[1] = [AFTERNOON]
    assert 1 not in cal.windows
    with pytest.raises(AttributeError):
        cal.time_zone = "UTC"


def test_adjacent_windows_allowed():
    cal = WorkingCalendar("Asia/Shanghai", {0: ((time(8), time(12)), (time(12), time(13)))})
    assert cal.is_working_time(sh(2027, 1, 4, 12))
    assert cal.add_working_time(sh(2027, 1, 4, 11), 2 * H) == sh(2027, 1, 4, 13)
    assert cal.working_time_between(sh(2027, 1, 4), sh(2027, 1, 5)) == 5 * H


def test_window_up_to_the_last_microsecond_of_the_day():
    # A window cannot run past midnight; 00:00–time.max leaves only the day's last microsecond idle.
    cal = WorkingCalendar("Asia/Shanghai", dict.fromkeys(range(7), ((time(0), time.max),)))
    us = timedelta(microseconds=1)
    assert cal.add_working_time(sh(2027, 1, 4, 23, 59, 59, 999_998), 2 * us) == sh(2027, 1, 5, 0, 0, 0, 1)
    assert not cal.is_working_time(sh(2027, 1, 4, 23, 59, 59, 999_999))
    assert cal.working_time_between(sh(2027, 1, 4), sh(2027, 1, 5)) == timedelta(days=1) - us


# ---------------------------------------------------------------------------- Europe/Berlin and DST
# 2027-03-28 (Sunday): 02:00 CET → 03:00 CEST.  2027-10-31 (Sunday): 03:00 CEST → 02:00 CET.
BERLIN_OFFICE = WorkingCalendar("Europe/Berlin", dict.fromkeys(range(5), ((time(9), time(17)),)))
BERLIN_NIGHTS = WorkingCalendar("Europe/Berlin", dict.fromkeys(range(7), ((time(1), time(4)), (time(9), time(17)))))


def test_berlin_weekend_of_the_spring_change():
    start = be(2027, 3, 26, 16)  # Friday, CET
    result = BERLIN_OFFICE.add_working_time(start, 2 * H)
    assert result == be(2027, 3, 29, 10)
    assert result.utcoffset() == 2 * H
    assert result.tzinfo is BERLIN
    assert BERLIN_OFFICE.working_time_between(start, result) == 2 * H
    assert BERLIN_OFFICE.working_time_between(be(2027, 3, 22), be(2027, 4, 5)) == 80 * H


@pytest.mark.parametrize(
    ("day", "night_window"),
    [
        pytest.param(date(2027, 3, 21), 3 * H, id="ordinary-sunday"),
        pytest.param(date(2027, 3, 28), 2 * H, id="spring-forward"),
        pytest.param(date(2027, 10, 31), 4 * H, id="fall-back"),
    ],
)
def test_berlin_window_lengths_on_dst_days(day, night_window):
    start = datetime.combine(day, time(0), tzinfo=BERLIN)
    end = datetime.combine(day, time(5), tzinfo=BERLIN)
    assert BERLIN_NIGHTS.working_time_between(start, end) == night_window
    assert BERLIN_NIGHTS.add_working_time(start, night_window) == datetime.combine(day, time(4), tzinfo=BERLIN)
    whole_day = BERLIN_NIGHTS.working_time_between(start, start.replace(hour=23))
    assert whole_day == night_window + 8 * H


def test_berlin_spring_forward_inside_a_window():
    start = be(2027, 3, 28, 1)  # 01:00 CET = 00:00 UTC
    one_hour = BERLIN_NIGHTS.add_working_time(start, H)
    assert one_hour == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert (one_hour.hour, one_hour.utcoffset()) == (3, 2 * H)  # 02:00 never happened
    assert BERLIN_NIGHTS.add_working_time(start, 2 * H) == be(2027, 3, 28, 4)
    assert BERLIN_NIGHTS.add_working_time(start, 3 * H) == be(2027, 3, 28, 10)


def test_berlin_fall_back_inside_a_window():
    start = be(2027, 10, 31, 1)  # 01:00 CEST = 23:00 UTC on the 30th
    two_hours = BERLIN_NIGHTS.add_working_time(start, 2 * H)
    # An ambiguous local time never equals a time in another zone (PEP 495): compare in UTC.
    assert two_hours.astimezone(UTC) == datetime(2027, 10, 31, 1, 0, tzinfo=UTC)
    assert (two_hours.hour, two_hours.fold, two_hours.utcoffset()) == (2, 1, H)  # the second 02:00
    assert BERLIN_NIGHTS.is_working_time(two_hours)
    assert BERLIN_NIGHTS.add_working_time(start, 4 * H) == be(2027, 10, 31, 4)
    assert BERLIN_NIGHTS.working_time_between(be(2027, 10, 31, 2, 30), be(2027, 10, 31, 2, 30, fold=1)) == H
    assert BERLIN_NIGHTS.add_working_time(be(2027, 10, 31, 2, 30), H).astimezone(UTC) == be(
        2027, 10, 31, 2, 30, fold=1
    ).astimezone(UTC)


def test_berlin_window_inside_the_missing_hour_is_empty_that_day():
    cal = WorkingCalendar("Europe/Berlin", {6: ((time(2, 30), time(3)),)})
    assert cal.working_time_between(be(2027, 3, 28), be(2027, 3, 29)) == timedelta(0)
    assert cal.working_time_between(be(2027, 3, 21), be(2027, 3, 22)) == 30 * M
    assert cal.add_working_time(be(2027, 3, 28), 10 * M) == be(2027, 4, 4, 2, 40)


def test_berlin_window_starting_in_the_missing_hour():
    cal = WorkingCalendar("Europe/Berlin", {6: ((time(2), time(4)),)})
    assert cal.working_time_between(be(2027, 3, 28), be(2027, 3, 29)) == H
    assert cal.next_working_moment(be(2027, 3, 28)) == be(2027, 3, 28, 3)


def test_shanghai_calendar_with_berlin_start_across_dst():
    start = be(2027, 3, 28, 3)  # CEST: 01:00 UTC = 09:00 Shanghai on Sunday
    assert PLAIN.add_working_time(start, H) == sh(2027, 3, 29, 9, 30)


# ---------------------------------------------------------------------------- efficiency
def test_long_durations_are_fast():
    started = wallclock.perf_counter()
    for _ in range(20):
        assert WITH_EXCEPTIONS.add_working_time(sh(2027, 1, 4, 8, 30), 400 * H) == sh(2027, 3, 17, 11)
    ten_years = timedelta(hours=7.5 * 261 * 10)
    result = PLAIN.add_working_time(sh(2027, 1, 4, 8, 30), ten_years)
    assert PLAIN.working_time_between(sh(2027, 1, 4, 8, 30), result) == ten_years
    assert result.year in (2036, 2037)
    assert wallclock.perf_counter() - started < 5


# ---------------------------------------------------------------------------- properties
def _oracle_is_working(windows, holidays, workdays, local):
    """Independent reference on naive local times (valid for a zone without DST)."""
    day = local.date()
    if day in holidays:
        return False
    weekday = workdays.get(day, day.weekday())
    weekday = 0 if weekday is None else weekday
    return any(s <= local.time() < e for s, e in windows.get(weekday, ()))


def _is_window_end(cal, moment):
    local = moment.astimezone(cal.zone)
    instant = moment.astimezone(UTC)
    return any(
        datetime.combine(local.date(), end, tzinfo=cal.zone).astimezone(UTC) == instant
        for _start, end in cal.windows_on(local.date())
    )


def _random_duration(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return timedelta(0)
    if kind == 1:
        return timedelta(minutes=rng.randrange(1, 8 * 60))
    if kind == 2:
        return timedelta(hours=rng.choice([3.5, 4, 7.5, 15, 37.5, 75]))
    if kind == 3:
        return timedelta(seconds=rng.randrange(1, 200 * 3600), microseconds=rng.randrange(1_000_000))
    return timedelta(minutes=rng.randrange(1, 120 * 60))


def _check_properties(cal, start, duration, rng):
    # Compare and subtract in UTC: same-zone datetimes compare by wall clock, ignoring fold.
    result = cal.add_working_time(start, duration)
    assert result.tzinfo is cal.zone
    start, result = start.astimezone(UTC), result.astimezone(UTC)
    assert result >= start
    assert cal.working_time_between(start, result) == duration, (start, duration, result)
    assert cal.is_working_time(result) or _is_window_end(cal, result), (start, duration, result)
    if duration:
        assert cal.is_working_time(result - timedelta(microseconds=1)), (start, duration, result)
        split = timedelta(microseconds=rng.randrange(duration // timedelta(microseconds=1)))
        rest = duration - split
        assert cal.add_working_time(cal.add_working_time(start, split), rest).astimezone(UTC) == result
    else:
        assert cal.next_working_moment(start).astimezone(UTC) == result
        assert result == start or not cal.is_working_time(start)
    middle = start + (result - start) * rng.random()
    assert cal.working_time_between(start, middle) + cal.working_time_between(middle, result) == duration
    assert cal.working_time_between(result, start) == timedelta(0)


def test_property_shanghai_with_holidays_and_make_up_day():
    rng = random.Random(7)
    base = sh(2026, 12, 20)
    for _ in range(400):
        start = base + timedelta(minutes=rng.randrange(60 * 24 * 60))
        if rng.random() < 0.3:
            start += timedelta(seconds=rng.randrange(60), microseconds=rng.randrange(1_000_000))
        if rng.random() < 0.2:
            start = start.astimezone(UTC)
        _check_properties(WITH_EXCEPTIONS, start, _random_duration(rng), rng)


def test_property_berlin_across_both_dst_changes():
    rng = random.Random(7)
    for _ in range(300):
        base = rng.choice([be(2027, 3, 20), be(2027, 10, 23)])
        start = base + timedelta(minutes=rng.randrange(60 * 24 * 14))
        _check_properties(BERLIN_NIGHTS, start, _random_duration(rng), rng)
        _check_properties(BERLIN_OFFICE, start, _random_duration(rng), rng)


def test_property_agrees_with_minute_by_minute_oracle():
    rng = random.Random(7)
    holidays = WITH_EXCEPTIONS.holidays
    workdays = WITH_EXCEPTIONS.workdays
    for _ in range(60):
        start = sh(2026, 12, 24) + timedelta(minutes=rng.randrange(60 * 24 * 21))
        minutes = rng.randrange(0, 2 * 450)
        # Reference: walk minute by minute on naive local time.
        local = start.replace(tzinfo=None)
        while not _oracle_is_working(STANDARD_WINDOWS, holidays, workdays, local):
            local += M
        counted = 0
        while counted < minutes:
            if _oracle_is_working(STANDARD_WINDOWS, holidays, workdays, local):
                counted += 1
            local += M
            if counted == minutes:
                break
        expected = local.replace(tzinfo=SHANGHAI)
        assert WITH_EXCEPTIONS.add_working_time(start, minutes * M) == expected, (start, minutes)
        stop = start + timedelta(minutes=rng.randrange(60 * 24 * 5))
        reference = sum(
            _oracle_is_working(STANDARD_WINDOWS, holidays, workdays, (start + i * M).replace(tzinfo=None))
            for i in range((stop - start) // M)
        )
        assert WITH_EXCEPTIONS.working_time_between(start, stop) == reference * M
