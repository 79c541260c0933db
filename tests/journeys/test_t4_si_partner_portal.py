"""T4 (L5): a product an SI company configures. The order names no company; the product does (Industry OTA: the
integrator that works in our portal). Once the order is transferred, the integrator's staff find the work order in
the portal, read what to configure, report progress and completion there; the provisioning team tests the service,
the customer accepts it and it runs."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code
from tests.journeys import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春智行客车有限公司"
OTA = "Industry OTA"


def test_t4_an_si_partner_completes_its_work_order_in_the_portal(page: Page, configured):
    base = configured
    pages.archive_a_customer(page, base, name=CUSTOMER, credit_code=credit_code(4501), address="长春市汽开区 8 号")
    pages.enter_an_order(page, products=[OTA])
    pages.fill_item(
        page,
        OTA,
        {**pages.COMMON_ELEMENTS, "Terminals": "300", "Acceptance criteria": "OTA update reaches 99% of terminals"},
    )
    pages.submit_the_order(page)
    pages.sign_out(page)

    pages.sign_in(page, base, "bo_changchun")
    pages.accept_the_order(page, base, CUSTOMER)
    expect(page.get_by_test_id("order-items")).to_contain_text("Acknowledged")  # the work order waits in the portal
    pages.sign_out(page)

    # The integrator of the product works its order in the portal: it sees what to configure, nothing else.
    pages.sign_in(page, base, "si_jlsmart")
    expect(page.get_by_role("link", name="Inbox")).to_have_count(0)
    pages.open_the_work_order_in_the_portal(page, CUSTOMER)
    expect(page.get_by_text("OTA update reaches 99% of terminals")).to_be_visible()
    pages.report_progress(page, state="In progress", note="Terminal profiles loaded")
    expect(page.get_by_test_id("work-order-state")).to_have_text("In progress")
    pages.report_progress(page, state="Completed", note="Pilot of 300 terminals updated")
    expect(page.get_by_test_id("work-order-state")).to_have_text("Completed")
    expect(page.get_by_test_id("progress-form")).to_have_count(0)
    pages.sign_out(page)

    pages.sign_in(page, base, "ops_changchun")
    pages.pass_the_acceptance_test(page, base, CUSTOMER)
    expect(page.get_by_test_id("timeline")).to_contain_text("SI partner reported progress")
    pages.sign_out(page)
    pages.sign_in(page, base, "am_changchun")
    pages.record_the_customers_acceptance(page, base, CUSTOMER)
    pages.order_is(page, "Completed")
    pages.open_customer(page, CUSTOMER)
    expect(page.get_by_test_id("services")).to_contain_text(f"{OTA} × 1")
