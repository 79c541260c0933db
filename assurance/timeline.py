from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions, register_values

from .models import ServiceProblem, Severity, TroubleTicket


class TicketAction(models.TextChoices):
    REPORTED = "ticket.reported", _("Ticket reported")
    DISPATCHED = "ticket.dispatched", _("Sent to EOMS")
    PROGRESSED = "ticket.progressed", _("Status reported by EOMS")
    INFORMATION_REQUIRED = "ticket.information_required", _("EOMS needs information")
    INFORMATION_GIVEN = "ticket.information_given", _("Information given to EOMS")
    TRIAGED = "ticket.triaged", _("Triaged by the assurance desk")
    DUPLICATE_LINKED = "ticket.duplicate_linked", _("Linked as a duplicate")
    DUPLICATE_RECEIVED = "ticket.duplicate_received", _("A duplicate was linked to it")
    ROUTED = "ticket.routed", _("Handed to the team that handles it")
    RESOLVED = "ticket.resolved", _("Resolution proposed")
    CUSTOMER_ACCEPTED = "ticket.customer_accepted", _("The customer accepted the resolution")
    CUSTOMER_REJECTED = "ticket.customer_rejected", _("The customer rejected the resolution")
    ESCALATED = "ticket.escalated", _("Escalated")
    REJECTED = "ticket.rejected", _("Rejected by EOMS")
    NOTE = "ticket.note", _("Note")
    ATTACHED = "ticket.attached", _("Document attached")
    LEVEL_CHANGED = "ticket.level_changed", _("Fault level changed by a supervisor")
    RESTORED_MEASURED = "ticket.restored_measured", _("The network meets its quality target again")
    SERVICE_ENDED = "ticket.service_ended", _("Cancelled: the service was terminated")
    CUSTOMER_NOT_TOLD = "ticket.customer_not_told", _("The customer was not told")
    REMINDED = "ticket.reminded", _("The customer was reminded to answer")
    AUTO_CLOSED = "ticket.auto_closed", _("Closed: the customer did not answer")
    # satisfaction survey
    SURVEY_SENT = "ticket.survey_sent", _("Satisfaction survey sent to the customer")
    SURVEY_ANSWERED = "ticket.survey_answered", _("The customer answered the satisfaction survey")
    SURVEY_FOLLOWED_UP = "ticket.survey_followed_up", _("Low satisfaction score followed up")
    # ---- complaints handled by EOMS and by SI companies
    SENT_TO_SI = "ticket.sent_to_si", _("Sent to the SI company's system")
    SENT_BACK = "ticket.sent_back", _("Sent back to be worked again")
    SI_PROGRESS = "ticket.si_progress", _("Progress recorded by the SI company")
    PENDING_SET = "ticket.pending_set", _("Set pending")
    PENDING_ENDED = "ticket.pending_ended", _("What the ticket waited for came")
    PAUSE_ENDED = "ticket.pause_ended", _("A supervisor ended the pause on the customer's side")


register_actions(
    TicketAction,
    states=TroubleTicket.Status,
    templates={
        TicketAction.REPORTED: "assurance/timeline/reported.html",
        TicketAction.DISPATCHED: "assurance/timeline/dispatched.html",
        TicketAction.PROGRESSED: "assurance/timeline/peer.html",
        TicketAction.REJECTED: "assurance/timeline/peer.html",
        TicketAction.INFORMATION_REQUIRED: "assurance/timeline/peer.html",
        TicketAction.INFORMATION_GIVEN: "assurance/timeline/peer.html",
        TicketAction.DUPLICATE_LINKED: "assurance/timeline/duplicate.html",
        TicketAction.DUPLICATE_RECEIVED: "assurance/timeline/duplicate.html",
        TicketAction.ROUTED: "assurance/timeline/routed.html",
        TicketAction.RESOLVED: "assurance/timeline/resolved.html",
        TicketAction.CUSTOMER_REJECTED: "assurance/timeline/reopened.html",
        TicketAction.ESCALATED: "assurance/timeline/escalated.html",
        TicketAction.NOTE: "assurance/timeline/note.html",
        TicketAction.ATTACHED: "assurance/timeline/attached.html",
        TicketAction.LEVEL_CHANGED: "assurance/timeline/level.html",
        TicketAction.CUSTOMER_NOT_TOLD: "assurance/timeline/not_told.html",
        TicketAction.REMINDED: "assurance/timeline/unanswered.html",
        TicketAction.AUTO_CLOSED: "assurance/timeline/unanswered.html",
        TicketAction.SENT_TO_SI: "assurance/timeline/dispatched.html",
        TicketAction.SENT_BACK: "assurance/timeline/dispatched.html",
        TicketAction.PENDING_SET: "assurance/timeline/pending.html",
        TicketAction.PENDING_ENDED: "assurance/timeline/pending.html",
        TicketAction.PAUSE_ENDED: "assurance/timeline/pause_ended.html",
    },
)
register_values("assurance.type", TroubleTicket.Type)
register_values("assurance.severity", Severity)
register_values("assurance.route", TroubleTicket.Route)
register_values("assurance.escalation", TroubleTicket.Escalation)
register_values("assurance.channel", TroubleTicket.Channel)


# ---------------------------------------------------------------------------- network incidents
class ProblemAction(models.TextChoices):
    RAISED = "problem.raised", _("Network incident raised")
    CHILDREN_OPENED = "problem.children_opened", _("Tickets opened for the affected customers")
    RESOLVED = "problem.resolved", _("Network incident resolved")
    PROGRESSED = "problem.progressed", _("EOMS reported the network incident's progress")
    CLOSED = "problem.closed", _("Network incident closed: every affected customer's ticket is finished")


class ChildAction(models.TextChoices):
    """Lines on a child ticket's timeline (its states are the ticket's)."""

    OPENED = "ticket.problem_opened", _("Opened for a network incident")
    LINKED = "ticket.problem_linked", _("Linked to a network incident")


register_actions(
    ProblemAction,
    states=ServiceProblem.Status,
    templates={
        ProblemAction.RAISED: "assurance/timeline/problem.html",
        ProblemAction.CHILDREN_OPENED: "assurance/timeline/problem.html",
        ProblemAction.RESOLVED: "assurance/timeline/resolved.html",
        ProblemAction.PROGRESSED: "assurance/timeline/resolved.html",
        ProblemAction.CLOSED: "assurance/timeline/problem.html",
    },
)
register_actions(
    ChildAction,
    states=TroubleTicket.Status,
    templates={
        ChildAction.OPENED: "assurance/timeline/problem.html",
        ChildAction.LINKED: "assurance/timeline/problem.html",
    },
)
register_values("assurance.problem_origin", ServiceProblem.Origin)
register_values("assurance.status", TroubleTicket.Status)  # the SI portal's history of a complaint
register_values("assurance.pending_party", TroubleTicket.PendingParty)
