"""Assurance (after-sale): one flow per trouble ticket, by its channel of service.

Red channel (faults): dispatched to EOMS at once → EOMS's events move the ticket (an information request
becomes the account manager's task) → the account manager records the customer's confirmation: accepted
closes it (EOMS is told), rejected reopens it at EOMS.
Yellow channel (complaints, billing questions, suggestions, consultations): the city's assurance desk triages it
(a duplicate is linked and ends there) → the team a routing rule picks handles it → the account manager's
callback (回访): accepted closes it, rejected reopens it; the second reopening goes to the city supervisor, the
third to the province. A complaint routed to EOMS (or to an SI company that works in its own system) goes there as
a TMF621 complaint and waits for its events as a fault does; one routed to an SI company that works in our SI
portal waits for the partner's resolution there.

Nodes only route; every write is a service in `services.py`.
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from keyaccounts.core.workflow import BaseFlow

from . import services
from .models import SurveyFollowUpProcess, TicketProcess, TroubleTicket

Status, Route, Escalation = TroubleTicket.Status, TroubleTicket.Route, TroubleTicket.Escalation

# The people's steps and the SLA steps they are timed by; the restoration or settlement of the whole ticket is
# timed across its steps (`services.ticket_sla_follow`).
SLA_STEPS = {
    "triage": "assurance.triage",
    "handle": "assurance.handling",
    "handle_billing": "assurance.handling",
    "supervise_city": "assurance.handling",
    "supervise_province": "assurance.handling",
    "callback": "assurance.callback",
    "give_information": "assurance.information",
    "confirm": "assurance.confirmation",
}


def open_task_page(request, **kwargs):
    return redirect("assurance:detail", pk=request.activation.process.ticket.pk)


def _ticket(activation) -> TroubleTicket:
    return activation.process.ticket


def _in_incident(activation) -> bool:
    from .models import ServiceProblemTicket

    return ServiceProblemTicket.objects.filter(ticket_id=_ticket(activation).pk).exists()


def _manager(activation):
    return _ticket(activation).account_manager


def _at_peer(activation) -> bool:
    """A complaint worked in EOMS, or in the system of an SI company that does not work in our portal."""
    ticket = _ticket(activation)
    if ticket.route == Route.EOMS:
        return True
    return ticket.route == Route.SI and not ticket.si_company.works_in_portal


class TicketFlow(BaseFlow):
    process_class = TicketProcess
    process_title = _("Trouble ticket")
    process_description = _("A fault to EOMS, or a complaint through the assurance desk, until the customer accepts.")

    start = flow.StartHandle(this.link_ticket).Annotation(title=_("Start")).Next(this.by_channel)
    by_channel = (
        flow.Switch()
        .Annotation(title=_("Fault or complaint"))
        # An incident's child: EOMS works the incident, not the ticket; it waits for the incident's resolution.
        .Case(this.await_eoms, lambda a: _ticket(a).is_fault and _in_incident(a))
        .Case(this.dispatch, lambda a: _ticket(a).is_fault)
        .Default(this.triage)
    )

    # ------------------------------------------------------------------ red channel: faults
    dispatch = flow.Function(this.run_dispatch).Annotation(title=_("Send to EOMS")).Next(this.await_eoms)
    await_eoms = flow.Handle(this.run_await).Annotation(title=_("Wait for EOMS")).Next(this.after_eoms)
    after_eoms = (
        flow.Switch()
        .Annotation(title=_("By EOMS's answer"))
        .Case(this.give_information, lambda a: _ticket(a).status == Status.PENDING)
        .Case(this.confirm, lambda a: _ticket(a).status == Status.RESOLVED and _ticket(a).is_fault)
        .Case(this.callback, lambda a: _ticket(a).status == Status.RESOLVED)  # a complaint EOMS or an SI worked
        .Default(this.end)  # rejected by EOMS
    )
    give_information = (
        flow.View(open_task_page)
        .Assign(_manager)
        .Annotation(title=_("Give EOMS the information it needs"))
        .Next(this.await_eoms)
    )
    confirm = (
        flow.View(open_task_page)
        .Assign(_manager)
        .onCreate(this.ask_customer)
        .Annotation(title=_("Record the customer's confirmation"))
        .Next(this.after_confirm)
    )
    after_confirm = (
        flow.Switch()
        # An incident's child EOMS never had: the customer's line is still down, so the fault goes to EOMS itself.
        .Case(
            this.dispatch, lambda a: _ticket(a).status == Status.IN_PROGRESS and not services.ticket_at_eoms(_ticket(a))
        )
        .Case(this.await_eoms, lambda a: _ticket(a).status == Status.IN_PROGRESS)
        .Default(this.end)
        .Annotation(title=_("By the customer's confirmation"))
    )

    # ------------------------------------------------------------------ yellow channel: complaints
    triage = (
        flow.View(open_task_page)
        .Permission("assurance.triage_ticket")
        .Annotation(title=_("Triage the complaint"))
        .Next(this.after_triage)
    )
    after_triage = (
        flow.Switch()
        .Annotation(title=_("By the triage"))
        .Case(this.end, lambda a: _ticket(a).status == Status.CANCELLED)
        .Default(this.route)
    )
    route = flow.Function(this.run_route).Annotation(title=_("Route the complaint")).Next(this.to_handler)
    to_handler = (
        flow.Switch()
        .Annotation(title=_("To the handling team"))
        .Case(this.supervise_province, lambda a: _ticket(a).escalation == Escalation.PROVINCE)
        .Case(this.supervise_city, lambda a: _ticket(a).escalation == Escalation.CITY)
        .Case(this.handle_billing, lambda a: _ticket(a).route == Route.BILLING)
        .Case(this.to_peer, _at_peer)
        .Case(this.await_si, lambda a: _ticket(a).route == Route.SI)
        .Default(this.handle)
    )
    # ---- complaints handled by EOMS or by the product's SI company
    to_peer = (
        flow.Function(this.run_to_peer)
        .Annotation(title=_("Send the complaint to EOMS or the SI company"))
        .Next(this.await_eoms)
    )
    await_si = (
        flow.Handle(this.run_await)
        .Annotation(title=_("Wait for the SI company's resolution in the SI portal"))
        .Next(this.callback)
    )
    handle = (
        flow.View(open_task_page)
        .Permission("assurance.handle_ticket")
        .Annotation(title=_("Handle the complaint"))
        .Next(this.callback)
    )
    handle_billing = (
        flow.View(open_task_page)
        .Permission("assurance.handle_ticket")
        .Annotation(title=_("Handle the billing question"))
        .Next(this.callback)
    )
    supervise_city = (
        flow.View(open_task_page)
        .Permission("assurance.supervise_ticket")
        .Annotation(title=_("Handle the escalated complaint"))
        .Next(this.callback)
    )
    supervise_province = (
        flow.View(open_task_page)
        .Permission("assurance.supervise_ticket")
        .Annotation(title=_("Handle the complaint escalated to the province"))
        .Next(this.callback)
    )
    callback = (
        flow.View(open_task_page)
        .Assign(_manager)
        .onCreate(this.ask_customer)
        .Annotation(title=_("Call the customer back"))
        .Next(this.after_callback)
    )
    after_callback = (
        flow.Switch()
        .Case(this.to_handler, lambda a: _ticket(a).status == Status.IN_PROGRESS)
        .Default(this.end)
        .Annotation(title=_("By the callback"))
    )
    end = flow.End().Annotation(title=_("End"))

    def link_ticket(self, activation, ticket: TroubleTicket):
        activation.process.save()
        ticket.process = activation.process
        ticket.save(update_fields=["process"])
        return activation.process

    def run_dispatch(self, activation):
        services.ticket_dispatch(ticket=_ticket(activation))

    def run_await(self, activation):
        """EOMS's events have moved the ticket already (`services.tickets_apply_events`); the switch reads it."""

    def ask_customer(self, activation):
        """The confirmation or callback opens: the customer is told (restored, please confirm)."""
        services.ticket_ask_customer(ticket=_ticket(activation))

    def run_route(self, activation):
        services.ticket_route(ticket=_ticket(activation))

    def run_to_peer(self, activation):
        services.ticket_complaint_send(ticket=_ticket(activation))


# ---------------------------------------------------------------------------- satisfaction survey follow-up
# The ticket's own flow has ended when its survey is answered: a low score is followed up in a short flow of its
# own, queued to the supervisors of the ticket's city.
FOLLOW_UP_SLA_STEPS: dict = {}


def open_follow_up_page(request, **kwargs):
    return redirect("assurance:detail", pk=request.activation.process.survey.ticket_id)


class SurveyFollowUpFlow(BaseFlow):
    process_class = SurveyFollowUpProcess
    process_title = _("Survey follow-up")
    process_description = _("A customer gave a low score in the satisfaction survey: the city supervisor follows up.")

    start = flow.StartHandle(this.link_survey).Annotation(title=_("Start")).Next(this.follow_up)
    follow_up = (
        flow.View(open_follow_up_page)
        .Permission("assurance.supervise_ticket")
        .Annotation(title=_("Follow up a low satisfaction score"))
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("End"))

    def link_survey(self, activation, survey):
        activation.process.save()
        survey.follow_up_process = activation.process
        survey.save(update_fields=["follow_up_process"])
        return activation.process
