"""Channel intake over the REST API: token per channel, one opportunity per submission, TMF errors."""

import datetime as dt

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone

from customers import services as customer_services
from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.roles import Role
from opportunities.defaults import ensure_defaults
from opportunities.models import Channel, LostReason, Opportunity
from tests.factories import CONTACT, customer_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(db):
    ensure_defaults(Channel, LostReason)
    channel = Channel.objects.get(code="portal")
    return channel, channel.issue_token()


@pytest.fixture
def product(db):
    return Product.objects.create(
        code="internet-line", name_en="Internet line", name_zh="互联网专线", bearer_mode="access", route="T2"
    )


def payload(city, **overrides) -> dict:
    return {
        "externalId": "PORTAL-0001",
        "customer": {"name": "长春新能源有限公司"},
        "city": city.code,
        "products": ["internet-line"],
        "estimatedValue": "120000.00",
        "expectedCloseDate": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
        "description": "100M internet line for the new plant",
        "contact": {"name": "赵磊", "phone": "13604310000"},
        **overrides,
    }


def post(client, token, body):
    return client.post(
        reverse("opportunity-intake"), body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_an_unknown_company_goes_to_the_city_queue(client, portal, product, city):
    channel, token = portal
    response = post(client, token, payload(city))
    assert response.status_code == 201
    body = response.json()
    assert (body["routedTo"], body["status"], body["@type"]) == ("cityQueue", "acknowledged", "SalesOpportunity")
    opportunity = Opportunity.objects.get()
    assert (opportunity.channel, opportunity.city, opportunity.account_manager) == (channel, city, None)
    assert opportunity.prospect_name == "长春新能源有限公司"


def test_an_archived_customer_goes_to_its_account_manager(client, portal, product, city, user_in_role):
    _channel, token = portal
    manager = user_in_role(Role.ACCOUNT_MANAGER)
    customer = customer_services.customer_save_draft(user=manager, fields=customer_fields(), contacts=[CONTACT])
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.VALIDATED, level="B")

    response = post(client, token, payload(city, customer={"creditCode": customer.credit_code}))

    assert response.json()["routedTo"] == "accountManager"
    assert Opportunity.objects.get().account_manager == manager
    assert Opportunity.objects.get().customer == customer


def test_the_same_submission_twice_creates_one_opportunity(client, portal, product, city):
    _channel, token = portal
    first = post(client, token, payload(city))
    again = post(client, token, payload(city))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Opportunity.objects.count() == 1
    status = client.get(reverse("opportunity-status", args=["PORTAL-0001"]), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert status.json()["id"] == first.json()["id"]


def test_another_channel_with_the_same_reference_is_another_opportunity(client, portal, product, city):
    _portal, token = portal
    hotline_token = Channel.objects.get(code="hotline").issue_token()
    from_portal = post(client, token, payload(city)).json()
    from_hotline = post(client, hotline_token, payload(city)).json()
    assert Opportunity.objects.count() == 2
    assert from_portal["id"] != from_hotline["id"]
    # ...and a channel never reads another channel's submissions.
    only_portal = post(client, token, payload(city, externalId="PORTAL-0002")).json()
    assert only_portal["id"]
    hidden = client.get(
        reverse("opportunity-status", args=["PORTAL-0002"]), HTTP_AUTHORIZATION=f"Bearer {hotline_token}"
    )
    assert hidden.status_code == 404
    assert hidden.json()["@type"] == "Error"


@pytest.mark.parametrize(
    "broken",
    [
        {"externalId": ""},
        {"products": ["no-such-product"]},
        {"city": "atlantis"},
        {"estimatedValue": "-5"},
        {"expectedCloseDate": "tomorrow"},
        {"customer": {"creditCode": "91350100M000100Y44"}},
        {"customer": {}},
    ],
)
def test_a_malformed_request_gets_a_tmf_400_and_creates_nothing(client, portal, product, city, broken):
    _channel, token = portal
    response = post(client, token, {**payload(city), **broken})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "reason", "message", "status", "@type"}
    assert (body["@type"], body["status"]) == ("Error", "400")
    assert body["message"]
    assert not Opportunity.objects.exists()


def test_a_business_refusal_is_a_422_with_the_reason(client, portal, product, city):
    _channel, token = portal
    Product.objects.filter(pk=product.pk).update(is_active=False)
    response = post(client, token, payload(city))
    assert response.status_code == 422
    assert "not offered any more" in response.json()["message"]
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Token abc", "Bearer a b"])
def test_callers_without_a_valid_channel_token_are_refused(client, portal, product, city, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(reverse("opportunity-intake"), payload(city), content_type="application/json", **extra)
    assert response.status_code == 401
    assert response.json()["@type"] == "Error"
    assert not Opportunity.objects.exists()


def test_a_revoked_channel_is_refused(client, portal, product, city):
    channel, token = portal
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    assert post(client, token, payload(city)).status_code == 401


def test_the_openapi_schema_is_published(client, user_in_role):
    client.force_login(user_in_role(Role.ADMINISTRATOR))
    schema = client.get(reverse("api-schema")).content.decode()
    assert "/api/v1/salesOpportunity" in schema


def test_the_schema_says_how_a_channel_authenticates(client, user_in_role):
    client.force_login(user_in_role(Role.ADMINISTRATOR))
    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    assert schema["components"]["securitySchemes"]["channelToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The token an administrator issued to the channel.",
    }
    assert {"channelToken": []} in schema["paths"]["/api/v1/salesOpportunity"]["post"]["security"]
