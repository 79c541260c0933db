"""An opportunity as people work it: the account manager records, qualifies and quotes it, the city
supervisor approves the discount, and the account manager records the win: a draft order appears."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from customers.models import Customer
from opportunities.models import Opportunity
from orders.models import Order
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_from_the_account_managers_form_to_a_won_order_draft(page: Page, live_server, demo):
    base = live_server.url
    sign_in(page, base, "am_changchun")
    page.goto(f"{base}/opportunities/new/")
    page.select_option("#id_customer", str(Customer.objects.get(name__startswith="长春一汽物流有限公司").pk))
    page.get_by_label("VPMN (virtual private mobile network)").check()
    page.fill("#id_estimated_value", "240000")
    page.fill("#id_expected_close_date", (timezone.localdate() + dt.timedelta(days=90)).isoformat())
    page.fill("#id_description", "VPMN for 400 drivers")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("plan")).to_contain_text("Qualification by the account manager")
    expect(page.get_by_test_id("plan")).not_to_contain_text("survey")

    page.get_by_test_id("open-tasks").get_by_role("link", name="Open").click()
    page.get_by_role("button", name="Complete the step").click()
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Quote the price")

    page.get_by_test_id("open-tasks").get_by_role("link", name="Open").click()
    vpmn = Opportunity.objects.get(description="VPMN for 400 drivers").products.get().pk
    page.fill(f"[name=discount_{vpmn}]", "150")
    page.get_by_role("button", name="Complete the step").click()
    expect(page.get_by_test_id("task-form")).to_contain_text("100")  # refused on the field, nothing saved
    page.fill(f"[name=quantity_{vpmn}]", "400")
    page.fill(f"[name=discount_{vpmn}]", "15")
    page.get_by_role("button", name="Complete the step").click()
    expect(page.get_by_test_id("task-form")).to_contain_text("Say why the customer should have this discount")
    page.get_by_label("Why the discount").fill("Fleet of 400 drivers on a three-year contract")
    page.get_by_role("button", name="Complete the step").click()
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Approve the discount (city)")
    expect(page.get_by_test_id("quote")).to_contain_text("beyond threshold")

    page.get_by_role("button", name="Log out").click()
    sign_in(page, base, "sup_changchun")
    number = Opportunity.objects.get(description="VPMN for 400 drivers").number
    mine = page.get_by_test_id("opportunity-task-list").locator("li", has_text=number)
    mine.get_by_role("link", name="Approve the discount (city)").click()
    expect(page.get_by_test_id("justification")).to_contain_text("Fleet of 400 drivers")
    expect(page.get_by_test_id("margin")).to_contain_text("Margin of the quote")
    page.get_by_label("Approve the discount").check()
    page.get_by_role("button", name="Complete the step").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Discount approved")

    page.get_by_role("button", name="Log out").click()
    sign_in(page, base, "am_changchun")
    mine = page.get_by_test_id("opportunity-task-list").locator("li", has_text=number)
    mine.get_by_role("link", name="Record the customer's answer").click()
    page.get_by_role("button", name="The customer accepted: won").click()
    expect(page.get_by_test_id("won-order")).to_contain_text("Draft order")
    order = Order.objects.get(opportunity__description="VPMN for 400 drivers")
    assert (order.status, order.customer.name[:10]) == ("draft", "长春一汽物流有限公司")
    item = order.items.get()
    assert (item.product.code, item.quantity, str(item.unit_price)) == ("vpmn", 400, "10200.00")
