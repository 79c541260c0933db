"""E3: an archived customer orders a standard product directly, from its page: order → launch. A T1 product
is activated at once in our own systems; a T2 product goes to EOMS as a network work order, is tested by the
provisioning team and accepted by the customer."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code
from tests.journeys import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_e3_a_t1_product_ordered_directly_runs_at_once(page: Page, configured):
    base, customer = configured, "长春恒通物流有限公司"
    pages.archive_a_customer(page, base, name=customer, credit_code=credit_code(3101), address="长春市绿园区 3 号")

    pages.enter_an_order(page, products=["VPMN (virtual private mobile network)"])
    pages.fill_item(page, "VPMN", {**pages.COMMON_ELEMENTS, "Members": "40", "Package": "VPMN-58"})
    pages.submit_the_order(page)
    pages.sign_out(page)

    pages.sign_in(page, base, "bo_changchun")
    pages.accept_the_order(page, base, customer)
    pages.order_is(page, "Completed")
    expect(page.get_by_test_id("order-items")).to_contain_text("instant activation")
    expect(page.get_by_test_id("billing")).to_contain_text("billed since")
    pages.sign_out(page)

    pages.sign_in(page, base, "am_changchun")
    pages.open_customer(page, customer)
    expect(page.get_by_test_id("services")).to_contain_text("VPMN (virtual private mobile network) × 1")


def test_e3_a_t2_product_goes_to_eoms_and_is_tested_and_accepted(page: Page, configured):
    base, customer = configured, "长春宏达机械有限公司"
    pages.archive_a_customer(page, base, name=customer, credit_code=credit_code(3201), address="长春市二道区 5 号")

    pages.enter_an_order(page, products=["Enterprise broadband"])
    pages.fill_item(
        page,
        "Enterprise broadband",
        {**pages.COMMON_ELEMENTS, "Installation address": "长春市二道区 5 号", "Bandwidth": "200M"},
    )
    pages.submit_the_order(page)
    pages.sign_out(page)

    pages.sign_in(page, base, "bo_changchun")
    pages.accept_the_order(page, base, customer)
    pages.sign_out(page)

    # EOMS confirms, configures and completes the work order; the provisioning team then tests the line.
    pages.sign_in(page, base, "ops_changchun")
    pages.pass_the_acceptance_test(page, base, customer)
    expect(page.get_by_test_id("order-items")).to_contain_text("Completed")
    pages.sign_out(page)

    pages.sign_in(page, base, "am_changchun")
    pages.record_the_customers_acceptance(page, base, customer)
    pages.order_is(page, "Completed")
    expect(page.get_by_test_id("billing")).to_contain_text("billed since")
