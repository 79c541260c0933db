"""What `keyaccounts.core.reads` still gives the inbox reads as the ORM reads it."""

import pytest
from django.db import connection, models
from viewflow.workflow.models import Task

from keyaccounts.core.reads import columns_of, rows_as
from orders.flows import OrderFlow
from orders.models import OrderItem
from tests.orders.test_order_flow import GOOD, draft, submit

pytestmark = pytest.mark.django_db


def _values(instance: models.Model) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_rows_of_ones_own_statement_read_as_the_orms_raw_reads_them(catalogue, manager, customer):
    order = submit(manager, draft(manager, customer, catalogue["T1"], elements=GOOD))
    sql = f"SELECT {columns_of(Task)} FROM viewflow_task WHERE process_id = %s ORDER BY id"
    by_orm = list(Task.objects.raw(sql, [order.process_id]))

    read = rows_as(Task, sql, [order.process_id])

    assert [_values(task) for task in read] == [_values(task) for task in by_orm]
    assert [task.flow_task for task in read] == [
        OrderFlow.start,
        OrderFlow.check,
        OrderFlow.after_check,
        OrderFlow.accept,
    ]


def test_plain_sql_names_its_table_and_columns_from_the_model():
    from keyaccounts.core.reads import sql_names

    names = sql_names(OrderItem)
    quote = connection.ops.quote_name
    assert (str(names), names.pk, names.order, names.state) == tuple(
        quote(name) for name in ("orders_orderitem", "id", "order_id", "state")
    )
    assert not hasattr(names, "no_such_field")  # a missing name is a missing attribute, as everywhere
