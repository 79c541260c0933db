"""The administrator's calendar rows become the working-time arithmetic."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from sla.models import BusinessCalendar
from sla.selectors import working_calendar

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_demo_calendar_skips_the_spring_festival_and_works_the_make_up_saturday():
    call_command("seed_demo", verbosity=0)
    calendar = working_calendar(BusinessCalendar.objects.get(code="jilin-standard"))

    # Thursday 4 Feb 2027, 17:00: half an hour left that day; 5 and 8–11 Feb are holidays.
    start = dt.datetime(2027, 2, 4, 17, 0, tzinfo=SHANGHAI)
    due = calendar.add_working_time(start, dt.timedelta(hours=1))
    assert due == dt.datetime(2027, 2, 12, 9, 0, tzinfo=SHANGHAI)

    # Saturday 20 Feb 2027 is a make-up working day with Friday's windows.
    assert calendar.is_working_time(dt.datetime(2027, 2, 20, 10, 0, tzinfo=SHANGHAI))
    assert not calendar.is_working_time(dt.datetime(2027, 2, 20, 12, 30, tzinfo=SHANGHAI))  # lunch
