"""What the shared parts need of assurance (`keyaccounts.core.registry`), registered from
`AssuranceConfig.ready()`."""

from django.utils.translation import gettext_lazy as _

from customers.process import customer_link
from keyaccounts.core.registry import ChainLink, InboxSource, ProcessSpec, RowFacts, Seeder

from .access import visible_tickets
from .demo import seed_demo_configuration, seed_demo_contract_calendars, seed_demo_tickets
from .flows import SLA_STEPS, TicketFlow
from .models import TroubleTicket
from .selectors import ticket_claimable, ticket_task_scope


def _chain(ticket: TroubleTicket) -> list[ChainLink]:
    return [
        customer_link(ticket.customer),
        ChainLink(_("Trouble ticket"), ticket.number, ticket.get_absolute_url(), ticket.process_id),
    ]


# Each SLA step the app times, as people call it (`registry.step_name`).
STEP_NAMES = {
    "assurance.fault_level1": _("Level 1 fault restoration"),
    "assurance.fault_level2": _("Level 2 fault restoration"),
    "assurance.complaint": _("Complaint settlement"),
    "assurance.triage": _("Complaint triage"),
    "assurance.handling": _("Complaint handling"),
    "assurance.callback": _("Callback to the customer"),
    "assurance.information": _("Information for EOMS"),
    "assurance.confirmation": _("Customer's confirmation of a repair"),
    "assurance.held_desk": _("Held by our desk"),
    "assurance.held_eoms": _("Held by EOMS"),
    "assurance.held_si": _("Held by the system integrator"),
}


SPEC = ProcessSpec(
    source=InboxSource(
        TicketFlow,
        _("Trouble ticket"),
        ticket_task_scope,
        ticket_claimable,
        "process__ticket",
        "customer",
        "city",
        "assurance:task",
        SLA_STEPS,
        number_prefix="TT",
        product_path="services__product",
        facts=lambda tickets: {
            t.pk: RowFacts.of(t.number, [s.product for s in t.services.all()])
            for t in tickets.prefetch_related("services__product")
        },
    ),
    step_names=STEP_NAMES,
    visible_records=visible_tickets,
    chain=_chain,
    seeders=(
        Seeder(50, seed_demo_configuration),
        Seeder(87, seed_demo_contract_calendars, business=True),
        Seeder(88, seed_demo_tickets, business=True),
    ),
)
