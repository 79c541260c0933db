"""An account manager opens a billing account for a newly archived customer from its page, then enters and
submits an order charged to it, in English and in Chinese."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import User
from orders.models import BillingAccount, Order
from tests.browser.test_order_entry import fill_common
from tests.browser.test_pages_in_chinese import switch_to_chinese
from tests.browser.test_shell import sign_in
from tests.factories import credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LABELS = {
    "en": {
        "open": "Open a billing account",
        "opened": "Open the account",
        "enter": "Enter an order",
        "create": "Create the draft",
        "submit": "Submit the order",
        "method": "Direct debit",
        "required": "This field is required.",
        "status": "Acknowledged",
    },
    "zh": {
        "open": "开立计费账户",
        "opened": "开立账户",
        "enter": "录入订单",
        "create": "创建草稿",
        "submit": "提交订单",
        "method": "银行托收",
        "required": "该字段是必填项。",
        "status": "已受理",
    },
}


@pytest.fixture
def demo(transactional_db, stub_server, settings):
    settings.EOMS_BASE_URL = f"{stub_server}/eoms"
    settings.SI_BASE_URL = f"{stub_server}/si"
    settings.GATEWAY_BASE_URL = f"{stub_server}/gateway"
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_open_a_billing_account_then_order_with_it(page: Page, live_server, demo, language):
    labels = LABELS[language]
    manager = User.objects.get(username="am_changchun")
    customer = Customer.objects.create(  # just archived: no billing account yet
        name="长春光华电子有限公司",
        credit_code=credit_code(4243),
        industry="manufacturing",
        size="medium",
        address="长春市朝阳区光华路 8 号",
        city=manager.city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="C",
        proposed_level="C",
    )
    base = live_server.url
    sign_in(page, base, "am_changchun")
    if language == "zh":
        switch_to_chinese(page)
    page.goto(f"{base}/customers/{customer.pk}/")
    page.get_by_test_id("billing-accounts").get_by_role("link", name=labels["open"]).click()

    form = page.get_by_test_id("billing-account-form")
    page.fill("#id_payer_name", "")
    page.get_by_role("button", name=labels["opened"]).click()
    expect(form).to_contain_text(labels["required"])  # nothing saved on bad input
    assert not BillingAccount.objects.filter(customer=customer).exists()

    page.fill("#id_payer_name", "光华电子财务部")
    page.select_option("#id_payment_method", "directDebit")
    page.fill("#id_credit_limit", "2000")
    page.get_by_role("button", name=labels["opened"]).click()
    account = BillingAccount.objects.get(customer=customer)
    accounts = page.get_by_test_id("billing-accounts")
    expect(accounts).to_contain_text(account.number)
    expect(accounts).to_contain_text("光华电子财务部")
    expect(accounts).to_contain_text(labels["method"])

    page.get_by_role("link", name=labels["enter"]).click()
    vpmn = Product.objects.get(code="vpmn")
    page.check(f"input[name=products][value='{vpmn.pk}']")
    page.get_by_role("button", name=labels["create"]).click()
    order = Order.objects.get(customer=customer)
    expect(page.get_by_test_id("needs-account")).to_have_count(0)
    expect(page.locator("#id_billing_account")).to_have_value(str(account.pk))
    item = order.items.get()
    prefix = f"item{item.pk}-vpmn__"
    fill_common(page, prefix)
    page.fill(f"#id_{prefix}member_count", "40")
    page.select_option(f"#id_{prefix}package", "VPMN-58")
    page.get_by_role("button", name=labels["submit"]).click()
    expect(page.get_by_test_id("order-status")).to_have_text(labels["status"])
    order.refresh_from_db()
    assert order.billing_account == account
    assert order.status == Order.Status.ACKNOWLEDGED
