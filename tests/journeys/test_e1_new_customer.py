"""E1: a new customer with new business, archiving → opportunity → order → launch. The account manager
registers the customer, the back office audits it, the account manager opens its billing account from the
customer page, records an opportunity and wins it; the draft order is checked and accepted, EOMS and SI
complete their work orders, the service is tested and accepted and runs."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code
from tests.journeys import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春星辰精密制造有限公司"
ADDRESS = "长春市高新区硅谷大街 77 号"


def test_e1_a_new_customer_to_a_running_service(page: Page, configured):
    base = configured
    pages.archive_a_customer(page, base, name=CUSTOMER, credit_code=credit_code(7707), address=ADDRESS)

    # The account manager records the demand, qualifies and quotes it within every threshold, and wins it.
    pages.record_an_opportunity(
        page,
        customer=CUSTOMER,
        products=["Enterprise broadband", "Group SMS (MAS/ADC)"],
        value="33600",
        description="Broadband and SMS notices for the new plant",
    )
    pages.open_the_opportunity_step(page, "Qualify the opportunity")
    pages.qualify(page)
    pages.open_the_opportunity_step(page, "Quote the price")
    pages.quote(page, discount="5")
    pages.open_the_opportunity_step(page, "Record the customer's answer")
    pages.win(page)

    # The draft carries the products and the agreed prices; the account manager completes it.
    expect(page.get_by_test_id("order-item")).to_have_count(2)
    expect(page.get_by_test_id("order-item").filter(has_text="Enterprise broadband")).to_contain_text("9120.00")
    pages.fill_item(
        page,
        "Enterprise broadband",
        {**pages.COMMON_ELEMENTS, "Installation address": ADDRESS, "Bandwidth": "200M"},
    )
    pages.fill_item(
        page,
        "Group SMS",
        {**pages.COMMON_ELEMENTS, "SMS signature": "【星辰精密】", "SMS volume (messages/month)": "20000"},
    )
    # The back office accepts the order, EOMS and SI complete their work orders; tested, the customer accepts.
    pages.launch_the_order(page, base, CUSTOMER)
    expect(page.get_by_test_id("billing")).to_contain_text("billed since")
    pages.open_customer(page, CUSTOMER)
    services = page.get_by_test_id("services")
    expect(services).to_contain_text("Enterprise broadband × 1")
    expect(services).to_contain_text("Group SMS (MAS/ADC) × 1")
