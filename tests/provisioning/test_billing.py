"""Billing follows the contract: a launched service is billed from the later of the customer's acceptance and the
order's requested start date (the beat job starts it on that day, never before); a cancelled service's billing
stops at its termination, and one cancelled before its day is never billed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from viewflow.workflow.models import Task

from keyaccounts.catalogue.models import Service
from keyaccounts.celery import app
from keyaccounts.core.timeline import timeline_for
from orders import services
from orders.flows import OrderFlow
from orders.models import Order, OrderItem
from orders.services import ItemInput
from provisioning.services import billing_start_due
from tests.launch import accept_service, peers_answer

pytestmark = pytest.mark.django_db
GOOD = {"site": "长春市人民大街 100 号", "members": 20}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


ACCEPTED_ON = dt.date(2027, 3, 1)
REQUESTED = dt.date(2027, 3, 15)


def launched(manager, customer, acceptor, ops, product, *, requested=None, action=OrderItem.Action.ADD, service=None):
    """An order of the product entered, accepted, activated and accepted by the customer (instant activation: the
    launch finishes when it is activated)."""
    if service is None:
        order = services.order_create(
            user=manager, customer=customer, items=[ItemInput(product=product, elements=dict(GOOD))]
        )
    else:
        order = services.order_change_service(user=manager, service=service, action=action)
    services.order_save_draft(
        user=manager,
        order=order,
        version=order.version,
        header={"requested_start_date": requested},
        elements={},
        quantities={},
    )
    order.refresh_from_db()
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    peers_answer()
    accept_service(order, ops=ops, manager=manager)
    order = Order.objects.get(pk=order.pk)
    assert order.status == Order.Status.COMPLETED
    return order


def actions(order) -> list[str]:
    return [event.action for event in timeline_for(order)]


def test_billing_waits_for_the_requested_date_and_the_beat_job_starts_it_on_the_day(
    client, catalogue, manager, customer, acceptor, ops
):
    with time_machine.travel(at(ACCEPTED_ON), tick=False):
        order = launched(manager, customer, acceptor, ops, catalogue["T1"], requested=REQUESTED)
    service = Service.objects.get(origin__order=order)
    assert (service.billing_starts_on, service.billing_started_at) == (REQUESTED, None)
    assert actions(order)[-1] == "launch.billing_scheduled"
    client.force_login(manager)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "billing starts on 2027-03-15" in page

    with time_machine.travel(at(REQUESTED - dt.timedelta(days=1), 23), tick=False):
        assert billing_start_due() == 0  # the evening before: not yet
    assert Service.objects.get(pk=service.pk).billing_started_at is None

    with time_machine.travel(at(REQUESTED, 0) + dt.timedelta(minutes=10), tick=False):
        assert billing_start_due() == 1
        assert billing_start_due() == 0  # a second pass starts nothing twice
    service.refresh_from_db()
    assert service.billing_started_at == at(REQUESTED, 0) + dt.timedelta(minutes=10)
    assert actions(order)[-1] == "launch.billing_started"
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "billed since 2027-03-15" in page


def test_a_requested_date_already_past_bills_from_the_acceptance(catalogue, manager, customer, acceptor, ops):
    with time_machine.travel(at(ACCEPTED_ON), tick=False):
        order = launched(manager, customer, acceptor, ops, catalogue["T1"], requested=ACCEPTED_ON - dt.timedelta(7))
    service = Service.objects.get(origin__order=order)
    assert (service.billing_starts_on, service.billing_started_at) == (ACCEPTED_ON, at(ACCEPTED_ON))


def test_a_cancelled_service_stops_billing_and_its_cancellation_starts_none(
    client, catalogue, manager, customer, acceptor, ops
):
    with time_machine.travel(at(ACCEPTED_ON), tick=False):
        launched(manager, customer, acceptor, ops, catalogue["T1"])
    service = Service.objects.get()
    assert service.billing_started_at == at(ACCEPTED_ON)

    with time_machine.travel(at(ACCEPTED_ON + dt.timedelta(days=30)), tick=False):
        teardown = launched(
            manager, customer, acceptor, ops, catalogue["T1"], action=OrderItem.Action.DELETE, service=service
        )
        assert billing_start_due() == 0
    service.refresh_from_db()
    assert service.status == Service.Status.TERMINATED
    assert service.billing_stopped_at == at(ACCEPTED_ON + dt.timedelta(days=30))
    assert service.billing_started_at == at(ACCEPTED_ON)  # as it was: the cancellation started nothing
    assert not {"launch.billing_started", "launch.billing_scheduled"} & set(actions(teardown))
    client.force_login(manager)
    page = client.get(reverse("orders:detail", args=[teardown.pk])).content.decode()
    assert "billed from 2027-03-01 to 2027-03-31" in page


def test_a_service_cancelled_before_its_billing_day_is_never_billed(catalogue, manager, customer, acceptor, ops):
    with time_machine.travel(at(ACCEPTED_ON), tick=False):
        launched(manager, customer, acceptor, ops, catalogue["T1"], requested=REQUESTED)
        service = Service.objects.get()
        launched(manager, customer, acceptor, ops, catalogue["T1"], action=OrderItem.Action.DELETE, service=service)
    with time_machine.travel(at(REQUESTED), tick=False):
        assert billing_start_due() == 0
    service.refresh_from_db()
    assert (service.status, service.billing_started_at, service.billing_stopped_at) == (
        Service.Status.TERMINATED,
        None,
        None,
    )


def test_the_beat_runs_the_billing_job():
    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "provisioning.tasks.billing_start_due_task" in tasks
    assert "provisioning.tasks.billing_start_due_task" in app.tasks
