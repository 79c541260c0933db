"""The listener: events are authenticated per peer, stored once per eventId, applied only when legal and newer."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from keyaccounts.core.signing import SIGNATURE_HEADER, sign
from keyaccounts.core.timeline import timeline_for
from orders import services
from orders.flows import OrderFlow
from orders.models import Order
from orders.services import ItemInput
from provisioning.flows import LaunchFlow
from provisioning.inbound import events_sweep
from provisioning.models import InboundEvent, WorkOrder
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


def test_an_unsigned_or_forged_callback_is_refused_and_nothing_is_applied(client, work_order):
    body = event(work_order, "e1", "completed", 1)
    for response in (
        post(client, body, signature=False),
        post(client, body, signature="sha256=" + "0" * 64),
        post(client, body, secret="si-dev-secret"),  # another peer's secret
        post(client, body, peer="si"),  # signed for EOMS, posted as SI
    ):
        assert response.status_code == 401
        assert response.json()["@type"] == "Error"
    assert not InboundEvent.objects.exists()
    assert SIGNATURE_HEADER == "X-Signature"


def test_a_duplicate_event_is_stored_once_and_a_malformed_one_is_refused(client, work_order):
    body = event(work_order, "e1", "inProgress", 1)
    assert post(client, body).status_code == 201
    assert post(client, body).status_code == 200
    assert InboundEvent.objects.count() == 1
    bad = post(client, {"eventId": "e2", "eventType": "Nonsense"})
    assert bad.status_code == 400
    assert InboundEvent.objects.count() == 1


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
    from provisioning.models import InformationRequest, OutboxMessage
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


def test_only_post_is_answered_and_the_listener_is_in_the_openapi_schema(client, user_in_role):
    from keyaccounts.core.roles import Role

    response = client.get(reverse("peer-listener", args=["eoms"]))
    assert (response.status_code, response.json()["@type"], response["Allow"]) == (405, "Error", "POST")
    assert (
        client.post(reverse("peer-listener", args=["billing"]), data=b"{}", content_type="application/json").status_code
        == 404
    )
    client.force_login(user_in_role(Role.ADMINISTRATOR))
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/listener/{peer}"]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"peer", SIGNATURE_HEADER}
    assert {"201", "200", "400", "401"} <= set(operation["responses"])


@pytest.mark.django_db(transaction=True)
def test_the_deployed_application_serves_the_listener_without_the_sites_middleware(work_order):
    """gunicorn runs `keyaccounts.wsgi.application`: events through it are stored and forged ones refused, on
    the listener's lean path; every other page still gets the site's sessions, CSRF and headers."""
    from django.test import RequestFactory

    from keyaccounts.wsgi import application

    def call(request) -> tuple[str, dict, bytes]:
        answer = {}
        response = application(request.environ, lambda status, headers: answer.update(s=status, h=headers))
        body = b"".join(response)
        response.close()  # as the server does: the request is finished
        return answer["s"], dict(answer["h"]), body

    raw = json.dumps(event(work_order, "e1", "inProgress", 1)).encode()
    url = reverse("peer-listener", args=["eoms"])
    signed = RequestFactory().post(url, raw, "application/json", HTTP_X_SIGNATURE=sign("eoms-dev-secret", raw))
    status, headers, body = call(signed)
    assert (status, json.loads(body)["eventId"]) == ("201 Created", "e1")
    assert "X-Request-ID" in headers
    assert int(headers["Content-Length"]) == len(body)  # not chunked
    assert not {"Set-Cookie", "X-Frame-Options"} & set(headers)  # no session, CSRF or clickjacking layers
    forged = RequestFactory().post(url, raw, "application/json", HTTP_X_SIGNATURE="sha256=" + "0" * 64)
    assert call(forged)[0] == "401 Unauthorized"
    assert call(RequestFactory().post(reverse("peer-listener", args=["billing"]), raw, "application/json"))[0] == (
        "404 Not Found"
    )
    assert InboundEvent.objects.get().event_id == "e1"
    status, headers, _body = call(RequestFactory().get(reverse("login")))
    assert (status, headers["X-Frame-Options"]) == ("200 OK", "DENY")
    assert "csrftoken" in headers["Set-Cookie"]
