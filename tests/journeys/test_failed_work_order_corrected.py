"""A failed work order put right: EOMS fails the work order of a line ordered to an address that does not exist;
the provisioning team, reading EOMS's error on the manual-handling page, corrects the address with a reason (on
the order's timeline) and sends a new work order, which carries the corrected address and completes; the line is
tested, accepted by the customer and runs."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code
from tests.journeys import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春南岭文化传媒有限公司"
WRONG = "长春市南关区 fail: no such building"  # the stub's word for an address EOMS cannot configure
RIGHT = "长春市南关区人民大街 88 号"
BROADBAND = "Enterprise broadband"


def test_a_failed_work_order_is_corrected_by_provisioning_and_completes(page: Page, configured):
    base = configured
    pages.archive_a_customer(page, base, name=CUSTOMER, credit_code=credit_code(5105), address=RIGHT)
    pages.enter_an_order(page, products=[BROADBAND])
    pages.fill_item(page, BROADBAND, {**pages.COMMON_ELEMENTS, "Installation address": WRONG, "Bandwidth": "200M"})
    pages.submit_the_order(page)
    pages.sign_out(page)

    pages.sign_in(page, base, "bo_changchun")
    pages.accept_the_order(page, base, CUSTOMER)
    pages.sign_out(page)

    # The provisioning team reads why EOMS failed and corrects the element; an empty reason is refused first.
    pages.sign_in(page, base, "ops_changchun")
    pages.take_from_the_queue(page, base, CUSTOMER, "Handle the failed work orders")
    expect(page.get_by_test_id("launch-items")).to_contain_text("Failed — configuration failed")
    page.get_by_label("Correct the order elements and send new work orders").check()
    item = page.get_by_test_id("item-elements").filter(has_text=BROADBAND)
    expect(pages.field(item, "Installation address")).to_have_value(WRONG)
    pages.field(item, "Installation address").fill(RIGHT)
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("launch-form")).to_contain_text("This field is required.")
    expect(pages.field(item, "Installation address")).to_have_value(RIGHT)  # what was typed is kept
    page.get_by_label("Reason").fill("The customer's office is at No. 88; the building named does not exist")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("alert")).to_contain_text("Recorded.")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("the building named does not exist")
    expect(timeline.get_by_test_id("elements-changed")).to_have_text(f"Installation address: {WRONG} → {RIGHT}")

    # The new work order carries the corrected address (EOMS would fail the old one again), completes, and the
    # line is tested.
    pages.pass_the_acceptance_test(page, base, CUSTOMER)
    work_orders = page.get_by_test_id("order-items")
    expect(work_orders).to_contain_text("Failed")
    expect(work_orders).to_contain_text("Completed")
    expect(work_orders).to_contain_text(RIGHT)
    pages.sign_out(page)

    pages.sign_in(page, base, "am_changchun")
    pages.record_the_customers_acceptance(page, base, CUSTOMER)
    pages.order_is(page, "Completed")
    pages.open_customer(page, CUSTOMER)
    expect(page.get_by_test_id("services")).to_contain_text(f"{BROADBAND} × 1")
