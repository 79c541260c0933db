"""A supervisor opens the SLA dashboard: what is at risk now, and the compliance chart."""

import datetime as dt

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from keyaccounts.core.models import City, User
from sla import dashboard
from tests.browser.test_shell import sign_in
from tests.sla.test_dashboard import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_sees_the_at_risk_list_and_a_chart(page: Page, live_server):
    call_command("seed_demo", verbosity=0)
    changchun = City.objects.get(code="changchun")
    clock(changchun, "launch.acceptance", due_in=dt.timedelta(minutes=30))
    clock(changchun, "launch.acceptance", hours_taken=2)
    clock(changchun, "launch.acceptance", hours_taken=7, breached=True)
    sign_in(page, live_server.url, "sup_changchun")
    page.get_by_role("link", name="SLA dashboard").click()
    expect(page.get_by_test_id("at-risk")).to_contain_text("launch.acceptance")
    expect(page.get_by_test_id("by-step").locator("tr", has_text="launch.acceptance")).to_contain_text("50.0%")
    supervisor = User.objects.get(username="sup_changchun")
    finished = dashboard.finished_in(supervisor, dashboard.Period.last_days(30))
    expected = [row["rate"] for row in dashboard.weekly_trend(finished)]
    # The tables show as they are parsed, before the chart's script at the page's end has run.
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart')")
    assert page.evaluate("Chart.getChart('trend-chart').data.datasets[0].data") == expected
