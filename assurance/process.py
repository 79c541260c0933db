"""What the shared parts need of assurance (`keyaccounts.core.registry`), registered from
`AssuranceConfig.ready()`."""

from django.utils.translation import gettext_lazy as _

from customers.process import customer_link
from keyaccounts.core.registry import ChainLink, DashboardSection, InboxSource, ProcessSpec, RowFacts, Seeder

from . import dashboard
from .access import visible_tickets
from .demo import seed_demo_configuration, seed_demo_contract_calendars, seed_demo_survey, seed_demo_tickets
from .flows import FOLLOW_UP_SLA_STEPS, SLA_STEPS, SurveyFollowUpFlow, TicketFlow
from .models import SatisfactionSurvey, TroubleTicket
from .selectors import follow_up_claimable, follow_up_task_scope, ticket_claimable, ticket_task_scope


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
    "assurance.billing": _("Billing question answered"),
    "assurance.dispatch": _("Dispatch to the peer"),
    "assurance.acknowledge_level1": _("Level 1 fault acknowledged by EOMS"),
    "assurance.acknowledge_level2": _("Level 2 fault acknowledged by EOMS"),
    "assurance.progress_level1": _("Level 1 fault progress update"),
    "assurance.progress_level2": _("Level 2 fault progress update"),
    "assurance.first_response": _("First response to a complaint"),
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
        Seeder(51, seed_demo_survey),
        Seeder(87, seed_demo_contract_calendars, business=True),
        Seeder(88, seed_demo_tickets, business=True),
    ),
    dashboard_sections=(
        DashboardSection(
            "assurance",
            _("After-sale assurance"),
            "assurance/dashboard_section.html",
            dashboard.assurance_section,
            dashboard.EXPORTS,
        ),
    ),
)


# ---------------------------------------------------------------------------- satisfaction survey follow-up
def _follow_up_chain(survey: SatisfactionSurvey) -> list[ChainLink]:
    ticket = survey.ticket
    return [
        *_chain(ticket),
        ChainLink(_("Survey follow-up"), ticket.number, ticket.get_absolute_url(), survey.follow_up_process_id),
    ]


# A low survey score's follow-up: its own short process beside the ended ticket's (`flows.SurveyFollowUpFlow`).
FOLLOW_UP_SPEC = ProcessSpec(
    source=InboxSource(
        SurveyFollowUpFlow,
        _("Survey follow-up"),
        follow_up_task_scope,
        follow_up_claimable,
        "process__survey",
        "ticket__customer",
        "ticket__city",
        "assurance:follow_up",
        FOLLOW_UP_SLA_STEPS,
        url_key="ticket_id",
        number_prefix="TT",
        number_path="ticket",
        product_path="ticket__services__product",
        manager_path="ticket__account_manager",
        facts=lambda surveys: {
            s.pk: RowFacts.of(s.ticket.number, [service.product for service in s.ticket.services.all()])
            for s in surveys.select_related("ticket").prefetch_related("ticket__services__product")
        },
    ),
    visible_records=lambda user: SatisfactionSurvey.objects.filter(ticket__in=visible_tickets(user)),
    chain=_follow_up_chain,
    timeline_subjects=lambda survey: (survey.ticket,),  # the survey's answer and follow-up are the ticket's lines
)
