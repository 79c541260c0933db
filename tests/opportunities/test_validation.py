"""Bad opportunity input, from the page's form and from a channel's API alike: a clear message, nothing saved."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from keyaccounts.catalogue.models import Product
from keyaccounts.core.exceptions import ApplicationError
from opportunities import services
from opportunities.models import Channel, Opportunity
from opportunities.services import OpportunityInput
from opportunities.validators import CLOSE_DATE_HORIZON_YEARS, close_date_horizon

pytestmark = pytest.mark.django_db

PAST = "The expected close date is in the past"
TOO_FAR = f"more than {CLOSE_DATE_HORIZON_YEARS} years ahead"
PHONE = "Enter a mainland China mobile number"
BOTH = "Choose an archived customer or name a prospect, not both."


def _today() -> dt.date:
    return timezone.localdate()


def _too_far() -> dt.date:
    return close_date_horizon(_today()) + dt.timedelta(days=1)


@pytest.fixture
def product(db):
    return Product.objects.create(
        code="internet-line", name_en="Internet line", name_zh="互联网专线", bearer_mode="access", route="T2"
    )


# ---------------------------------------------------------------------------- the page's form
def page_form(product, **overrides) -> dict:
    return {
        "prospect_name": "长春新能源有限公司",
        "products": [product.pk],
        "estimated_value": "50000",
        "expected_close_date": (_today() + dt.timedelta(days=60)).isoformat(),
        "description": "100M internet line for the new plant",
        **overrides,
    }


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"expected_close_date": (dt.date(2020, 1, 1)).isoformat()}, "expected_close_date", PAST),
        ({"expected_close_date": "YESTERDAY"}, "expected_close_date", "Enter a valid date"),
        ({"expected_close_date": _too_far().isoformat()}, "expected_close_date", TOO_FAR),
        ({"contact_phone": "12345"}, "contact_phone", PHONE),
        ({"contact_phone": "1360431000O"}, "contact_phone", PHONE),
    ],
)
def test_the_form_refuses_bad_input_with_a_message_and_saves_nothing(signed_in, product, overrides, field, message):
    response = signed_in.post(reverse("opportunities:create"), page_form(product, **overrides))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Opportunity.objects.exists()


def test_the_form_refuses_a_customer_and_a_prospect_together(signed_in, product, customer):
    response = signed_in.post(reverse("opportunities:create"), page_form(product, customer=customer.pk))

    assert response.context["form"].errors["prospect_name"] == [BOTH]
    assert not Opportunity.objects.exists()


def test_the_form_accepts_today_the_horizon_and_a_mainland_phone(signed_in, product, customer):
    for close in (_today(), close_date_horizon(_today())):
        response = signed_in.post(
            reverse("opportunities:create"),
            page_form(product, expected_close_date=close.isoformat(), contact_phone="0431-88886666"),
        )
        assert response.status_code == 302, response.context["form"].errors
    response = signed_in.post(
        reverse("opportunities:create"), page_form(product, customer=customer.pk, prospect_name="")
    )
    assert response.status_code == 302
    assert Opportunity.objects.count() == 3


def test_the_form_says_it_in_chinese(signed_in, product):
    signed_in.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = signed_in.post(reverse("opportunities:create"), page_form(product, expected_close_date="2020-01-01"))
    with override("zh-hans"):
        expected = gettext("The expected close date is in the past: enter today or a later date.")
    assert expected != "The expected close date is in the past: enter today or a later date."
    assert expected in response.content.decode()


# ---------------------------------------------------------------------------- the channels' API
@pytest.fixture
def token(db):
    return Channel.objects.get(code="portal").issue_token()


def payload(city, **overrides) -> dict:
    return {
        "externalId": "PORTAL-0001",
        "customer": {"name": "长春新能源有限公司"},
        "city": city.code,
        "products": ["internet-line"],
        "estimatedValue": "120000.00",
        "expectedCloseDate": (_today() + dt.timedelta(days=60)).isoformat(),
        "description": "100M internet line for the new plant",
        "contact": {"name": "赵磊", "phone": "13604310000"},
        **overrides,
    }


def post(client, token, body):
    return client.post(
        reverse("opportunity-intake"), body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expectedCloseDate": "2020-01-01"}, f"expectedCloseDate: {PAST}"),
        ({"expectedCloseDate": _too_far().isoformat()}, "expectedCloseDate: The expected close date is more than"),
        ({"contact": {"name": "赵磊", "phone": "12345"}}, f"contact.phone: {PHONE}"),
    ],
)
def test_the_api_refuses_bad_input_with_a_tmf_400_naming_the_field(client, token, product, city, overrides, message):
    response = post(client, token, payload(city, **overrides))

    assert response.status_code == 400
    body = response.json()
    assert (body["@type"], body["status"], body["code"]) == ("Error", "400", "21")
    assert body["message"].startswith(message)
    assert not Opportunity.objects.exists()


def test_the_api_refuses_an_archived_customers_code_with_another_name(client, token, product, city, customer):
    other = {"creditCode": customer.credit_code, "name": "长春新能源有限公司"}

    response = post(client, token, payload(city, customer=other))

    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith(f"customer.name: creditCode {customer.credit_code} is the archived customer")
    assert customer.name in message
    assert not Opportunity.objects.exists()


def test_the_api_accepts_an_archived_customers_code_with_its_own_name(client, token, product, city, customer):
    same = {"creditCode": customer.credit_code, "name": customer.name}

    response = post(client, token, payload(city, customer=same))

    assert response.status_code == 201
    assert Opportunity.objects.get().customer == customer


# ---------------------------------------------------------------------------- the service
def test_the_service_refuses_a_customer_and_a_prospect_together(manager, product, customer):
    data = OpportunityInput(
        city=manager.city,
        products=[product],
        estimated_value=1000,
        expected_close_date=_today(),
        description="both",
        customer=customer,
        prospect_name="Someone else",
    )
    with pytest.raises(ApplicationError) as refused:
        services.opportunity_record(user=manager, data=data)
    assert (refused.value.field, str(refused.value.message)) == ("prospect_name", BOTH)
    assert not Opportunity.objects.exists()
