"""The quote: a quantity outside the product's bounds is refused on the page and by the service, nothing saved;
a quote whose total an order approval rule matches goes to the city supervisor even without a discount."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from keyaccounts.core.exceptions import ApplicationError
from opportunities import services
from opportunities.flows import OpportunityFlow as F
from opportunities.models import ApprovalLevel, Opportunity, QuoteLine
from opportunities.services import OpportunityInput
from orders.models import OrderApprovalRule
from tests.opportunities.conftest import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    return make_product("internet-line", route="T2", min_quantity=1, max_quantity=50)


@pytest.fixture
def quoting(manager, customer, line) -> Opportunity:
    return qualified(manager, customer, line)


def qualified(manager, customer, line) -> Opportunity:
    """An opportunity of the line product, qualified: its quote is the open step."""
    opportunity = services.opportunity_record(
        user=manager,
        data=OpportunityInput(
            city=manager.city,
            products=[line],
            estimated_value=Decimal("100000"),
            expected_close_date=dt.date(2027, 3, 31),
            description="Lines for the depots",
            customer=customer,
        ),
    )
    services.opportunity_qualify(
        user=manager,
        task_pk=task(opportunity, F.qualify).pk,
        customer=customer,
        needs_survey=False,
        needs_solution=False,
    )
    return opportunity


def task(opportunity, node) -> Task:
    return Task.objects.get(process_id=opportunity.process_id, flow_task=node, status__in=["NEW", "ASSIGNED"])


def quote(manager, opportunity, product, quantity, discount="0") -> Opportunity:
    services.opportunity_quote(
        user=manager,
        task_pk=task(opportunity, F.quote).pk,
        lines=[{"product": product, "quantity": quantity, "discount_percent": Decimal(discount)}],
        justification="Three-year commitment" if Decimal(discount) else "",
    )
    return Opportunity.objects.get(pk=opportunity.pk)


@pytest.mark.parametrize("quantity", [0, -2, 51, 99_999_999_999])
def test_the_quote_service_refuses_a_quantity_outside_the_bounds(manager, quoting, line, quantity):
    with pytest.raises(ApplicationError, match="between 1 and 50"):
        quote(manager, quoting, line, quantity)
    assert not QuoteLine.objects.exists()
    assert task(quoting, F.quote).status in ("NEW", "ASSIGNED")  # the step is still open


@pytest.mark.parametrize(("quantity", "message"), [("0", "greater than or equal to 1"), ("99999999999", "less than")])
def test_the_quote_page_refuses_a_quantity_outside_the_bounds(client, manager, quoting, line, quantity, message):
    client.force_login(manager)
    url = reverse("opportunities:task", args=[quoting.pk, task(quoting, F.quote).pk])
    response = client.post(url, {f"quantity_{line.pk}": quantity, f"discount_{line.pk}": "0"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not QuoteLine.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "discount", "level"),
    [
        (19, "0", ApprovalLevel.NONE),  # 190,000 a year: below the rule
        (20, "0", ApprovalLevel.CITY),  # 200,000: the rule, though no discount needs approval
        (25, "15", ApprovalLevel.CITY),  # the discount's own approval already
        (25, "25", ApprovalLevel.PROVINCE),  # the discount's higher approval stays
    ],
)
def test_a_quote_whose_total_passes_the_approval_rule_goes_to_approval(
    manager, customer, line, city_supervisor, quantity, discount, level
):
    OrderApprovalRule.objects.create(min_amount=Decimal("200000"))
    quoted = quote(manager, qualified(manager, customer, line), line, quantity, discount)
    assert quoted.approval_level == level
    if level == ApprovalLevel.CITY:
        assert task(quoted, F.approve_city).owner is None  # in the city supervisors' queue
