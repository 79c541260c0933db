"""What `keyaccounts.core.reads` still gives provisioning, the inbox and the catalogue reads as the ORM reads it."""

import pytest
from django.db import connection, models
from viewflow.workflow.models import Task

from keyaccounts.core.reads import columns_of, read_all_with_related, rows_as
from orders.flows import OrderFlow
from orders.models import OrderItem
from tests.orders.test_order_flow import GOOD, draft, submit, task

pytestmark = pytest.mark.django_db


def _values(instance: models.Model) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_an_orders_items_read_as_its_related_manager_reads_them(
    catalogue, manager, customer, django_assert_num_queries
):
    order = draft(manager, customer, catalogue["T1"], catalogue["T2"], elements=GOOD)
    by_orm = list(order.items.select_related("product", "service"))

    with django_assert_num_queries(1):
        items = read_all_with_related(OrderItem, {"order": order}, ("product", "service"))
        assert all(item.order is order and item.service is None for item in items)  # cached, as the ORM does

    assert [_values(item) for item in items] == [_values(item) for item in by_orm]
    assert [item.product.code for item in items] == [item.product.code for item in by_orm]


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


def test_rows_among_values_read_in_the_order_asked_as_the_orm_reads_them(
    catalogue, manager, customer, acceptor, django_assert_num_queries
):
    from keyaccounts.core.workflow import OPEN_STATUSES
    from keyaccounts.inbox.inbox import inbox_claim
    from orders.services import order_accept

    first = submit(manager, draft(manager, customer, catalogue["T1"], elements=GOOD))
    second = submit(manager, draft(manager, customer, catalogue["T2"], elements=GOOD))
    order_accept(user=acceptor, task_pk=task(first, OrderFlow.accept).pk, decision="approve")
    inbox_claim(user=acceptor, task_pk=task(second, OrderFlow.accept).pk)  # a step with its owner
    processes = [first.process_id, second.process_id]
    by_orm = list(Task.objects.filter(process__in=processes, status__in=OPEN_STATUSES).select_related("owner"))
    assert len(by_orm) >= 2  # open steps of both orders, newest first (the model's order)

    with django_assert_num_queries(1):
        read = read_all_with_related(
            Task, {"process": processes, "status": OPEN_STATUSES}, ("owner",), order_by=("-created",)
        )
        assert [task.owner for task in read] == [task.owner for task in by_orm]
        assert acceptor in [task.owner for task in read]
    assert [_values(task) for task in read] == [_values(task) for task in by_orm]
    with django_assert_num_queries(0):
        assert read_all_with_related(Task, {"process": [], "status": OPEN_STATUSES}) == []


def test_plain_sql_names_its_table_and_columns_from_the_model():
    from keyaccounts.core.reads import sql_names

    names = sql_names(OrderItem)
    quote = connection.ops.quote_name
    assert (str(names), names.pk, names.order, names.state) == tuple(
        quote(name) for name in ("orders_orderitem", "id", "order_id", "state")
    )
    assert not hasattr(names, "no_such_field")  # a missing name is a missing attribute, as everywhere
