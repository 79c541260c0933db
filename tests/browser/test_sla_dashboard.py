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
    expect(page.get_by_test_id("at-risk")).to_contain_text("Acceptance test")  # the step by its name
    expect(page.get_by_test_id("by-step").locator("tr", has_text="Acceptance test")).to_contain_text("50.0%")
    supervisor = User.objects.get(username="sup_changchun")
    finished = dashboard.finished_in(supervisor, dashboard.Period.last_days(30))
    expected = [row["rate"] for row in dashboard.weekly_trend(finished)]
    # The tables show as they are parsed, before the chart's script at the page's end has run.
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart')")
    assert page.evaluate("Chart.getChart('trend-chart').data.datasets[0].data") == expected


def test_a_supervisor_clicks_a_figure_and_lands_on_its_clocks_in_both_languages(page: Page, live_server):
    call_command("seed_demo", verbosity=0)
    changchun = City.objects.get(code="changchun")
    clock(changchun, "launch.acceptance", hours_taken=2)
    clock(changchun, "launch.acceptance", hours_taken=7, breached=True)
    sign_in(page, live_server.url, "sup_changchun")
    page.get_by_role("link", name="SLA dashboard").click()
    row = page.get_by_test_id("by-step").locator("tr", has_text="Acceptance test")
    row.get_by_test_id("breached-link").click()
    expect(page.locator("h1")).to_have_text("Finished SLA clocks")
    expect(page.get_by_test_id("clock-row")).to_have_count(1)
    expect(page.get_by_test_id("clocks")).to_contain_text("Breached")

    page.get_by_test_id("language-switcher").locator("select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(f"{live_server.url}/sla/")
    page.get_by_test_id("by-step").locator("tr", has_text="验收测试").get_by_test_id("met-link").click()
    expect(page.locator("h1")).to_have_text("已结束的 SLA 计时")
    expect(page.get_by_test_id("clock-row")).to_have_count(1)
    expect(page.get_by_test_id("clocks")).to_contain_text("达标")
