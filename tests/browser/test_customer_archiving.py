"""Customer archiving as people do it: the account manager registers, the reviewer approves."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from customers.models import Customer
from tests.browser.test_shell import sign_in
from tests.factories import credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_register_review_and_archive_in_the_browser(page: Page, live_server, demo):
    base = live_server.url
    sign_in(page, base, "am_changchun")
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="Register a customer").click()
    page.fill("#id_name", "长春光华电子有限公司")
    good_code = credit_code(4242)
    page.fill("#id_credit_code", good_code[:17] + ("0" if good_code[17] != "0" else "1"))
    page.select_option("#id_industry", "manufacturing")
    page.select_option("#id_size", "medium")
    page.fill("#id_address", "长春市朝阳区光华路 8 号")
    page.select_option("#id_proposed_level", "C")
    page.fill("#id_contacts-0-name", "刘洋")
    page.fill("#id_contacts-0-role", "CIO")
    page.fill("#id_contacts-0-phone", "13804310000")
    page.get_by_role("button", name="Submit for review").click()

    # A wrong check digit: told on the field, nothing saved.
    expect(page.get_by_test_id("customer-form")).to_contain_text("check digit")
    assert not Customer.objects.filter(name="长春光华电子有限公司").exists()

    page.fill("#id_credit_code", good_code)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("Initialized")
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Review the customer record")

    page.get_by_role("button", name="Log out").click()
    sign_in(page, base, "bo_changchun")
    page.get_by_test_id("home-panels").locator("li", has_text="长春光华电子").get_by_role("link").click()
    expect(page.get_by_test_id("customer-record")).to_contain_text(good_code)
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("Validated")
    expect(page.get_by_test_id("customer-level")).to_contain_text("Level C")
    expect(page.get_by_test_id("timeline")).to_contain_text("Archived")

    page.get_by_role("button", name="Log out").click()
    sign_in(page, base, "am_changchun")
    expect(page.get_by_test_id("home-panels")).to_contain_text("长春光华电子有限公司")
