"""`keyaccounts.core.fastpath`: each function reads or writes exactly what its ORM equivalent does."""

import threading

import pytest
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task

from keyaccounts.core import fastpath
from keyaccounts.core.fastpath import read_with_related
from orders.flows import OrderFlow
from orders.models import Order
from tests.orders.test_order_flow import GOOD, draft, submit, task

pytestmark = pytest.mark.django_db


def _values(instance: models.Model) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_a_task_reads_as_the_orm_reads_it_with_its_process_order_and_customer(
    catalogue, manager, customer, django_assert_num_queries
):
    order = submit(manager, draft(manager, customer, catalogue["T1"], elements=GOOD))
    pk = task(order, OrderFlow.accept).pk
    paths = ("process", "process__order__customer", "process__order__billing_account", "owner")
    by_orm = Task.objects.select_related(*paths).get(pk=pk)

    with django_assert_num_queries(1):
        read = read_with_related(Task, pk, paths)
        # The relations are cached both ways, as the ORM caches them.
        order_read = read.process.order
        assert order_read.process is read.process
        assert (order_read.customer.pk, order_read.billing_account.pk, read.owner) == (
            customer.pk,
            order.billing_account_id,
            None,
        )

    assert _values(read) == _values(by_orm)  # converted alike: the flow node, the token, times, JSON
    assert read.flow_task is OrderFlow.accept
    assert _values(read.process) == _values(by_orm.process)
    assert _values(order_read) == _values(by_orm.process.order)
    assert _values(order_read.customer) == _values(by_orm.process.order.customer)
    assert (read._state.adding, read._state.db) == (False, by_orm._state.db)


def test_a_missing_reverse_row_reads_as_none_and_a_missing_row_raises(
    catalogue, manager, customer, django_assert_num_queries
):
    order = submit(manager, draft(manager, customer, catalogue["T1"], elements=GOOD))
    start = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.start)

    read = read_with_related(Task, start.pk, ("process__launch__order",))  # not transferred: no launch yet

    with django_assert_num_queries(0), pytest.raises(type(read.process).launch.RelatedObjectDoesNotExist):
        assert read.process.launch is None  # raises: cached as missing, as select_related leaves it
    with pytest.raises(Task.DoesNotExist):
        read_with_related(Task, 0, ("process",))


def test_a_locked_read_locks_the_row_read_only(catalogue, manager, customer):
    order = draft(manager, customer, catalogue["T1"], elements=GOOD)

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        read = read_with_related(Order, order.pk, ("customer", "billing_account"), lock=True)

    assert captured.captured_queries[-1]["sql"].endswith("FOR UPDATE OF r0")  # not the customer's row
    assert _values(read) == _values(Order.objects.get(pk=order.pk))
    assert (read.customer.pk, read.billing_account.pk) == (customer.pk, order.billing_account_id)


def test_a_read_within_a_scope_finds_only_a_row_of_the_scope(catalogue, manager, customer, django_assert_num_queries):
    order = draft(manager, customer, catalogue["T1"], elements=GOOD)
    paths = ("customer", "account_manager")

    with django_assert_num_queries(1):  # the scope is a subquery of the one statement
        read = read_with_related(Order, order.pk, paths, within=Order.objects.filter(account_manager=manager))
        assert (read.customer.pk, read.account_manager.pk) == (customer.pk, manager.pk)
    assert _values(read) == _values(Order.objects.get(pk=order.pk))
    for outside in (Order.objects.exclude(account_manager=manager), Order.objects.none()):
        with pytest.raises(Order.DoesNotExist):
            read_with_related(Order, order.pk, paths, within=outside)


def test_a_read_takes_its_database_from_the_router(catalogue, manager, customer, monkeypatch):
    order = draft(manager, customer, catalogue["T1"], elements=GOOD)
    asked = []

    def db_for(mode):
        def ask(model, **hints):
            asked.append((mode, model))
            return "default"

        return ask

    monkeypatch.setattr(fastpath.router, "db_for_read", db_for("read"))
    monkeypatch.setattr(fastpath.router, "db_for_write", db_for("write"))
    read_with_related(Order, order.pk)
    with transaction.atomic():
        read_with_related(Order, order.pk, lock=True)
    assert asked == [("read", Order), ("write", Order)]


# ---------------------------------------------------------------------------- insert_plain_rows
def _stored(model, **match) -> list[dict]:
    """The rows as stored, without what differs between two writes of the same values (pk, moment written)."""
    skip = {model._meta.pk.attname, "created_at"}
    return [
        {name: value for name, value in row.items() if name not in skip}
        for row in model.objects.filter(**match).order_by("pk").values()
    ]


def test_plain_rows_are_stored_as_bulk_create_stores_their_instances(city, user_in_role):
    """Quotes, backslashes, braces, commas, the word NULL, empty text, a missing value, JSON and Chinese text
    come back as `bulk_create` stores them; the fields not given get their default and now."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from keyaccounts.core.models import TimelineEvent
    from keyaccounts.core.roles import Role

    actor = user_in_role(Role.BACK_OFFICE)
    texts = ['say "no"', "back\\slash", "{braces}, commas", "NULL", "", "长春 · 吉林"]
    fields = ["subject_type_id", "subject_id", "actor_id", "action", "reason", "data"]

    def rows(kind):
        return [(kind, n, actor.pk if n % 2 else None, t, t[:40], {"q": t, "n": n}) for n, t in enumerate(texts)]

    by_orm, by_fastpath = (ContentType.objects.get_for_model(m).pk for m in (type(city), type(actor)))
    TimelineEvent.objects.bulk_create([TimelineEvent(**dict(zip(fields, row, strict=True))) for row in rows(by_orm)])
    before = timezone.now()

    assert fastpath.insert_plain_rows(TimelineEvent, fields, rows(by_fastpath)) == len(texts)

    written = _stored(TimelineEvent, subject_type_id=by_fastpath)
    assert written == [
        {**row, "subject_type_id": by_fastpath} for row in _stored(TimelineEvent, subject_type_id=by_orm)
    ]
    assert [row["from_state"] for row in written] == [""] * len(texts)  # a field not given: its default
    assert all(e.created_at >= before for e in TimelineEvent.objects.filter(subject_type_id=by_fastpath))


def test_plain_rows_in_conflict_are_left_out_as_bulk_create_ignores_them(user_in_role):
    from keyaccounts.core.models import Notification
    from keyaccounts.core.roles import Role

    reader, other = user_in_role(Role.BACK_OFFICE, username="reader"), user_in_role(Role.BACK_OFFICE, username="other")
    Notification.objects.create(recipient=reader, kind=Notification.Kind.SLA_WARNING, key="k", data={"v": 1})
    fields = ["recipient_id", "kind", "key", "data"]
    rows = [
        (reader.pk, Notification.Kind.SLA_WARNING, "k", {"v": 2}),
        (other.pk, Notification.Kind.SLA_WARNING, "k", {"v": 2}),
    ]

    assert fastpath.insert_plain_rows(Notification, fields, rows + rows, skip_conflicts=True) == 1
    by_fastpath = _stored(Notification)
    Notification.objects.filter(recipient=other).delete()
    Notification.objects.bulk_create(
        [Notification(**dict(zip(fields, row, strict=True))) for row in rows + rows], ignore_conflicts=True
    )
    assert _stored(Notification) == by_fastpath  # the reader's left as it was; the other's once


def test_plain_rows_take_their_database_from_the_router(monkeypatch, city):
    from django.contrib.contenttypes.models import ContentType

    from keyaccounts.core.models import TimelineEvent

    asked = []

    def db_for_write(model, **hints):
        asked.append(model)
        return "default"

    monkeypatch.setattr(fastpath.router, "db_for_write", db_for_write)
    kind = ContentType.objects.get_for_model(city).pk
    fastpath.insert_plain_rows(TimelineEvent, ["subject_type_id", "subject_id", "action"], [(kind, city.pk, "x")])
    assert asked == [TimelineEvent]


def test_a_table_lock_names_the_models_tables_on_the_routers_database(monkeypatch):
    from sla.models import SlaDayCount, SlaDayDuration

    asked = []

    def ask(model, **hints):
        asked.append(model)
        return "default"

    monkeypatch.setattr(fastpath.router, "db_for_write", ask)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        fastpath.lock_tables(SlaDayCount, SlaDayDuration, mode="EXCLUSIVE")

    assert asked == [SlaDayCount, SlaDayDuration]
    tables = f'"{SlaDayCount._meta.db_table}", "{SlaDayDuration._meta.db_table}"'
    if connection.vendor == "postgresql":
        assert [q["sql"] for q in captured.captured_queries] == [f"LOCK TABLE {tables} IN EXCLUSIVE MODE"]
    else:  # SQLite serialises writers itself
        assert captured.captured_queries == []
    with pytest.raises(ValueError, match="unknown lock mode"):
        fastpath.lock_tables(SlaDayCount, mode="EXCLUSIVE; DROP")


def test_a_table_locked_exclusive_keeps_a_concurrent_writer_waiting_not_a_reader():
    from django.db import OperationalError

    from sla.models import SlaDayCount

    if connection.vendor != "postgresql":
        pytest.skip("table locks are PostgreSQL's")
    seen = []

    def other_session():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                seen.append(SlaDayCount.objects.count())  # the dashboards go on reading
                SlaDayCount.objects.filter(pk=-1).update(met=0)  # a writer takes ROW EXCLUSIVE: it waits
                seen.append("wrote")
        except OperationalError as error:
            seen.append(type(error.__cause__).__name__)
        finally:
            connection.close()

    with transaction.atomic():
        fastpath.lock_tables(SlaDayCount, mode="EXCLUSIVE")
        thread = threading.Thread(target=other_session)
        thread.start()
        thread.join()

    assert seen == [0, "LockNotAvailable"]
