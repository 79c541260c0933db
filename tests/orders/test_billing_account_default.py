"""A new order is charged to the customer's first active billing account."""

import pytest

from orders.models import BillingAccount
from tests.orders.test_order_flow import GOOD, draft

pytestmark = pytest.mark.django_db


def test_a_new_order_is_charged_to_the_customers_first_active_account(catalogue, manager, customer):
    BillingAccount.objects.create(customer=customer, number="BA-0431-0000", state=BillingAccount.State.CLOSED)
    BillingAccount.objects.create(customer=customer, number="BA-0431-0002")

    order = draft(manager, customer, catalogue["T1"], elements=GOOD)

    assert order.billing_account.number == "BA-0431-0001"
    BillingAccount.objects.filter(customer=customer).update(state=BillingAccount.State.SUSPENDED)
    assert draft(manager, customer, catalogue["T1"], elements=GOOD).billing_account is None
