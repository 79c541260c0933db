"""What the shared parts need of business opportunity management (`keyaccounts.core.registry`), registered
from `OpportunitiesConfig.ready()`."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from keyaccounts.core.models import Team
from keyaccounts.core.registry import HomePanel, InboxSource, Panel, ProcessSpec, RowFacts, Seeder, Volume
from keyaccounts.core.roles import Role
from keyaccounts.inbox.home import inbox_panel
from orders.process import business_chain

from .access import visible_opportunities
from .demo import seed_channels, seed_demo_opportunities
from .flows import SLA_STEPS, OpportunityFlow
from .models import Opportunity
from .selectors import opportunity_claimable, opportunity_task_scope


def _tasks(title, user, empty_message) -> Panel:
    return inbox_panel(
        title,
        "opportunities/panels/opportunity_tasks.html",
        user,
        flow=OpportunityFlow,
        empty_message=empty_message,
        related=("process__opportunity__city", "process__opportunity__customer"),
    )


def _steps(user) -> list[Panel]:
    return [_tasks(_("Opportunity steps"), user, _("No opportunity step waits for you."))]


def _open_opportunities(user) -> list[Panel]:
    open_ones = visible_opportunities(user).filter(
        status__in=[Opportunity.Status.ACKNOWLEDGED, Opportunity.Status.IN_PROGRESS, Opportunity.Status.PENDING]
    )
    return [
        Panel(
            _("Open opportunities"),
            "opportunities/panels/opportunities.html",
            {
                "opportunities": open_ones.select_related("customer", "account_manager").order_by("-created_at")[:10],
                "message": _("No open opportunity."),
            },
        )
    ]


def _solutions(user) -> list[Panel]:
    if not user.teams.filter(kind=Team.Kind.PRESALES).exists():
        return []
    return [_tasks(_("Solutions to design"), user, _("No solution waits for your team."))]


def _discounts(user) -> list[Panel]:
    return [_tasks(_("Discounts to approve"), user, _("No discount waits for your approval."))]


def _facts(records) -> dict:
    """An opportunity's number, products and value: its quote once quoted, else the products of interest and the
    estimated value."""
    facts = {}
    for opportunity in records.prefetch_related("products", "quote_lines__product"):
        lines = opportunity.quote_lines.all()
        if lines:
            amount = sum((line.amount for line in lines), Decimal(0))
            facts[opportunity.pk] = RowFacts.of(opportunity.number, [line.product for line in lines], amount)
        else:
            products = opportunity.products.all()
            facts[opportunity.pk] = RowFacts.of(opportunity.number, products, opportunity.estimated_value)
    return facts


def _chain(opportunity: Opportunity) -> list:
    return business_chain(
        customer=opportunity.customer, opportunity=opportunity, order=getattr(opportunity, "order", None)
    )


# Each SLA step the app times, as people call it (`registry.step_name`).
STEP_NAMES = {
    "opportunity.response": _("Opportunity response"),
    "opportunity.survey": _("Network resource pre-survey"),
    "opportunity.solution": _("Customised solution"),
    "opportunity.quote": _("Quotation"),
    "opportunity.approval": _("Discount approval"),
}


SPEC = ProcessSpec(
    source=InboxSource(
        OpportunityFlow,
        _("Opportunity"),
        opportunity_task_scope,
        opportunity_claimable,
        "process__opportunity",
        "customer",
        "city",
        "opportunities:task",
        SLA_STEPS,
        number_prefix="OP",
        product_path="quote_lines__product",
        name_path="prospect_name",
        facts=_facts,
    ),
    step_names=STEP_NAMES,
    visible_records=visible_opportunities,
    chain=_chain,
    panels=(
        HomePanel(Role.ACCOUNT_MANAGER, 20, _steps),
        HomePanel(Role.ACCOUNT_MANAGER, 60, _open_opportunities),
        HomePanel(Role.BACK_OFFICE, 60, _solutions),
        HomePanel(Role.CITY_SUPERVISOR, 20, _discounts),
        HomePanel(Role.PROVINCIAL_SUPERVISOR, 20, _discounts),
    ),
    volumes=(Volume("opportunities", visible_opportunities, "created_at"),),
    seeders=(Seeder(68, seed_channels), Seeder(70, seed_demo_opportunities, business=True)),
)
