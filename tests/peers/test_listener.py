"""The signed listener: events are authenticated per peer, stored once per eventId, handed to the app that
handles their type in arrival order, and served on a lean path of the deployed application."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from keyaccounts.core.signing import SIGNATURE_HEADER, sign
from keyaccounts.peers import registry
from keyaccounts.peers.inbound import events_sweep
from keyaccounts.peers.models import InboundEvent

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def event(event_id, minutes, *, event_type="ServiceOrderStateChangeEvent", resource="serviceOrder", ref="WO-1"):
    return {
        "eventId": event_id,
        "eventType": event_type,
        "eventTime": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
        "event": {resource: {"id": "1", "externalId": ref, "state": "inProgress"}},
    }


def post(client, body, *, peer="eoms", secret="eoms-dev-secret", signature=None):
    raw = json.dumps(body).encode()
    headers = {} if signature is False else {"HTTP_X_SIGNATURE": signature or sign(secret, raw)}
    return client.post(reverse("peer-listener", args=[peer]), data=raw, content_type="application/json", **headers)


@pytest.fixture
def tickets(monkeypatch):
    """A second resource's handler, as an app would register it: records what it is given, in order."""
    applied: list[list[str]] = []

    def apply(*, events):
        applied.append([e.event_id for e in events])
        for e in events:
            e.outcome = "applied: ticket"

    monkeypatch.setattr(registry, "_handlers", dict(registry._handlers))
    registry.register_events(resource="troubleTicket", event_types={"TroubleTicketStateChangeEvent"}, apply=apply)
    return applied


def test_an_unsigned_or_forged_callback_is_refused_and_nothing_is_stored(client):
    body = event("e1", 1)
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


def test_a_duplicate_event_is_stored_once_and_a_malformed_one_is_refused(client):
    body = event("e1", 1)
    assert post(client, body).status_code == 201
    assert post(client, body).status_code == 200
    assert InboundEvent.objects.count() == 1
    assert post(client, {"eventId": "e2", "eventType": "Nonsense"}).status_code == 400
    # a known type without the resource its handler names
    assert post(client, event("e3", 1, resource="troubleTicket")).status_code == 400
    assert InboundEvent.objects.count() == 1


def test_each_handler_gets_its_events_in_arrival_order_in_one_call(client, tickets):
    ticket_type = "TroubleTicketStateChangeEvent"
    assert post(client, event("t2", 2, event_type=ticket_type, resource="troubleTicket")).status_code == 201
    assert post(client, event("s1", 1)).status_code == 201
    assert post(client, event("t1", 1, event_type=ticket_type, resource="troubleTicket")).status_code == 201
    assert events_sweep() == 3
    assert tickets == [["t2", "t1"]]  # arrival order: which one is newer is the handler's rule
    outcomes = dict(InboundEvent.objects.values_list("event_id", "outcome"))
    assert outcomes == {"t2": "applied: ticket", "t1": "applied: ticket", "s1": "ignored: unknown work order"}
    assert not InboundEvent.objects.filter(applied_at=None).exists()
    assert events_sweep() == 0  # applied once


def test_an_event_whose_handler_is_gone_is_marked_and_not_retried(client, tickets, monkeypatch):
    post(client, event("t1", 1, event_type="TroubleTicketStateChangeEvent", resource="troubleTicket"))
    monkeypatch.setattr(
        registry, "_handlers", {k: v for k, v in registry._handlers.items() if v.resource != "troubleTicket"}
    )
    assert events_sweep() == 1
    assert InboundEvent.objects.get().outcome == "ignored: no handler for its type"
    assert tickets == []


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
    body = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "ServiceOrderStateChangeEvent" in body["eventType"]["enum"]  # what provisioning registered
    assert "serviceOrder" in body["event"]["properties"]


@pytest.mark.django_db(transaction=True)
def test_the_deployed_application_serves_the_listener_without_the_sites_middleware():
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

    raw = json.dumps(event("e1", 1)).encode()
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
