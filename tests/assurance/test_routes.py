"""Complaints handled outside our teams, end to end: a network complaint goes to EOMS as a TMF621 complaint and its
signed events move it; a complaint about an SI product goes to the product's SI company, in our SI portal (seen by
that company only) or in its own system over the interface; then the callback as for any complaint. A supervisor's
change of a fault's level reaches EOMS. Forged, replayed or misdirected events change nothing."""

import json

import pytest
import requests
from django.urls import reverse

from assurance.models import ComplaintRoute, InformationRequest, ResolutionCode, TroubleTicket
from assurance.services import (
    ticket_change_level,
    ticket_give_information,
    ticket_record_decision,
    ticket_triage,
)
from keyaccounts.core.models import SiCompany
from keyaccounts.core.roles import Role
from keyaccounts.core.signing import sign
from keyaccounts.core.timeline import timeline_for
from keyaccounts.peers.client import peer_subscribe
from keyaccounts.peers.inbound import events_sweep
from keyaccounts.peers.models import InboundEvent, OutboxMessage, Peer
from keyaccounts.peers.outbox import outbox_sweep
from tests.processes import wait_for

from .conftest import F, open_task, report, running_service

pytestmark = pytest.mark.django_db(transaction=True)
Status, Route = TroubleTicket.Status, TroubleTicket.Route


def _subscribe(stub_server, peer: str, callback: str):
    peer_subscribe(peer, callback)
    yield stub_server
    for sub in requests.get(f"{stub_server}/{peer}/hub", timeout=5).json():
        if sub["callback"] == callback:
            requests.delete(f"{stub_server}/{peer}/hub/{sub['id']}", timeout=5)


@pytest.fixture
def listening(live_server, stub_server, peers):
    """EOMS, SI and the gateway are the stub; EOMS sends its events to this test's live server (signed, to the
    peers' listener)."""
    yield from _subscribe(stub_server, Peer.EOMS, f"{live_server.url}/api/v1/listener/{Peer.EOMS}")


@pytest.fixture
def si_listening(live_server, listening):
    """The SI stub too."""
    yield from _subscribe(listening, Peer.SI, f"{live_server.url}/api/v1/listener/{Peer.SI}")


def at_peer(stub_server, external_id: str) -> dict:
    message = OutboxMessage.objects.get(external_id=external_id)
    return requests.get(f"{stub_server}/{message.peer}/troubleTicket/{message.remote_id}", timeout=5).json()


def beat_until(condition, timeout: float = 30) -> None:
    """What beat does without a worker: deliver the outbox and apply the events that came in, until `condition`."""

    def step() -> bool:
        outbox_sweep()
        events_sweep()
        return condition()

    wait_for(step, timeout=timeout)


def task_of(ticket, node):
    return lambda: open_task(ticket, node) is not None


def status_of(ticket) -> str:
    return TroubleTicket.objects.get(pk=ticket.pk).status


def triaged(desk, ticket) -> TroubleTicket:
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="accept")
    ticket.refresh_from_db()
    return ticket


# ---------------------------------------------------------------------------- EOMS
def test_a_network_complaint_goes_to_eoms_which_asks_for_information_settles_it_and_the_callback_closes_it(
    listening, celery_worker_process, configured, manager, customer, desk, line, contact
):
    ticket = report(
        manager, customer, services=[line], contact=contact, description="needinfo: the line is slow every evening"
    )
    ticket = triaged(desk, ticket)
    # The demo's rule: a complaint about a network (T2) product is EOMS's.
    assert (ticket.route, ticket.status) == (Route.EOMS, Status.IN_PROGRESS)
    assert open_task(ticket, F.handle) is None  # not the city desk's
    wait_for(task_of(ticket, F.give_information), timeout=40)  # delivered; EOMS asked; the worker applied it
    sent = at_peer(listening, ticket.external_id)
    assert (sent["ticketType"], sent["severity"], sent["status"]) == ("complaint", "minor", "pending")
    assert [e["id"] for e in sent["relatedEntity"]] == [line.number]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.pending_party) == (Status.PENDING, TroubleTicket.PendingParty.US)
    question = open_task(ticket, F.give_information)
    assert question.owner == manager
    ticket_give_information(user=manager, task_pk=question.pk, answer="Every evening 19:00-22:00 at the head office")
    wait_for(task_of(ticket, F.callback), timeout=40)  # EOMS had what it needed and settled it
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution_notes == "network checked and optimised; customer's issue settled"
    callback = open_task(ticket, F.callback)
    assert callback.owner == manager
    ticket_record_decision(user=manager, task_pk=callback.pk, accepted=True, note="Fast again")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    wait_for(lambda: at_peer(listening, ticket.external_id)["status"] == "closed", timeout=30)  # EOMS is told
    assert ticket.process.status == "DONE"
    assert [(e.from_state, e.to_state) for e in timeline_for(ticket) if e.to_state] == [
        ("acknowledged", "inProgress"),
        ("inProgress", "pending"),
        ("pending", "inProgress"),
        ("inProgress", "resolved"),
        ("resolved", "closed"),
    ]


def test_a_complaint_eoms_holds_is_held_then_settled_and_one_the_customer_rejects_goes_back_to_eoms(
    listening, configured, manager, customer, desk, line
):
    ticket = triaged(desk, report(manager, customer, services=[line], description="held: latency at the branch"))
    beat_until(task_of(ticket, F.callback))
    assert Status.HELD in [e.to_state for e in timeline_for(ticket)]
    ticket_record_decision(
        user=manager, task_pk=open_task(ticket, F.callback).pk, accepted=False, note="Still slow at the branch"
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count) == (Status.IN_PROGRESS, 1)
    assert open_task(ticket, F.handle) is None  # back to EOMS, not to the desk
    beat_until(task_of(ticket, F.callback))  # EOMS worked it again and settled it
    assert OutboxMessage.objects.get(external_id=f"{ticket.external_id}-R1").status == OutboxMessage.Status.SENT
    assert "ticket.sent_back" in [e.action for e in timeline_for(ticket)]


# ---------------------------------------------------------------------------- the SI portal
@pytest.fixture
def iot(customer, catalogue):
    """A running M2M/IoT service (T4) of the customer; its product's SI company works in our SI portal."""
    company = catalogue["T4"].si_company
    company.works_in_portal = True
    company.save()
    return running_service(customer, catalogue["T4"], site="长春市 物联网平台")


@pytest.fixture
def partner(user_in_role, iot):
    return user_in_role(Role.SI_PARTNER, city=None, si_company=iot.product.si_company, username="si_partner")


@pytest.fixture
def rival(user_in_role):
    company = SiCompany.objects.create(code="ne-iot", name_en="NE IoT", name_zh="东北物联网", works_in_portal=True)
    return user_in_role(Role.SI_PARTNER, city=None, si_company=company, username="si_rival")


def test_a_complaint_about_an_si_product_is_resolved_by_its_company_in_the_si_portal_then_called_back(
    peers, celery_worker_process, configured, manager, customer, desk, iot, partner, rival, client
):
    ticket = triaged(desk, report(manager, customer, services=[iot], description="Devices drop off the platform"))
    assert (ticket.route, ticket.si_company) == (Route.SI, iot.product.si_company)
    assert not OutboxMessage.objects.filter(external_id__startswith=ticket.number).exists()  # nothing sent out
    assert [e.data for e in timeline_for(ticket) if e.action == "ticket.routed"] == [
        {"route": "si", "si_company": "jl-smart"}
    ]
    url = reverse("assurance:si_complaint", args=[ticket.pk])
    configuration = ResolutionCode.objects.get(code="configuration").pk
    # Another SI company's partner neither sees it nor can act on it.
    client.force_login(rival)
    assert ticket.number not in client.get(reverse("assurance:si_complaints")).content.decode()
    assert client.get(url).status_code == 404
    assert client.post(url, {"resolve": "1", "resolution": configuration, "notes": "x"}).status_code == 404
    assert status_of(ticket) == Status.IN_PROGRESS
    # The company's partner sees it in the portal, holds it with a note, then proposes the resolution.
    client.force_login(partner)
    listing = client.get(reverse("assurance:si_complaints")).content.decode()
    assert ticket.number in listing
    assert "M2M-Iot" in listing
    chinese = client.get(reverse("assurance:si_complaints"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的投诉工单" in chinese
    page = client.get(url).content.decode()
    assert 'data-testid="si-resolve-form"' in page
    refused = client.post(url, {"progress": "1", "state": "held", "note": ""})
    assert refused.status_code == 200
    assert status_of(ticket) == Status.IN_PROGRESS  # no note: nothing changes
    client.post(url, {"progress": "1", "state": "held", "note": "Waiting for the carrier's APN change"})
    assert status_of(ticket) == Status.HELD
    response = client.post(url, {"resolve": "1", "resolution": configuration, "notes": "APN re-provisioned"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution_code.code) == (Status.RESOLVED, "configuration")
    assert 'data-testid="not-waiting"' in client.get(url).content.decode()  # nothing more to do there
    resolved = [e for e in timeline_for(ticket) if e.action == "ticket.resolved"]
    assert [(e.actor, e.reason) for e in resolved] == [(partner, "APN re-provisioned")]
    # The account manager's callback, as for any complaint.
    callback = open_task(ticket, F.callback)
    assert callback.owner == manager
    ticket_record_decision(user=manager, task_pk=callback.pk, accepted=True, note="Devices online")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.process.status == "DONE"
    # The partner works in the portal only: our ticket page is not theirs.
    assert client.get(reverse("assurance:detail", args=[ticket.pk])).status_code in (403, 404)


def test_a_complaint_about_an_si_product_whose_company_works_in_its_own_system_goes_there_over_the_interface(
    si_listening, configured, manager, customer, desk, catalogue
):
    sms = running_service(customer, catalogue["T3"], site="长春市")  # group SMS: jl-smart, not in our portal
    ticket = triaged(desk, report(manager, customer, services=[sms], description="SMS arrive hours late"))
    assert (ticket.route, ticket.external_id) == (Route.SI, f"{ticket.number}-SI")
    beat_until(task_of(ticket, F.callback))
    message = OutboxMessage.objects.get(external_id=ticket.external_id)
    assert message.peer == Peer.SI
    assert at_peer(si_listening, ticket.external_id)["ticketType"] == "complaint"
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    ticket_record_decision(user=manager, task_pk=open_task(ticket, F.callback).pk, accepted=True)
    beat_until(lambda: at_peer(si_listening, ticket.external_id)["status"] == "closed")


def test_a_route_to_the_si_names_products_that_have_one_and_a_complaint_about_none_goes_to_the_desk(
    configured, manager, customer, desk
):
    with pytest.raises(Exception, match="T3 and T4"):
        ComplaintRoute(route=Route.SI, product_route="T2").full_clean()
    ticket = triaged(desk, report(manager, customer, description="The account manager never calls back"))
    assert (ticket.route, ticket.si_company) == (Route.CITY_DESK, None)
    assert open_task(ticket, F.handle) is not None


# ---------------------------------------------------------------------------- a change of level
def test_a_supervisors_change_of_a_faults_level_reaches_eoms(
    listening, configured, manager, customer, line, supervisor
):
    ticket = report(manager, customer, kind="fault", services=[line], description="needinfo: packet loss at night")
    assert ticket.severity == "level2"
    beat_until(lambda: OutboxMessage.objects.get(external_id=ticket.external_id).status == OutboxMessage.Status.SENT)
    assert at_peer(listening, ticket.external_id)["severity"] == "major"
    ticket_change_level(user=supervisor, ticket_pk=ticket.pk, severity="level1", reason="The plant stands still")
    ticket.refresh_from_db()
    change = OutboxMessage.objects.get(external_id=f"{ticket.external_id}-L1")
    assert (change.method, change.follows.external_id) == (OutboxMessage.Method.UPDATE, ticket.external_id)
    beat_until(lambda: OutboxMessage.objects.get(pk=change.pk).status == OutboxMessage.Status.SENT)
    at_eoms = at_peer(listening, ticket.external_id)
    assert (at_eoms["severity"], at_eoms["priority"]) == ("critical", "critical")
    assert at_eoms["requestedResolutionDate"] == ticket.requested_resolution_date.isoformat()
    # Back to level 2: a second change, its own message.
    ticket_change_level(user=supervisor, ticket_pk=ticket.pk, severity="level2", reason="Production resumed")
    beat_until(lambda: at_peer(listening, ticket.external_id)["severity"] == "major")


# ---------------------------------------------------------------------------- events that must change nothing
def _post(client, peer: str, body: dict, *, secret: str | None = None, forged: bool = False):
    raw = json.dumps(body).encode()
    signature = "sha256=" + "0" * 64 if forged else sign(secret or f"{peer}-dev-secret", raw)
    return client.post(
        reverse("peer-listener", args=[peer]), data=raw, content_type="application/json", HTTP_X_SIGNATURE=signature
    )


def test_a_forged_replayed_or_misdirected_event_changes_nothing(
    listening, configured, manager, customer, desk, line, client
):
    ticket = triaged(desk, report(manager, customer, services=[line], description="needinfo: drops at noon"))
    beat_until(task_of(ticket, F.give_information))
    asked = InboundEvent.objects.get(event_type="TroubleTicketInformationRequiredEvent")
    before = (status_of(ticket), InformationRequest.objects.filter(ticket=ticket).count(), InboundEvent.objects.count())
    assert before[:2] == (Status.PENDING, 1)
    resolved = {
        "eventId": "forged-1",
        "eventType": "TroubleTicketResolvedEvent",
        "eventTime": "2099-01-01T00:00:00+00:00",
        "event": {"troubleTicket": {"id": "1", "externalId": ticket.external_id, "status": "resolved"}},
    }
    # Forged: refused at the door, nothing stored.
    assert _post(client, Peer.EOMS, resolved, forged=True).status_code == 401
    # Replayed: the question EOMS asked, sent again, is acknowledged and ignored.
    assert _post(client, Peer.EOMS, asked.body).status_code == 200
    # Signed by the SI, about a ticket at EOMS: stored, but it moves nothing.
    assert _post(client, Peer.SI, {**resolved, "eventId": "si-1"}).status_code == 201
    events_sweep()
    assert InboundEvent.objects.get(event_id="si-1").outcome == "ignored: not this peer's ticket"
    assert (status_of(ticket), InformationRequest.objects.filter(ticket=ticket).count()) == before[:2]
    assert InboundEvent.objects.count() == before[2] + 1
    assert open_task(ticket, F.callback) is None
