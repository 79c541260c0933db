"""Scenario E1 end to end, as people do it, each signing in as themselves: the account manager registers a new
customer, the reviewer takes the review from the team queue and approves it, the opportunity is recorded and
won, the order is accepted, work orders go to the EOMS and SI stubs over HTTP, the service is tested and
accepted, the order completes; the supervisor follows the process and sees its SLA outcome.

What beat does every few seconds (deliver the outbox, read the peers, tell people of new tasks) is called
between the steps, as `peers_answer()` and `notifications_for_new_tasks()`.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from customers.models import Customer
from keyaccounts.core.notifications import notifications_for_new_tasks
from opportunities.models import Opportunity
from orders.models import Order
from provisioning.models import WorkOrder
from sla.models import SlaClock
from tests.browser.test_order_entry import fill_common
from tests.browser.test_shell import sign_in
from tests.factories import credit_code
from tests.journeys.pages import open_a_billing_account
from tests.launch import peers_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAME = "长春星辰精密制造有限公司"


@pytest.fixture
def demo(transactional_db, stub_server, settings):
    settings.EOMS_BASE_URL = f"{stub_server}/eoms"
    settings.SI_BASE_URL = f"{stub_server}/si"
    call_command("seed_demo", verbosity=0)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def take_from_the_queue(page: Page, base: str, customer: str, task: str) -> None:
    """Inbox → Team queue → claim the task of this customer → open it from My tasks."""
    page.goto(f"{base}/inbox/?view=queue")
    row = page.get_by_test_id("inbox").locator("tr", has_text=customer).filter(has_text=task)
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("alert")).to_contain_text("Claimed")
    page.goto(f"{base}/inbox/?view=mine")
    page.get_by_test_id("inbox").locator("tr", has_text=customer).get_by_role("link", name=task).click()


def test_e1_new_customer_to_a_running_service(page: Page, live_server, demo):
    base = live_server.url

    # 1. The account manager registers the new customer.
    sign_in(page, base, "am_changchun")
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="Register a customer").click()
    page.fill("#id_name", NAME)
    page.fill("#id_credit_code", credit_code(7707))
    page.select_option("#id_industry", "manufacturing")
    page.select_option("#id_size", "medium")
    page.fill("#id_address", "长春市高新区硅谷大街 77 号")
    page.select_option("#id_proposed_level", "B")
    page.fill("#id_contacts-0-name", "赵磊")
    page.fill("#id_contacts-0-role", "IT manager")
    page.fill("#id_contacts-0-phone", "13604317707")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("Initialized")
    log_out(page)

    # 2. The reviewer hears of it under the bell, takes it from the team queue and approves.
    notifications_for_new_tasks()
    sign_in(page, base, "bo_changchun")
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notifications")).to_contain_text(f"Review the customer record for {NAME}")
    take_from_the_queue(page, base, NAME, "Review the customer record")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("Validated")
    log_out(page)
    customer = Customer.objects.get(name=NAME)

    # 3. The account manager opens the customer's billing account from its page, then records the
    # opportunity, qualifies and quotes it, and wins it.
    sign_in(page, base, "am_changchun")
    page.goto(f"{base}/customers/{customer.pk}/")
    open_a_billing_account(page, payer=f"{NAME}财务部")
    page.goto(f"{base}/opportunities/new/")
    page.select_option("#id_customer", str(customer.pk))
    page.get_by_label("Enterprise broadband").check()
    page.get_by_label("Group SMS (MAS/ADC)").check()
    page.fill("#id_estimated_value", "33600")
    page.fill("#id_expected_close_date", (timezone.localdate() + dt.timedelta(days=90)).isoformat())
    page.fill("#id_description", "Broadband and SMS notices for the new plant")
    page.get_by_role("button", name="Record").click()
    page.get_by_test_id("open-tasks").get_by_role("link", name="Open").click()
    page.get_by_role("button", name="Complete the step").click()
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Quote the price")
    page.get_by_test_id("open-tasks").get_by_role("link", name="Open").click()
    page.get_by_role("button", name="Complete the step").click()
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Record the customer's answer")
    page.get_by_test_id("open-tasks").get_by_role("link", name="Open").click()
    page.get_by_role("button", name="The customer accepted: won").click()
    expect(page.get_by_test_id("won-order")).to_contain_text("Draft order")
    opportunity = Opportunity.objects.get(customer=customer)
    assert opportunity.status == Opportunity.Status.ACCEPTED

    # 4. The account manager completes the draft order's elements and submits it.
    order = Order.objects.get(opportunity=opportunity)
    page.goto(f"{base}/orders/{order.pk}/edit/")
    broadband, sms = (order.items.get(product__code=c) for c in ("enterprise-broadband", "group-sms"))
    broadband_prefix, sms_prefix = f"item{broadband.pk}-enterprise-broadband__", f"item{sms.pk}-group-sms__"
    fill_common(page, broadband_prefix)
    page.fill(f"#id_{broadband_prefix}install_address", "长春市高新区硅谷大街 77 号")
    page.select_option(f"#id_{broadband_prefix}bandwidth", "200M")
    fill_common(page, sms_prefix)
    page.fill(f"#id_{sms_prefix}signature", "【星辰精密】")
    page.fill(f"#id_{sms_prefix}monthly_volume", "20000")
    page.get_by_role("button", name="Submit the order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Acknowledged")
    log_out(page)

    # 5. The order-acceptance team accepts it from the inbox; work orders leave for EOMS and SI.
    sign_in(page, base, "bo_changchun")
    take_from_the_queue(page, base, NAME, "Accept the order")
    page.get_by_label("Accept / approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("order-status")).to_have_text("In progress")
    log_out(page)
    peers_answer()
    assert set(WorkOrder.objects.filter(order_item__order=order).values_list("peer", flat=True)) == {"eoms", "si"}
    assert set(WorkOrder.objects.filter(order_item__order=order).values_list("state", flat=True)) == {"completed"}

    # 6. The provisioning team tests the service; the account manager records the customer's acceptance.
    sign_in(page, base, "ops_changchun")
    take_from_the_queue(page, base, NAME, "Test against the acceptance criteria")
    page.get_by_label("Passed: the criteria are met").check()
    page.fill("#id_note", "200M measured; test SMS received")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("acceptance-test")).to_contain_text("passed")
    log_out(page)
    sign_in(page, base, "am_changchun")
    page.goto(f"{base}/inbox/?view=mine")
    page.get_by_test_id("inbox").locator("tr", has_text=NAME).get_by_role(
        "link", name="Record the customer's acceptance"
    ).click()
    page.fill("#id_note", "Acceptance form signed by 赵磊")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Completed")
    log_out(page)

    # 7. The supervisor follows the finished process and sees its SLA outcome.
    sign_in(page, base, "sup_changchun")
    page.goto(f"{base}/orders/{order.pk}/")
    page.get_by_test_id("track").click()
    expect(page.get_by_test_id("process-status")).to_have_text("Done")
    expect(page.get_by_test_id("chain")).to_contain_text(opportunity.number)
    expect(page.get_by_test_id("steps").locator("tr", has_text="Order acceptance")).to_contain_text("Met")
    page.get_by_role("link", name="SLA dashboard").click()
    # The journey's review is among the figure's met clocks (the demo's history has its own, some breached).
    page.get_by_test_id("by-step").locator("tr", has_text="Customer record review").get_by_test_id("met-link").click()
    review = customer.archiving_requests.get()
    expect(page.get_by_test_id("clocks").locator(f'a[href="/processes/{review.process_id}/"]')).to_have_count(1)
    finished = SlaClock.objects.filter(stopped_at__isnull=False, city=customer.city)
    assert {c.step for c in finished.filter(subject_id__in=[order.pk])} >= {"order.acceptance"}
