"""The customer page's billing accounts: listed for whoever may see the customer, opened only by its account
manager once it is archived (orders registers the section, so customers imports nothing above it)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customers.business import business_of
from customers.models import Customer
from keyaccounts.core.roles import Role
from orders.models import BillingAccount
from tests.factories import credit_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(manager, city):
    return Customer.objects.create(
        name="吉林化纤集团",
        credit_code=credit_code(31),
        city=city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="B",
    )


def test_the_page_lists_each_account_with_payer_method_limit_and_arrears(client, manager, customer):
    BillingAccount.objects.create(
        customer=customer,
        number="BA0000000042",
        payer_name="化纤财务处",
        payment_method=BillingAccount.PaymentMethod.CASH_OR_CHEQUE,
        credit_limit=Decimal("3000.00"),
        arrears=Decimal("120.50"),
    )
    client.force_login(manager)
    section = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    section = section[section.index('data-testid="billing-accounts"') :]
    for shown in ("BA0000000042", "化纤财务处", "Cash or cheque", "3000.00", "120.50", "Open a billing account"):
        assert shown in section[: section.index("</section>")]


def test_a_customer_without_an_account_says_so_and_a_draft_customer_offers_no_opening(client, manager, customer):
    client.force_login(manager)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "No billing account yet" in page
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.INITIALIZED)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("orders:billing_account_new", args=[customer.pk]) not in page


def test_only_those_in_scope_see_the_accounts(user_in_role, manager, customer, supervisor, city, other_city):
    BillingAccount.objects.create(customer=customer, number="BA0000000043")
    colleague = user_in_role(Role.ACCOUNT_MANAGER, city=city, username="am_colleague")
    far = user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_far")
    assert [str(a.number) for a in business_of(manager, customer)["billing_accounts"]] == ["BA0000000043"]
    assert [a.number for a in business_of(supervisor, customer)["billing_accounts"]] == ["BA0000000043"]
    assert business_of(colleague, customer)["billing_accounts"] == []
    assert business_of(far, customer)["billing_accounts"] == []
