"""The sub-process pages in Simplified Chinese, in the browser, for the roles that use them."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from customers.models import Customer
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def switch_to_chinese(page: Page) -> None:
    page.get_by_test_id("language-switcher").locator("select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_customer_and_opportunity_pages_in_chinese(page: Page, live_server, demo):
    base = live_server.url
    sign_in(page, base, "sup_changchun")
    switch_to_chinese(page)

    page.goto(f"{base}/customers/")
    expect(page.locator("h1")).to_have_text("客户")
    expect(page.get_by_test_id("customer-table")).to_contain_text("已建档")

    waiting = Customer.objects.get(name__startswith="吉林省人民医院")  # waits for this supervisor's approval
    page.goto(f"{base}/customers/{waiting.pk}/")
    expect(page.get_by_test_id("open-tasks")).to_contain_text("待处理")
    expect(page.get_by_test_id("timeline")).to_contain_text("提交审核")
    page.get_by_test_id("open-tasks").get_by_role("link").click()
    expect(page.get_by_test_id("decision-form")).to_contain_text("通过")

    page.goto(f"{base}/opportunities/?view=all")
    expect(page.locator("h1")).to_have_text("商机")
    page.goto(f"{base}/opportunities/pipeline/")
    expect(page.locator("h1")).to_have_text("商机漏斗")
    expect(page.get_by_test_id("pipeline-city")).to_contain_text("长春")


def test_inbox_tracking_and_notification_pages_in_chinese(page: Page, live_server, demo):
    from keyaccounts.core.notifications import notifications_for_new_tasks

    notifications_for_new_tasks()
    base = live_server.url
    sign_in(page, base, "bo_changchun")
    switch_to_chinese(page)

    page.goto(f"{base}/inbox/?view=queue")
    expect(page.get_by_test_id("inbox-views")).to_contain_text("团队队列")
    expect(page.get_by_test_id("inbox")).to_contain_text("剩余时间")
    page.get_by_test_id("inbox").get_by_role("link", name="跟踪").first.click()
    expect(page.get_by_test_id("steps")).to_contain_text("处理人")
    expect(page.get_by_test_id("chart")).to_contain_text("流程步骤")

    page.get_by_test_id("bell").click()
    expect(page.locator("h1")).to_have_text("通知")
    expect(page.get_by_test_id("notifications")).to_contain_text("团队队列新任务")
    expect(page.get_by_test_id("notification-settings")).to_contain_text("有任务分派给我时发邮件给我")
