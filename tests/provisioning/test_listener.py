"""Service order events from the listener: applied to work orders only when legal and newer, in time order."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from keyaccounts.core.signing import sign
from keyaccounts.core.timeline import timeline_for
from keyaccounts.peers.inbound import events_sweep
from keyaccounts.peers.models import InboundEvent
from orders import services
from orders.flows import OrderFlow
from orders.models import Order
from orders.services import ItemInput
from provisioning.flows import LaunchFlow
from provisioning.models import WorkOrder
from provisioning.services import launch_sweep
from tests.launch import launch_task

pytestmark = pytest.mark.django_db
GOOD = {"site": "长春市人民大街 100 号", "members": 20}
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def work_order(catalogue, manager, customer, acceptor):
    order = services.order_create(user=manager, customer=customer, items=[ItemInput(catalogue["T2"], elements=GOOD)])
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    return WorkOrder.objects.get()


def event(work_order, event_id, state, minutes, event_type="ServiceOrderStateChangeEvent") -> dict:
    return {
        "eventId": event_id,
        "eventType": event_type,
        "eventTime": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
        "event": {"serviceOrder": {"id": "1", "externalId": work_order.external_id, "state": state}},
    }


def post(client, body, *, peer="eoms", secret="eoms-dev-secret", signature=None):
    raw = json.dumps(body).encode()
    headers = {} if signature is False else {"HTTP_X_SIGNATURE": signature or sign(secret, raw)}
    return client.post(reverse("peer-listener", args=[peer]), data=raw, content_type="application/json", **headers)


def test_events_apply_in_time_order_and_a_late_older_one_changes_nothing(client, work_order):
    post(client, event(work_order, "e2", "completed", 2))
    post(client, event(work_order, "e1", "inProgress", 1))  # arrives late
    post(client, event(work_order, "e3", "failed", 3))  # after the final state
    events_sweep()
    work_order.refresh_from_db()
    assert work_order.state == WorkOrder.State.COMPLETED
    outcomes = dict(InboundEvent.objects.values_list("event_id", "outcome"))
    assert outcomes["e2"] == "applied"
    assert outcomes["e1"].startswith("ignored")
    assert outcomes["e3"].startswith("ignored")
    launch_sweep()  # the waiting launch step sees every answer in
    assert launch_task(Order.objects.get(), LaunchFlow.acceptance_test) is not None
    # Applying again is harmless.
    assert events_sweep() == 0


def test_milestones_jeopardy_and_information_requests_are_kept(client, work_order):
    post(client, {**event(work_order, "m1", "", 1, "ServiceOrderMilestoneEvent")})
    body = event(work_order, "j1", "", 2, "ServiceOrderJeopardyEvent")
    body["event"]["serviceOrder"]["jeopardyAlert"] = [{"name": "behind schedule"}]
    post(client, body)
    post(client, event(work_order, "i1", "", 3, "ServiceOrderInformationRequiredEvent"))
    events_sweep()
    work_order.refresh_from_db()
    assert work_order.jeopardy[0]["jeopardyAlert"] == [{"name": "behind schedule"}]
    assert work_order.state == WorkOrder.State.PENDING
    actions = [e.action for e in timeline_for(Order.objects.get())]
    assert {"workorder.milestone", "workorder.jeopardy", "workorder.information_required"} <= set(actions)


def test_a_peers_question_becomes_a_task_for_the_citys_provisioning_team(client, work_order, ops, user_in_role):
    from keyaccounts.core.roles import Role
    from keyaccounts.peers.models import OutboxMessage
    from provisioning.models import InformationRequest
    from sla.models import SlaClock, SlaPolicy

    SlaPolicy.objects.create(step="launch.information", limit=dt.timedelta(hours=4), time_basis="calendar")
    body = event(work_order, "i1", "", 1, "ServiceOrderInformationRequiredEvent")
    body["event"]["serviceOrder"]["note"] = "The site contact does not answer"
    post(client, body)
    events_sweep()
    question = InformationRequest.objects.get()
    assert question.question == "The site contact does not answer"
    assert SlaClock.objects.get(step="launch.information").stopped_at is None
    url = reverse("provisioning:information_request", args=[question.pk])

    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, username="am_x"))
    assert client.get(url).status_code == 403
    client.force_login(ops)
    assert question.work_order.external_id in client.get(reverse("home")).content.decode()
    order_page = client.get(reverse("orders:detail", args=[work_order.order_item.order_id])).content.decode()
    assert f"({work_order.external_id}): The site contact does not answer" in order_page
    assert client.post(url, {"answer": " "}).status_code == 200  # refused: nothing sent
    assert not OutboxMessage.objects.filter(resource="serviceOrderInformation").exists()
    response = client.post(url, {"answer": "Call 13904310000 after 2 pm"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.answer, question.answered_by) == ("Call 13904310000 after 2 pm", ops)
    assert OutboxMessage.objects.get(resource="serviceOrderInformation").payload["note"] == question.answer
    assert SlaClock.objects.get(step="launch.information").stopped_at is not None
