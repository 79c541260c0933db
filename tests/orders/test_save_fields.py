"""`save_fields` and `insert_instance`: an instance's fields saved as `save(update_fields=…)` and `save()`
save them; and a new order's billing account, read by plain SQL."""

import pytest
from django.db import DatabaseError

from keyaccounts.core.bulk import insert_instance, save_fields
from orders.models import BillingAccount, Order, OrderItem
from tests.orders.test_order_flow import GOOD, draft

pytestmark = pytest.mark.django_db


def test_the_named_fields_are_saved_with_now_for_auto_now_and_the_others_left(catalogue, manager, customer):
    order = draft(manager, customer, catalogue["T1"], elements=GOOD)
    before = order.updated_at
    order.status, order.check_findings, order.note = Order.Status.ACKNOWLEDGED, ["a finding"], "not saved"

    save_fields(order, ["status", "check_findings", "updated_at"])

    saved = Order.objects.get(pk=order.pk)
    assert (saved.status, saved.check_findings, saved.note) == (Order.Status.ACKNOWLEDGED, ["a finding"], "")
    assert saved.updated_at == order.updated_at > before  # set on the instance too, as save() sets it


def test_no_row_with_its_pk_is_an_error_as_with_save(catalogue, manager, customer):
    order = draft(manager, customer, catalogue["T1"], elements=GOOD)
    order.pk = 0

    with pytest.raises(DatabaseError):
        save_fields(order, ["status"])


def test_a_new_instance_is_inserted_as_save_inserts_it(catalogue, manager, customer):
    order = draft(manager, customer, catalogue["T1"], elements=GOOD)
    item = OrderItem(order=order, product=catalogue["T2"], unit_price=10, elements={"members": 3})

    insert_instance(item)
    other = OrderItem(order=order, product=catalogue["T2"], unit_price=10)
    insert_instance(other)

    assert (item._state.adding, other.pk > item.pk) == (False, True)
    saved = OrderItem.objects.get(pk=item.pk)
    assert (saved.order, saved.product, saved.unit_price, saved.elements, saved.state, saved.quantity) == (
        order,
        catalogue["T2"],
        10,
        {"members": 3},
        OrderItem.State.ACKNOWLEDGED,
        1,
    )
    assert order.created_at is not None  # the order was inserted the same way, with its moments
    assert Order.objects.get(pk=order.pk).created_at == order.created_at


def test_a_new_order_is_charged_to_the_customers_first_active_account(catalogue, manager, customer):
    BillingAccount.objects.create(customer=customer, number="BA-0431-0000", state=BillingAccount.State.CLOSED)
    BillingAccount.objects.create(customer=customer, number="BA-0431-0002")

    order = draft(manager, customer, catalogue["T1"], elements=GOOD)

    assert order.billing_account.number == "BA-0431-0001"
    BillingAccount.objects.filter(customer=customer).update(state=BillingAccount.State.SUSPENDED)
    assert draft(manager, customer, catalogue["T1"], elements=GOOD).billing_account is None
