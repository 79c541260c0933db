"""A request to cancel an order in progress is someone's task: the order-acceptance team of the order's city finds it
in its queue under its own SLA step, hears of it, and sees it on the order page's "Waiting for"; its decision
cancels the order or lets it go on, and nobody else may take it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import Notification, Team
from keyaccounts.core.notifications import notification_text, notifications_for_new_tasks
from keyaccounts.core.roles import Role
from keyaccounts.inbox.inbox import inbox_claim, inbox_rows
from orders import services
from orders.flows import OrderCancellationFlow, OrderFlow
from orders.models import Order, OrderCancellation
from orders.services import ItemInput
from provisioning.models import WorkOrder
from sla.demo import seed_demo_policies
from sla.models import SlaClock
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db
GOOD = {"site": "长春市人民大街 100 号", "members": 20}


@pytest.fixture
def in_progress(catalogue, manager, customer, acceptor) -> Order:
    """A dedicated line accepted and transferred: its work order to EOMS waits in the outbox."""
    seed_demo_policies()
    order = services.order_create(
        user=manager, customer=customer, items=[ItemInput(product=catalogue["T2"], elements=dict(GOOD))]
    )
    order = services.order_submit(user=manager, order=order, version=order.version)
    accept = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=accept.pk, decision="approve")
    order = Order.objects.get(pk=order.pk)
    assert order.status == Order.Status.IN_PROGRESS
    return order


@pytest.fixture
def elsewhere(user_in_role, other_city):
    team = TeamFactory(city=other_city, kind=Team.Kind.ORDER_ACCEPTANCE)
    return user_in_role(Role.BACK_OFFICE, city=other_city, teams=[team], username="jilin_acceptor")


def assessment(order) -> Task:
    return Task.objects.get(process__order_cancellation__order=order, flow_task=OrderCancellationFlow.assess)


def test_a_request_is_a_task_in_the_acceptance_teams_queue_timed_and_notified(
    client, in_progress, manager, acceptor, supervisor, elsewhere
):
    services.order_request_cancellation(user=manager, order=in_progress, reason="The customer moved the office")

    order = Order.objects.get(pk=in_progress.pk)
    assert order.status == Order.Status.ASSESSING_CANCELLATION
    cancellation = OrderCancellation.objects.get(order=order)
    assert (cancellation.requested_by, cancellation.reason) == (manager, "The customer moved the office")
    (row,) = inbox_rows(acceptor, view="queue")
    assert (row.title, row.step, row.customer_name) == (
        "Assess the cancellation",
        "order.cancellation",
        order.customer.name,
    )
    assert row.sla is not None
    assert row.due_at is not None
    clock = SlaClock.objects.get(step="order.cancellation", stopped_at=None)
    assert clock.subject == cancellation
    assert not inbox_rows(elsewhere, view="queue")  # another city's team
    assert not inbox_rows(supervisor, view="queue")  # a supervisor watches it, the team does it
    assert not inbox_rows(manager, view="queue")

    notifications_for_new_tasks(now=timezone.now() + dt.timedelta(seconds=1))
    new_tasks = Notification.objects.filter(kind=Notification.Kind.NEW_TASK)
    (notification,) = [n for n in new_tasks if n.data["node"].endswith("OrderCancellationFlow.assess")]
    assert notification.recipient == acceptor
    assert "Assess the cancellation" in notification_text(notification)
    assert notification.url == reverse("orders:task", args=[order.pk, assessment(order).pk])

    client.force_login(acceptor)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    waiting = page[page.index('data-testid="open-tasks"') :]
    assert "Assess the cancellation" in waiting
    assert notification.url in waiting  # the team member may open it from there
    tracking = client.get(reverse("process", args=[cancellation.process_id]))
    assert tracking.status_code == 200
    assert "Assess the cancellation" in tracking.content.decode()
    client.force_login(manager)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Assess the cancellation" in page[page.index('data-testid="open-tasks"') :]
    assert notification.url not in page  # the account manager waits; they do not decide


def test_the_team_cancels_the_order_from_its_task_page(client, in_progress, manager, acceptor):
    services.order_request_cancellation(user=manager, order=in_progress, reason="The customer moved the office")
    task = assessment(in_progress)
    url = reverse("orders:task", args=[in_progress.pk, task.pk])
    client.force_login(acceptor)
    page = client.get(url).content.decode()
    assert "The customer moved the office" in page

    refused = client.post(url, {"decision": "refuse", "reason": ""})  # a refusal needs its reason
    assert "Give a reason" in refused.content.decode()
    assert Task.objects.get(pk=task.pk).status == "NEW"
    assert Order.objects.get(pk=in_progress.pk).status == Order.Status.ASSESSING_CANCELLATION

    assert client.post(url, {"decision": "cancel", "reason": ""}).status_code == 302
    order = Order.objects.get(pk=in_progress.pk)
    assert order.status == Order.Status.CANCELLED
    assert order.process.status == PROCESS.CANCELED
    assert WorkOrder.objects.get().state == WorkOrder.State.CANCELLED
    task.refresh_from_db()
    assert (task.status, task.owner) == ("DONE", acceptor)
    assert SlaClock.objects.get(step="order.cancellation").stopped_at is not None
    assert not inbox_rows(acceptor, view="queue")
    assert not inbox_rows(acceptor, view="mine")
    cancellation = OrderCancellation.objects.get()
    assert (cancellation.decision, cancellation.decided_by) == (OrderCancellation.Decision.CANCEL, acceptor)


def test_a_refused_cancellation_lets_the_order_go_on(in_progress, manager, acceptor):
    services.order_request_cancellation(user=manager, order=in_progress, reason="Budget cut")
    inbox_claim(user=acceptor, task_pk=assessment(in_progress).pk)
    assert [row.title for row in inbox_rows(acceptor, view="mine")] == ["Assess the cancellation"]

    services.order_decide_cancellation(
        user=acceptor, task_pk=assessment(in_progress).pk, accept=False, reason="The line is built already"
    )

    order = Order.objects.get(pk=in_progress.pk)
    assert order.status == Order.Status.IN_PROGRESS
    assert order.process.status == PROCESS.NEW  # still waiting for the launch
    assert assessment(order).status == "DONE"
    assert OrderCancellation.objects.get().decision_reason == "The line is built already"
    # The account manager may ask again, with new reasons.
    services.order_request_cancellation(user=manager, order=order, reason="The customer insists")
    assert OrderCancellation.objects.count() == 2


def test_only_the_city_acceptance_team_or_a_supervisor_decides(in_progress, manager, acceptor, elsewhere, client):
    services.order_request_cancellation(user=manager, order=in_progress, reason="Budget cut")
    task = assessment(in_progress)
    for outsider in (manager, elsewhere):
        with pytest.raises(PermissionDenied):
            services.order_decide_cancellation(user=outsider, task_pk=task.pk, accept=True)
    client.force_login(manager)
    assert client.get(reverse("orders:task", args=[in_progress.pk, task.pk])).status_code == 403
    with pytest.raises(ApplicationError, match="cannot be cancelled"):  # one request at a time
        services.order_request_cancellation(user=manager, order=in_progress, reason="Again")
    assert Task.objects.get(pk=task.pk).status == "NEW"
    assert OrderCancellation.objects.count() == 1
