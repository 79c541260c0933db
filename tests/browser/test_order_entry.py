"""An order as people enter and accept it: a multi-item order with resource elements, refused on a bad
value, submitted, accepted by the order-acceptance team, tested by the provisioning team once the peers
answered, accepted by the customer: completed, billing started."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from orders.demo import DEMO_ORDER_NOTE
from orders.models import Order
from tests.browser.test_shell import sign_in
from tests.launch import peers_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, stub_server, settings):
    settings.EOMS_BASE_URL = f"{stub_server}/eoms"
    settings.SI_BASE_URL = f"{stub_server}/si"
    settings.GATEWAY_BASE_URL = f"{stub_server}/gateway"
    call_command("seed_demo", verbosity=0)


def fill_common(page: Page, prefix: str) -> None:
    page.fill(f"#id_{prefix}contact_name", "刘洋")
    page.fill(f"#id_{prefix}contact_phone", "13804310000")
    page.fill(f"#id_{prefix}contract_no", "JL2026112301")
    page.fill(f"#id_{prefix}monthly_fee", "3000")
    page.select_option(f"#id_{prefix}sla_grade", "gold")


def test_a_multi_item_order_with_resource_elements_from_entry_to_completed(page: Page, live_server, demo):
    base = live_server.url
    sign_in(page, base, "am_changchun")
    page.get_by_role("link", name="Orders").click()
    page.get_by_role("link", name="Enter an order").click()
    page.select_option("#id_customer", index=1)
    page.get_by_label("Internet dedicated line").check()
    page.get_by_label("VPMN (virtual private mobile network)").check()
    page.get_by_role("button", name="Create the draft").click()

    order = Order.objects.exclude(note=DEMO_ORDER_NOTE).get(status=Order.Status.DRAFT, opportunity=None)
    line, vpmn = (order.items.get(product__code=c) for c in ("internet-line", "vpmn"))
    expect(page.get_by_test_id("order-item")).to_have_count(2)
    expect(page.get_by_test_id("order-form")).to_contain_text("Resource and technical elements")
    line_prefix, vpmn_prefix = f"item{line.pk}-internet-line__", f"item{vpmn.pk}-vpmn__"
    fill_common(page, line_prefix)
    page.fill(f"#id_{line_prefix}install_address", "长春市绿园区西新工业园 8 号")
    page.select_option(f"#id_{line_prefix}bandwidth", "100M")
    page.fill(f"#id_{line_prefix}ip_count", "999")  # beyond the product's maximum
    fill_common(page, vpmn_prefix)
    page.fill(f"#id_{vpmn_prefix}member_count", "400")
    page.select_option(f"#id_{vpmn_prefix}package", "VPMN-58")
    page.get_by_role("button", name="Submit the order").click()
    expect(page.get_by_test_id("order-form")).to_contain_text("less than or equal to 256")
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT

    page.fill(f"#id_{line_prefix}ip_count", "8")
    page.get_by_role("button", name="Submit the order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Accept the order")

    page.get_by_role("button", name="Log out").click()
    sign_in(page, base, "bo_changchun")
    mine = page.get_by_test_id("order-task-list").locator("li", has_text=order.number)
    mine.get_by_role("link", name="Accept the order").click()
    page.get_by_label("Accept / approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("order-status")).to_have_text("In progress")
    expect(page.get_by_test_id("order-items")).to_contain_text("instant activation")

    peers_answer()  # what beat does every few seconds
    page.reload()
    expect(page.get_by_test_id("timeline")).to_contain_text("Work order progressed")
    expect(page.get_by_test_id("open-tasks")).to_contain_text("Test against the acceptance criteria")

    page.get_by_role("button", name="Log out").click()
    sign_in(page, base, "ops_changchun")
    mine = page.get_by_test_id("launch-task-list").locator("li", has_text=order.number)
    mine.get_by_role("link", name="Test against the acceptance criteria").click()
    page.get_by_label("Passed: the criteria are met").check()
    page.fill("#id_note", "100M throughput and 8 public IPs verified")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("acceptance-test")).to_contain_text("passed")

    page.get_by_role("button", name="Log out").click()
    sign_in(page, base, "am_changchun")
    mine = page.get_by_test_id("launch-task-list").locator("li", has_text=order.number)
    mine.get_by_role("link", name="Record the customer's acceptance").click()
    page.fill("#id_note", "Acceptance form signed by 刘洋")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Completed")
    expect(page.get_by_test_id("billing")).to_contain_text("billed since")
    assert order.customer.services.filter(origin__order=order).count() == 2
