"""An order above the approval rule: two data lines come to 240,000 CNY a year, over the demo's rule of 200,000,
so after the order-acceptance team accepts it the order waits for the city supervisor, who reads the rule it
falls under and what it rests on and approves it; only then is it transferred to fulfilment and runs."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code
from tests.journeys import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春东方证券营业部"
LINE = "Data dedicated line / MPLS VPN"


def test_an_order_above_the_approval_rule_is_approved_by_the_city_supervisor(page: Page, configured):
    base = configured
    pages.archive_a_customer(page, base, name=CUSTOMER, credit_code=credit_code(6206), address="长春市朝阳区 6 号")
    pages.enter_an_order(page, products=[LINE])
    pages.fill_item(
        page,
        "Data dedicated line",
        {
            **pages.COMMON_ELEMENTS,
            "A-end address": "长春市朝阳区 6 号",
            "Z-end address": "长春市南关区 9 号",
            "Bandwidth": "1G",
            "Quantity": "2",
        },
    )
    pages.submit_the_order(page)
    pages.sign_out(page)

    pages.sign_in(page, base, "bo_changchun")
    pages.accept_the_order(page, base, CUSTOMER)
    expect(page.get_by_test_id("timeline")).to_contain_text("The order needs a supervisor's approval.")
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Approve the order")
    expect(page.get_by_test_id("order-items")).not_to_contain_text("EOMS")  # nothing is sent before the approval
    pages.sign_out(page)

    pages.sign_in(page, base, "sup_changchun")
    pages.take_from_the_queue(page, base, CUSTOMER, "Approve the order")
    facts = page.get_by_test_id("decision-facts")
    expect(facts.get_by_test_id("approval-rule")).to_contain_text("from 200,000.00 CNY a year")
    expect(facts.get_by_test_id("order-prices")).to_contain_text("240,000")
    page.get_by_label("Accept / approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Decision recorded.")
    expect(page.get_by_test_id("timeline")).to_contain_text("Approved")
    pages.order_is(page, "In progress")
    pages.sign_out(page)

    pages.sign_in(page, base, "ops_changchun")
    pages.pass_the_acceptance_test(page, base, CUSTOMER)
    pages.sign_out(page)
    pages.sign_in(page, base, "am_changchun")
    pages.record_the_customers_acceptance(page, base, CUSTOMER)
    pages.order_is(page, "Completed")
