"""L3: a network line where EOMS finds no resource, so a construction project comes before the configuration. The
account manager orders an internet dedicated line to a new site (the EOMS stub answers "resources missing" for a
site it has to build to); EOMS reports the construction's start and end as milestones of the work order, the
construction is timed under its own step (network construction), then the line is configured, tested by the
provisioning team and accepted by the customer."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code
from tests.journeys import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春新区光电科技有限公司"
NEW_SITE = "长春市新区 3 号厂房 (construction)"  # the stub's word for a site EOMS has to build to
LINE = "Internet dedicated line"


def test_l3_a_line_built_before_it_is_configured(page: Page, configured):
    base = configured
    pages.archive_a_customer(page, base, name=CUSTOMER, credit_code=credit_code(3303), address="长春市新区 1 号")
    pages.enter_an_order(page, products=[LINE])
    pages.fill_item(
        page,
        LINE,
        {**pages.COMMON_ELEMENTS, "Installation address": NEW_SITE, "Bandwidth": "100M", "Public IPv4 addresses": "4"},
    )
    pages.submit_the_order(page)
    pages.sign_out(page)

    pages.sign_in(page, base, "bo_changchun")
    pages.accept_the_order(page, base, CUSTOMER)
    pages.sign_out(page)

    # EOMS built the line first: its milestones are on the order's timeline, the construction timed under its own
    # step; the provisioning team then tests the line, and the order page it lands on tells the story.
    pages.sign_in(page, base, "ops_changchun")
    pages.pass_the_acceptance_test(page, base, CUSTOMER)
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Milestone: resources missing: construction started")
    expect(timeline).to_contain_text("Milestone: construction finished")
    expect(page.get_by_test_id("sla").locator("li", has_text="Network construction")).to_contain_text("met")
    pages.sign_out(page)

    pages.sign_in(page, base, "am_changchun")
    pages.record_the_customers_acceptance(page, base, CUSTOMER)
    pages.order_is(page, "Completed")
    pages.open_customer(page, CUSTOMER)
    expect(page.get_by_test_id("services")).to_contain_text(f"{LINE} × 1")
