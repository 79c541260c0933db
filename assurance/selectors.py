"""Reads of assurance, scoped to what the user may see."""

import re
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from customers.models import Customer
from customers.validators import normalise_credit_code
from keyaccounts.catalogue.models import Service
from keyaccounts.core.access import served_city_ids
from keyaccounts.core.models import TimelineEvent
from keyaccounts.core.roles import Role, has_role
from keyaccounts.core.workflow import task_scope

from .access import BILLING, DESK
from .models import OPEN_TICKET_STATUSES, TicketAttachment, TicketNote, TroubleTicket

DUPLICATE_WINDOW = timedelta(days=30)


def ticket_claimable(user) -> list:
    """The ticket steps the user may claim, each with the cities it may be claimed in (None: any)."""
    from .flows import TicketFlow as F

    claimable = []
    if user.has_perm("assurance.triage_ticket"):
        claimable.append(([F.triage], served_city_ids(user, DESK)))
    if user.has_perm("assurance.handle_ticket"):
        claimable.append(([F.handle], served_city_ids(user, DESK)))
        claimable.append(([F.handle_billing], served_city_ids(user, BILLING)))
    if user.has_perm("assurance.supervise_ticket"):
        if has_role(user, Role.PROVINCIAL_SUPERVISOR):
            claimable.append(([F.supervise_province], None))
        if has_role(user, Role.CITY_SUPERVISOR) and user.city_id:
            claimable.append(([F.supervise_city], [user.city_id]))
    return claimable


def ticket_task_scope(user, *, city: str = "process__ticket__city_id", flow: str = "process__flow_class") -> Q:
    from .flows import TicketFlow

    return task_scope(user, ticket_claimable(user), city=city, flow=Q(**{flow: TicketFlow}) if flow else None)


def running_services_of(customer) -> QuerySet[Service]:
    """What a ticket may be about: the customer's running services."""
    return Service.objects.filter(customer=customer, status=Service.Status.ACTIVE).select_related("product")


def likely_duplicates(ticket: TroubleTicket) -> QuerySet[TroubleTicket]:
    """Open tickets of the last 30 days about the same customer or one of the same services."""
    services = list(ticket.services.values_list("pk", flat=True))
    same = (
        Q(customer_id=ticket.customer_id) | Q(services__in=services) if services else Q(customer_id=ticket.customer_id)
    )
    return (
        TroubleTicket.objects.filter(
            same, status__in=OPEN_TICKET_STATUSES, created_at__gte=timezone.now() - DUPLICATE_WINDOW
        )
        .exclude(pk=ticket.pk)
        .distinct()
        .order_by("-created_at")
    )


def open_tickets_of(user, customer) -> QuerySet[TroubleTicket]:
    from .access import visible_tickets

    return visible_tickets(user).filter(customer=customer, status__in=OPEN_TICKET_STATUSES).order_by("-created_at")


# ---------------------------------------------------------------------------- the channels' API
_NUMBER = re.compile(r"TT(\d{1,12})")


def ticket_pk(number: str) -> int | None:
    """The ticket a number names (TT000123), or None."""
    match = _NUMBER.fullmatch(str(number or ""))
    return int(match.group(1)) if match else None


def archived_customer(credit_code: str) -> Customer | None:
    """The archived (validated) customer a channel names by its credit code."""
    return Customer.objects.filter(
        credit_code=normalise_credit_code(credit_code), status=Customer.Status.VALIDATED
    ).first()


def channel_tickets(api_channel) -> QuerySet[TroubleTicket]:
    """What a channel reported over the API, and nothing else, newest first, with what its answer shows."""
    return (
        TroubleTicket.objects.filter(api_channel=api_channel)
        .select_related("customer", "contact", "api_channel")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.select_related("product").order_by("pk")),
            Prefetch("notes", queryset=TicketNote.objects.filter(internal=False)),
            Prefetch("attachments", queryset=TicketAttachment.objects.filter(internal=False)),
        )
        .order_by("-created_at", "-pk")
    )


def _status_lines(tickets) -> QuerySet[TimelineEvent]:
    return (
        TimelineEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(TroubleTicket),
            subject_id__in=[t.pk for t in tickets],
        )
        .exclude(to_state="")
        .order_by("created_at", "id")
    )


def ticket_status_histories(tickets) -> dict[int, list[TimelineEvent]]:
    """Each ticket's status changes (TMF621 statusChange), oldest first, in one query."""
    histories: dict[int, list[TimelineEvent]] = {}
    for line in _status_lines(tickets):
        histories.setdefault(line.subject_id, []).append(line)
    return histories


def ticket_status_history(ticket: TroubleTicket) -> list[TimelineEvent]:
    return ticket_status_histories([ticket]).get(ticket.pk, [])


# ---------------------------------------------------------------------------- satisfaction survey follow-up
def follow_up_claimable(user) -> list:
    """A low survey score is followed up by the supervisors of the ticket's city."""
    from .flows import SurveyFollowUpFlow as F

    if user.has_perm("assurance.supervise_ticket") and has_role(user, Role.CITY_SUPERVISOR) and user.city_id:
        return [([F.follow_up], [user.city_id])]
    return []


def follow_up_task_scope(
    user, *, city: str = "process__survey__ticket__city_id", flow: str = "process__flow_class"
) -> Q:
    from .flows import SurveyFollowUpFlow

    return task_scope(
        user, follow_up_claimable(user), city=city, flow=Q(**{flow: SurveyFollowUpFlow}) if flow else None
    )


# ---------------------------------------------------------------------------- network incidents
def problems_open(user):
    """The open incidents the user may see, newest first, each with its number of affected customers and its
    children's tickets (for their states) in one more query."""
    from django.db.models import Count

    from .access import visible_problems
    from .models import OPEN_PROBLEM_STATUSES, ServiceProblemTicket

    return (
        visible_problems(user)
        .filter(status__in=OPEN_PROBLEM_STATUSES)
        .annotate(customer_count=Count("children", distinct=True))
        .prefetch_related(
            "products", Prefetch("children", queryset=ServiceProblemTicket.objects.select_related("ticket"))
        )
        .order_by("-created_at")
    )


def problem_children(problem):
    """The incident's children with their customers and tickets, by customer name."""
    return problem.children.select_related("customer", "ticket", "ticket__account_manager").order_by(
        "customer__name", "pk"
    )


def child_states(children) -> list[tuple[str, int]]:
    """How many children are in each status, as (status name, count), in the statuses' order."""
    counts: dict[str, int] = {}
    for child in children:
        counts[child.ticket.status] = counts.get(child.ticket.status, 0) + 1
    return [(label, counts[value]) for value, label in TroubleTicket.Status.choices if value in counts]


# ---------------------------------------------------------------------------- the SI portal's complaints
# What an SI partner's complaint may be while it waits for the partner (the partner may move it between them).
SI_PROGRESS_STATES = (TroubleTicket.Status.IN_PROGRESS, TroubleTicket.Status.HELD)


def si_complaint_waiting(ticket: TroubleTicket) -> bool:
    """Whether the complaint waits for its SI company now (not resolved, escalated or closed meanwhile)."""
    from viewflow.workflow.models import Task

    from keyaccounts.core.workflow import OPEN_STATUSES

    from .flows import TicketFlow

    return (
        ticket.status in SI_PROGRESS_STATES
        and Task.objects.filter(
            process_id=ticket.process_id, flow_task=TicketFlow.await_si, status__in=OPEN_STATUSES
        ).exists()
    )
