"""`save_fields`: some fields of an instance saved as `save(update_fields=…)` saves them."""

import pytest
from django.db import DatabaseError

from keyaccounts.core.bulk import save_fields
from orders.models import Order
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
