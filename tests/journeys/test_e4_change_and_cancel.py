"""E4: a running service is changed, then cancelled, order (change/cancel) → launch (modify/tear down). The
account manager starts each from the service on the customer page; the order-acceptance team accepts it;
the cancelled service stops running and is not billed."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code
from tests.journeys import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春万通物流有限公司"
VPMN = "VPMN (virtual private mobile network)"


def accepted_by_the_back_office(page: Page, base: str) -> None:
    pages.submit_the_order(page)
    pages.sign_out(page)
    pages.sign_in(page, base, "bo_changchun")
    pages.accept_the_order(page, base, CUSTOMER)
    pages.order_is(page, "Completed")


def test_e4_a_running_service_changed_then_cancelled(page: Page, configured):
    base = configured
    pages.archive_a_customer(page, base, name=CUSTOMER, credit_code=credit_code(4404), address="长春市宽城区 9 号")
    pages.enter_an_order(page, products=[VPMN])
    pages.fill_item(page, "VPMN", {**pages.COMMON_ELEMENTS, "Members": "40", "Package": "VPMN-58"})
    accepted_by_the_back_office(page, base)
    pages.sign_out(page)

    # The change: more members on the running service.
    pages.sign_in(page, base, "am_changchun")
    pages.open_customer(page, CUSTOMER)
    page.get_by_test_id("services").get_by_role("button", name="Change").click()
    expect(page.get_by_test_id("order-item")).to_contain_text("Change a running service")
    expect(pages.field(page.get_by_test_id("order-item"), "Members")).to_have_value("40")
    pages.fill_item(page, "VPMN", {"Members": "60"})
    accepted_by_the_back_office(page, base)
    pages.sign_out(page)

    # The cancellation: the service is torn down and leaves the running services.
    pages.sign_in(page, base, "am_changchun")
    pages.open_customer(page, CUSTOMER)
    expect(page.get_by_test_id("services")).to_contain_text(f"{VPMN} × 1")
    page.get_by_test_id("services").get_by_role("button", name="Cancel the service").click()
    expect(page.get_by_test_id("order-item")).to_contain_text("Cancel a running service")
    accepted_by_the_back_office(page, base)
    # Billing stopped with the service; the cancellation itself started none.
    expect(page.get_by_test_id("billing")).to_contain_text(re.compile(r"billed from \d{4}-\d{2}-\d{2} to "))
    pages.sign_out(page)
    pages.sign_in(page, base, "am_changchun")
    pages.open_customer(page, CUSTOMER)
    expect(page.get_by_test_id("services")).to_contain_text("No running service yet.")
