"""Demo SLA policies for the steps of the four sub-processes (an administrator edits them)."""

from datetime import timedelta

from django.db import transaction

from keyaccounts.core.models import Team

from .models import SlaPolicy, TimeBasis

H = timedelta(hours=1)
# step, level ("" = any), limit, basis
POLICIES = [
    ("customer.review", "", 4 * H, TimeBasis.WORKING),
    ("customer.review", "A", 2 * H, TimeBasis.WORKING),
    ("customer.correction", "", 15 * H, TimeBasis.WORKING),
    ("customer.approval", "", 4 * H, TimeBasis.WORKING),
    ("opportunity.response", "", 4 * H, TimeBasis.WORKING),
    ("opportunity.response", "A", 2 * H, TimeBasis.WORKING),
    ("opportunity.survey", "", 22.5 * H, TimeBasis.WORKING),
    ("opportunity.solution", "", 37.5 * H, TimeBasis.WORKING),
    ("opportunity.quote", "", 15 * H, TimeBasis.WORKING),
    ("opportunity.approval", "", 7.5 * H, TimeBasis.WORKING),
    ("order.check", "", 2 * H, TimeBasis.WORKING),
    ("order.acceptance", "", 4 * H, TimeBasis.WORKING),
    ("order.acceptance", "A", 2 * H, TimeBasis.WORKING),
    ("order.approval", "", 7.5 * H, TimeBasis.WORKING),
    ("launch.resource_confirmation", "", 15 * H, TimeBasis.WORKING),
    ("launch.construction", "", 150 * H, TimeBasis.WORKING),
    ("launch.configuration", "", 22.5 * H, TimeBasis.WORKING),
    ("launch.acceptance", "", 15 * H, TimeBasis.WORKING),
    ("launch.customer_acceptance", "", 22.5 * H, TimeBasis.WORKING),
    ("launch.manual_handling", "", 7.5 * H, TimeBasis.WORKING),
    ("launch.information", "", 4 * H, TimeBasis.WORKING),
    ("assurance.fault_level1", "", 4 * H, TimeBasis.CALENDAR),
    ("assurance.fault_level2", "", 8 * H, TimeBasis.CALENDAR),
    ("assurance.complaint", "", 48 * H, TimeBasis.CALENDAR),
]


# The back-office team that works each step (the others wait for an account manager, a supervisor or a peer).
TEAM_OF_STEP = {
    "customer.review": Team.Kind.CUSTOMER_AUDIT,
    "opportunity.solution": Team.Kind.PRESALES,
    "order.acceptance": Team.Kind.ORDER_ACCEPTANCE,
    "launch.configuration": Team.Kind.PROVISIONING,
    "launch.manual_handling": Team.Kind.PROVISIONING,
    "launch.acceptance": Team.Kind.PROVISIONING,
    "launch.information": Team.Kind.PROVISIONING,
}


@transaction.atomic
def seed_demo_policies() -> None:
    for step, level, limit, basis in POLICIES:
        if not SlaPolicy.objects.filter(step=step, customer_level=level, product__isnull=True).exists():
            SlaPolicy.objects.create(
                step=step, customer_level=level, limit=limit, time_basis=basis, team_kind=TEAM_OF_STEP.get(step, "")
            )
