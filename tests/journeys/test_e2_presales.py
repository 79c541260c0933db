"""E2: an archived customer's business that needs pre-sales work, opportunity → order → launch. The dedicated
line is surveyed by EOMS at the installation address; the account manager's discount goes beyond the city
threshold, so the city supervisor approves it, reading the account manager's case and the margin; the won
opportunity's draft order already carries the surveyed address and the agreed price."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code
from tests.journeys import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春北方药业有限公司"
SITE = "长春市净月区生态大街 2999 号"


def test_e2_a_surveyed_opportunity_with_an_approved_discount_to_a_running_service(page: Page, configured):
    base = configured
    pages.archive_a_customer(page, base, name=CUSTOMER, credit_code=credit_code(2202), address=SITE)

    pages.record_an_opportunity(
        page,
        customer=CUSTOMER,
        products=["Internet dedicated line"],
        value="96000",
        description="A 100M line for the new laboratory",
    )
    expect(page.get_by_test_id("plan")).to_contain_text("Network resource survey by EOMS")
    pages.open_the_opportunity_step(page, "Qualify the opportunity")
    pages.qualify(page, installation_address=SITE)
    # EOMS surveys the address (beat reads its answer back); then the quote is the account manager's.
    pages.open_the_opportunity_step(page, "Quote the price")
    expect(page.get_by_test_id("demand")).to_contain_text("Qualified: resources available")
    pages.quote(page, discount="15")
    expect(page.get_by_test_id("task-form")).to_contain_text("Say why the customer should have this discount")
    pages.quote(page, discount="15", justification="A three-year contract; a competitor offers 12% off")
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Approve the discount (city)")
    pages.sign_out(page)

    pages.sign_in(page, base, "sup_changchun")
    pages.take_from_the_queue(page, base, CUSTOMER, "Approve the discount (city)")
    expect(page.get_by_test_id("justification")).to_contain_text("a competitor offers 12% off")
    margin = page.get_by_test_id("margin")
    expect(margin.get_by_role("row", name="Cost per year 62,400.00")).to_be_visible()
    expect(margin.get_by_role("row", name="Margin of the quote 23.5%")).to_be_visible()  # 81,600 against 62,400
    page.get_by_label("Approve the discount").check()
    page.get_by_role("button", name="Complete the step").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Discount approved")
    pages.sign_out(page)

    pages.sign_in(page, base, "am_changchun")
    pages.open_my_task(page, base, CUSTOMER, "Record the customer's answer")
    pages.win(page)
    line = page.get_by_test_id("order-item").filter(has_text="Internet dedicated line")
    expect(pages.field(line, "Installation address")).to_have_value(SITE)
    expect(pages.field(line, "Site contact")).to_have_value("赵磊")
    expect(line).to_contain_text("81600.00")
    pages.fill_item(
        page,
        "Internet dedicated line",
        {**pages.COMMON_ELEMENTS, "Bandwidth": "100M", "Public IPv4 addresses": "8"},
    )
    pages.launch_the_order(page, base, CUSTOMER)
    pages.open_customer(page, CUSTOMER)
    expect(page.get_by_test_id("services")).to_contain_text("Internet dedicated line × 1")
