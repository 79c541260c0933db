"""Ticket intake over the REST API (TMF621): a token per channel, one ticket per externalId, the page's checks,
TMF error bodies, and a channel reads back its own tickets and nothing else."""

import pytest
import yaml
from django.urls import reverse

from assurance.models import TicketChannel, TroubleTicket
from customers.models import Customer
from keyaccounts.catalogue.models import Service
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for
from opportunities.models import Channel as OpportunityChannel
from sla.models import SlaClock

from .conftest import F, open_task, report, running_service

pytestmark = pytest.mark.django_db
LIST = "/api/v1/troubleTicket"


@pytest.fixture
def hotline(configured):
    channel = TicketChannel.objects.get(code="hotline")
    return channel, channel.issue_token()


@pytest.fixture
def portal(configured):
    channel = TicketChannel.objects.get(code="portal")
    return channel, channel.issue_token()


def body(customer, *, services=(), **overrides) -> dict:
    return {
        "externalId": "HL-20261207-0001",
        "ticketType": "incident",
        "description": "线路中断 since 9:00",
        "relatedParty": [{"role": "customer", "id": customer.credit_code}],
        "relatedEntity": [{"id": s.number, "role": "affectedService"} for s in services],
        "troubleTicketCharacteristic": [{"name": "interruption", "value": "yes"}],
        **overrides,
    }


def post(client, token, data):
    return client.post(LIST, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def get(client, token, url=LIST, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_routes_are_the_tmf_ones():
    assert reverse("trouble-ticket-list") == LIST
    assert reverse("trouble-ticket-detail", args=["TT000001"]) == f"{LIST}/TT000001"


def test_a_fault_from_the_hotline_is_a_ticket_classified_timed_and_sent_to_eoms_as_from_the_page(
    client, hotline, customer, line, contact
):
    channel, token = hotline
    response = post(
        client,
        token,
        body(
            customer,
            services=[line],
            relatedParty=[
                {"role": "customer", "id": customer.credit_code},
                {"role": "reporter", "name": "王强", "phone": contact.phone},
            ],
        ),
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    ticket = TroubleTicket.objects.get()
    assert (ticket.api_channel, ticket.channel_reference, ticket.channel) == (channel, "HL-20261207-0001", "hotline")
    assert (ticket.type, ticket.severity, ticket.contact, ticket.reported_by) == ("fault", "level1", contact, None)
    assert list(ticket.services.all()) == [line]
    # Its flow started as a reported fault's does: the restoration clock runs and EOMS is asked.
    assert SlaClock.objects.filter(subject_id=ticket.pk, step="assurance.fault_level1").exists()
    assert ticket.process.task_set.filter(flow_task=F.await_eoms).exists()
    assert answer["id"] == ticket.number
    assert answer["href"] == f"{LIST}/{ticket.number}"
    assert (answer["ticketType"], answer["status"], answer["severity"], answer["priority"]) == (
        "incident",
        "acknowledged",
        "level1",
        "critical",
    )
    assert answer["relatedEntity"] == [
        {"id": line.number, "role": "affectedService", "name": line.product.name_en, "@referredType": "Service"}
    ]
    assert answer["channel"] == {"id": "hotline", "name": "Hotline 10086"}
    assert answer["requestedResolutionDate"] == ticket.requested_resolution_date.isoformat()
    assert answer["@type"] == "TroubleTicket"
    # The customer's timeline says it came from the hotline, under the hotline's reference.
    [line_on_customer] = [e for e in timeline_for(customer) if e.action == "ticket.reported"]
    assert (line_on_customer.data["api_channel"], line_on_customer.data["reference"]) == ("hotline", "HL-20261207-0001")


def test_a_complaint_from_the_portal_goes_to_the_city_desk(client, portal, customer):
    _channel, token = portal
    response = post(client, token, body(customer, ticketType="complaint", troubleTicketCharacteristic=[]))
    assert response.status_code == 201
    ticket = TroubleTicket.objects.get()
    assert (ticket.type, ticket.channel, ticket.severity) == ("complaint", "portal", "normal")
    assert open_task(ticket, F.triage) is not None


def test_the_same_submission_twice_is_one_ticket_and_a_different_body_under_the_reference_is_a_409(
    client, hotline, customer, line
):
    _channel, token = hotline
    first = post(client, token, body(customer, services=[line]))
    # The same body with its keys in another order is the same submission.
    again = post(client, token, dict(reversed(list(body(customer, services=[line]).items()))))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    changed = post(client, token, body(customer, services=[line], description="Another fault"))
    assert changed.status_code == 409
    assert changed.json()["@type"] == "Error"
    assert f"it is ticket {first.json()['id']}" in changed.json()["message"]
    assert TroubleTicket.objects.count() == 1
    # A resubmission is answered even when the service has ended since: it is the ticket already made.
    Service.objects.filter(pk=line.pk).update(status=Service.Status.TERMINATED)
    assert post(client, token, body(customer, services=[line])).status_code == 200


def test_another_channel_with_the_same_reference_is_another_ticket_and_neither_sees_the_others(
    client, hotline, portal, customer, line
):
    _hotline, hotline_token = hotline
    _portal, portal_token = portal
    mine = post(client, hotline_token, body(customer, services=[line])).json()
    theirs = post(client, portal_token, body(customer, services=[line])).json()
    assert mine["id"] != theirs["id"]
    assert get(client, hotline_token, f"{LIST}/{mine['id']}").status_code == 200
    hidden = get(client, hotline_token, f"{LIST}/{theirs['id']}")
    assert (hidden.status_code, hidden.json()["@type"]) == (404, "Error")
    assert [t["id"] for t in get(client, hotline_token).json()] == [mine["id"]]
    assert [t["id"] for t in get(client, portal_token).json()] == [theirs["id"]]


def test_a_ticket_reported_on_the_page_is_no_channels(client, hotline, manager, customer):
    _channel, token = hotline
    ticket = report(manager, customer)
    assert get(client, token, f"{LIST}/{ticket.number}").status_code == 404
    assert get(client, token).json() == []


def test_the_channel_reads_status_changes_and_public_notes_but_no_internal_note(
    client, hotline, customer, desk, manager
):
    from assurance.services import ticket_add_note, ticket_triage

    _channel, token = hotline
    created = post(client, token, body(customer, ticketType="complaint", troubleTicketCharacteristic=[])).json()
    ticket = TroubleTicket.objects.get()
    ticket_triage(user=desk, task_pk=open_task(ticket, F.triage).pk, decision="accept")
    ticket_add_note(user=desk, ticket=ticket, text="We call you back tomorrow", internal=False)
    ticket_add_note(user=desk, ticket=ticket, text="Customer is difficult", internal=True)
    read = get(client, token, f"{LIST}/{created['id']}").json()
    assert read["status"] == "inProgress"
    assert [c["status"] for c in read["statusChange"]] == ["inProgress"]
    assert [n["text"] for n in read["note"]] == ["We call you back tomorrow"]
    assert "difficult" not in str(get(client, token).json())


def test_the_channel_reads_the_names_of_public_documents_but_no_internal_one(
    client, hotline, customer, manager, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assurance.services import ticket_attach

    settings.MEDIA_ROOT = tmp_path
    _channel, token = hotline
    created = post(client, token, body(customer, ticketType="complaint", troubleTicketCharacteristic=[])).json()
    ticket = TroubleTicket.objects.get()
    ticket_attach(user=manager, ticket=ticket, upload=SimpleUploadedFile("speed-test.png", b"PNG"), internal=False)
    ticket_attach(user=manager, ticket=ticket, upload=SimpleUploadedFile("cost-sheet.xlsx", b"PK"), internal=True)
    read = get(client, token, f"{LIST}/{created['id']}").json()
    assert [a["name"] for a in read["attachment"]] == ["speed-test.png"]
    assert [a["name"] for a in get(client, token).json()[0]["attachment"]] == ["speed-test.png"]
    assert "cost-sheet" not in str(read)


def test_the_list_filters_by_reference_and_status_and_pages(client, hotline, customer, line):
    _channel, token = hotline
    for n in range(3):
        post(client, token, body(customer, externalId=f"HL-{n}", ticketType="complaint"))
    response = get(client, token, limit=2)
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("3", "2")
    assert [t["externalId"] for t in response.json()] == ["HL-2", "HL-1"]
    assert [t["externalId"] for t in get(client, token, offset=2).json()] == ["HL-0"]
    assert [t["externalId"] for t in get(client, token, externalId="HL-1").json()] == ["HL-1"]
    assert get(client, token, status="closed").json() == []
    for params in ({"status": "done"}, {"limit": "500"}, {"offset": "-1"}):
        refused = get(client, token, **params)
        assert (refused.status_code, refused.json()["@type"]) == (400, "Error")


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        ({"ticketType": "outage"}, "ticketType: outage is not a ticket type"),
        ({"externalId": ""}, "externalId"),
        ({"description": ""}, "description"),
        ({"relatedParty": []}, "exactly one party with the role customer"),
        ({"relatedParty": [{"role": "customer"}]}, "credit code"),
        ({"relatedParty": [{"role": "owner", "id": "x"}]}, "role must be customer or reporter"),
        ({"relatedEntity": [{"id": "line-1", "role": "affectedService"}]}, "named by its number"),
        ({"troubleTicketCharacteristic": [{"name": "interruption", "value": "maybe"}]}, "yes or no"),
    ],
)
def test_a_malformed_request_gets_a_tmf_400_and_creates_nothing(client, hotline, customer, line, broken, says):
    _channel, token = hotline
    response = post(client, token, body(customer, services=[line]) | broken)
    assert response.status_code == 400
    assert response.json()["@type"] == "Error"
    assert says in response.json()["message"]
    assert not TroubleTicket.objects.exists()


def test_the_pages_refusals_are_422_with_the_requests_field_and_create_nothing(
    client, hotline, customer, other_customer, catalogue, line
):
    _channel, token = hotline
    elsewhere = running_service(other_customer, catalogue["T2"])
    ended = running_service(customer, catalogue["T2"])
    Service.objects.filter(pk=ended.pk).update(status=Service.Status.TERMINATED)
    cases = [
        (body(customer, services=[elsewhere]), "relatedEntity: Only running services of this customer"),
        (body(customer, services=[ended]), "relatedEntity: Only running services of this customer"),
        (body(customer, services=[]), "relatedEntity: A fault is about at least one running service"),
        (
            body(
                customer,
                services=[line],
                relatedParty=[
                    {"role": "customer", "id": customer.credit_code},
                    {"role": "reporter", "phone": "13900000000"},
                ],
            ),
            "relatedParty.reporter: 13900000000 is not the phone of one of this customer's contacts",
        ),
        (body(customer, relatedParty=[{"role": "customer", "id": "91220101MA0000000X"}]), "No archived customer"),
    ]
    for data, says in cases:
        response = post(client, token, data)
        assert response.status_code == 422, data
        assert response.json()["@type"] == "Error"
        assert says in response.json()["message"]
    # A closed customer is no archived customer any more.
    Customer.objects.filter(pk=other_customer.pk).update(status=Customer.Status.CLOSED)
    refused = post(client, token, body(other_customer, ticketType="complaint"))
    assert (refused.status_code, refused.json()["message"]) == (
        422,
        "relatedParty.customer: No archived customer has this credit code.",
    )
    assert not TroubleTicket.objects.exists()


def test_no_token_a_wrong_token_a_revoked_channel_and_a_signed_in_user_get_401(
    client, hotline, customer, line, manager
):
    channel, token = hotline
    ticket_id = post(client, token, body(customer, services=[line])).json()["id"]
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": "Bearer"}):
        response = client.post(LIST, body(customer), content_type="application/json", **headers)
        assert response.status_code == 401
        assert response.json()["@type"] == "Error"
        assert response["WWW-Authenticate"] == "Bearer"
    # Even the customer's own account manager, signed in, reads no ticket through the channels' API.
    client.force_login(manager)
    assert client.get(f"{LIST}/{ticket_id}").status_code == 401
    assert client.get(LIST).status_code == 401
    client.logout()
    TicketChannel.objects.filter(pk=channel.pk).update(is_active=False)
    assert get(client, token, f"{LIST}/{ticket_id}").status_code == 401
    assert TroubleTicket.objects.count() == 1


def test_a_token_issued_for_the_opportunity_api_opens_no_ticket(client, hotline, customer, line):
    _channel, token = hotline
    ticket_id = post(client, token, body(customer, services=[line])).json()["id"]
    opportunity_hotline = OpportunityChannel.objects.create(
        code="opportunity-hotline", kind=OpportunityChannel.Kind.HOTLINE, name_en="Hotline", name_zh="热线"
    )
    opportunity_token = opportunity_hotline.issue_token()
    assert post(client, opportunity_token, body(customer, externalId="HL-2")).status_code == 401
    assert get(client, opportunity_token, f"{LIST}/{ticket_id}").status_code == 401
    assert TroubleTicket.objects.count() == 1


def test_the_schema_describes_the_ticket_api_with_its_security_scheme(client, user_in_role):
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER))
    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    assert schema["components"]["securitySchemes"]["channelToken"]["scheme"] == "bearer"
    create = schema["paths"]["/api/v1/troubleTicket"]["post"]
    assert {"channelToken": []} in create["security"]
    assert {"201", "200", "400", "401", "409", "422"} <= set(create["responses"])
    assert "/api/v1/troubleTicket/{ticket_id}" in schema["paths"]
    request = schema["components"]["schemas"]["TroubleTicketIn"]
    assert {"externalId", "ticketType", "description", "relatedParty"} <= set(request["required"])


def test_the_schema_names_every_field_the_answer_has(client, hotline, customer, line, user_in_role):
    _channel, token = hotline
    answer = post(client, token, body(customer, services=[line])).json()
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER))
    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    assert set(schema["components"]["schemas"]["TroubleTicket"]["properties"]) == set(answer)
