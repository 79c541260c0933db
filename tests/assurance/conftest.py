import datetime as dt

import pytest
from viewflow.workflow.models import Task

from assurance.demo import seed_demo_configuration
from assurance.flows import TicketFlow
from assurance.services import Report, ticket_report
from customers.models import Contact, Customer
from keyaccounts.catalogue.models import Service
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from orders.models import Order, OrderItem
from sla.models import SlaPolicy, TimeBasis
from tests.factories import TeamFactory, credit_code
from tests.orders.conftest import catalogue, customer, manager, peers, supervisor  # noqa: F401

H = dt.timedelta(hours=1)


def running_service(owner, product, **elements) -> Service:
    order = Order.objects.create(
        customer=owner, city=owner.city, account_manager=owner.account_manager, status=Order.Status.COMPLETED
    )
    item = OrderItem.objects.create(
        order=order, product=product, unit_price=1000, state=OrderItem.State.COMPLETED, elements=elements
    )
    return Service.objects.create(customer=owner, product=product, origin=item, elements=elements)


@pytest.fixture
def configured(db, catalogue):  # noqa: F811 — the demo's rules need its products
    """The demo's fault-level rules (dedicated lines by their codes), routes and resolution codes, and the SLA
    policies of the assurance steps."""
    seed_demo_configuration()
    for step, limit in [
        ("assurance.fault_level1", 4 * H),
        ("assurance.fault_level2", 8 * H),
        ("assurance.complaint", 48 * H),
        ("assurance.triage", 2 * H),
        ("assurance.handling", 24 * H),
        ("assurance.callback", 24 * H),
        ("assurance.confirmation", 24 * H),
        ("assurance.information", 2 * H),
    ]:
        SlaPolicy.objects.create(step=step, limit=limit, time_basis=TimeBasis.CALENDAR)


@pytest.fixture
def line(customer, catalogue):  # noqa: F811
    """A running internet dedicated line of the customer."""
    return running_service(customer, catalogue["T2"], site="长春市绿园区 1 号")


@pytest.fixture
def contact(customer):  # noqa: F811
    return Contact.objects.create(customer=customer, name="王强", role="IT director", phone="13904310000")


@pytest.fixture
def desk(user_in_role, city):
    team = TeamFactory(city=city, kind=Team.Kind.ASSURANCE_DESK)
    return user_in_role(Role.BACK_OFFICE, city=city, teams=[team], username="desk")


@pytest.fixture
def billing(user_in_role):
    team = TeamFactory(city=None, kind=Team.Kind.BILLING)
    return user_in_role(Role.BACK_OFFICE, city=None, teams=[team], username="billing")


@pytest.fixture
def province(user_in_role):
    return user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None, username="sup_province")


@pytest.fixture
def other_customer(customer, user_in_role, other_city):  # noqa: F811 — after `customer`, whose credit code differs
    far_manager = user_in_role(Role.ACCOUNT_MANAGER, city=other_city, username="am_jilin")
    return Customer.objects.create(
        name="吉林化纤集团",
        credit_code=credit_code(8),
        industry="manufacturing",
        address="吉林市",
        size="large",
        city=other_city,
        account_manager=far_manager,
        status=Customer.Status.VALIDATED,
        level="A",
        proposed_level="A",
    )


def report(user, owner, *, kind="complaint", services=(), description="Slow answers on the hotline", **kw):
    """`user` reports a ticket of the customer `owner` through the service the pages call."""
    return ticket_report(
        user=user, customer=owner, report=Report(type=kind, description=description, services=services, **kw)
    )


def open_task(ticket, node) -> Task | None:
    return Task.objects.filter(process_id=ticket.process_id, flow_task=node, status__in=["NEW", "ASSIGNED"]).first()


F = TicketFlow
