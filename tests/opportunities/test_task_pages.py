"""Each step's page shows what its decision rests on, in words: the demand for qualification and the solution,
the quote for quoting, the account manager's case and the margin for a discount approval; the win drafts an
order that already carries what the opportunity knows, and says where it is."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from opportunities import services
from opportunities.flows import OpportunityFlow as F
from opportunities.models import Opportunity
from opportunities.services import OpportunityInput
from orders.models import Order
from tests.opportunities.conftest import make_product
from tests.text import raw_values, visible_text

pytestmark = pytest.mark.django_db
ADDRESS = "长春市南关区人民大街 100 号"


@pytest.fixture
def broadband(db):
    product = make_product("enterprise-broadband", route="T2", name_en="Enterprise broadband", unit_cost="6000")
    for order, (code, label) in enumerate([("install_address", "Installation address"), ("contact_name", "Contact")]):
        product.elements.create(category="resource", code=code, label_en=label, label_zh=label, sort_order=order)
    return product


def record(manager, customer, product, **fields) -> Opportunity:
    return services.opportunity_record(
        user=manager,
        data=OpportunityInput(
            city=manager.city,
            products=[product],
            estimated_value=Decimal("86000"),
            expected_close_date=dt.date(2027, 3, 31),
            description="Broadband for the new warehouse",
            customer=customer,
            contact_name="赵磊",
            contact_phone="13604317707",
            **fields,
        ),
    )


def open_task(opportunity, node) -> Task:
    return Task.objects.get(process_id=opportunity.process_id, flow_task=node, status__in=["NEW", "ASSIGNED"])


def page_of(client, user, opportunity, node) -> str:
    client.force_login(user)
    response = client.get(reverse("opportunities:task", args=[opportunity.pk, open_task(opportunity, node).pk]))
    assert response.status_code == 200
    text = visible_text(response.content)
    assert not raw_values(text), text
    return text


def qualify(manager, customer, opportunity, *, needs_solution=False) -> None:
    services.opportunity_qualify(
        user=manager,
        task_pk=open_task(opportunity, F.qualify).pk,
        customer=customer,
        needs_survey=False,
        needs_solution=needs_solution,
        installation_address=ADDRESS,
    )


def quote(manager, opportunity, product, discount: str, justification: str = "") -> None:
    services.opportunity_quote(
        user=manager,
        task_pk=open_task(opportunity, F.quote).pk,
        lines=[{"product": product, "quantity": 2, "discount_percent": Decimal(discount)}],
        justification=justification,
    )


def test_qualification_shows_the_value_the_description_and_the_contact(client, manager, customer, broadband):
    opportunity = record(manager, customer, broadband)
    text = page_of(client, manager, opportunity, F.qualify)
    assert "86,000.00 CNY a year" in text
    assert "Broadband for the new warehouse" in text
    assert "赵磊 · 13604317707" in text
    assert "Account manager visit" in text


def test_the_solution_step_shows_the_demand(client, manager, customer, broadband, presales):
    opportunity = record(manager, customer, broadband)
    qualify(manager, customer, opportunity, needs_solution=True)
    text = page_of(client, presales, opportunity, F.solution)
    assert "Broadband for the new warehouse" in text
    assert "Enterprise broadband" in text
    assert ADDRESS in text
    assert "86,000.00 CNY a year" in text


def test_a_quote_again_shows_the_quote_and_why_the_discount_was_refused(
    client, manager, customer, broadband, city_supervisor
):
    opportunity = record(manager, customer, broadband)
    qualify(manager, customer, opportunity)
    quote(manager, opportunity, broadband, "15", justification="A competitor offers 14%")
    services.opportunity_decide_discount(
        user=city_supervisor,
        task_pk=open_task(opportunity, F.approve_city).pk,
        decision="reject",
        reason="Ten percent at most for a two-year contract",
    )
    text = page_of(client, manager, opportunity, F.quote)
    assert "refused the discount: Ten percent at most for a two-year contract" in text
    assert "15% beyond threshold" in text
    assert "8,500.00" in text  # the agreed price of the refused quote


def test_a_discount_approval_shows_the_justification_and_the_margin(
    client, manager, customer, broadband, city_supervisor
):
    opportunity = record(manager, customer, broadband)
    qualify(manager, customer, opportunity)
    quote(manager, opportunity, broadband, "15", justification="A three-year contract against a competitor's offer")
    text = page_of(client, city_supervisor, opportunity, F.approve_city)
    assert "Why the discount A three-year contract against a competitor's offer" in text
    assert "Total per year at list price 20,000.00" in text
    assert "Total per year as quoted 17,000.00" in text
    assert "Cost per year 12,000.00" in text
    assert "Margin of the quote 29.4%" in text  # (17,000 − 12,000) / 17,000


def test_a_discount_beyond_the_threshold_without_a_reason_is_refused_and_nothing_is_saved(
    client, manager, customer, broadband
):
    opportunity = record(manager, customer, broadband)
    qualify(manager, customer, opportunity)
    client.force_login(manager)
    task = open_task(opportunity, F.quote)
    data = {f"quantity_{broadband.pk}": "2", f"discount_{broadband.pk}": "15", "justification": " "}
    response = client.post(reverse("opportunities:task", args=[opportunity.pk, task.pk]), data)
    assert "Say why the customer should have this discount" in visible_text(response.content)
    assert not opportunity.quote_lines.exists()
    assert open_task(opportunity, F.quote).pk == task.pk


def test_the_won_draft_order_carries_the_address_products_and_prices_and_the_message_links_to_it(
    client, manager, customer, broadband
):
    opportunity = record(manager, customer, broadband)
    qualify(manager, customer, opportunity)
    quote(manager, opportunity, broadband, "5")
    client.force_login(manager)
    response = client.post(
        reverse("opportunities:task", args=[opportunity.pk, open_task(opportunity, F.close).pk]),
        {"complete": "", "won-note": "Signed"},
        follow=True,
    )
    order = Order.objects.get(opportunity=opportunity)
    item = order.items.get()
    assert (item.product, item.quantity, item.unit_price) == (broadband, 2, Decimal("9500.00"))
    assert item.elements == {"install_address": ADDRESS, "contact_name": "赵磊"}  # the product has no phone element
    page = response.content.decode()
    assert f'href="{reverse("orders:edit", args=[order.pk])}"' in page
    assert f"Won. Draft order {order.number} was created" in visible_text(page)
    edit = visible_text(client.get(reverse("orders:edit", args=[order.pk])).content)
    assert ADDRESS in client.get(reverse("orders:edit", args=[order.pk])).content.decode()
    assert "9500.00" in edit
