import pytest

from customers.flows import SLA_STEPS as CUSTOMER_STEPS
from opportunities.flows import SLA_STEPS as OPPORTUNITY_STEPS
from orders.flows import SLA_STEPS as ORDER_STEPS
from sla.demo import POLICIES, seed_demo_policies
from sla.services import sla_policy_for

pytestmark = pytest.mark.django_db


def test_every_waiting_step_of_every_flow_has_a_demo_policy():
    seed_demo_policies()
    steps = {*CUSTOMER_STEPS.values(), *OPPORTUNITY_STEPS.values(), *ORDER_STEPS.values()}
    assert {step for step in steps if sla_policy_for(step=step, level="C") is None} == set()
    assert {step for step, *_ in POLICIES} >= steps
