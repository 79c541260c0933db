"""Reads of assurance, scoped to what the user may see."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from keyaccounts.catalogue.models import Service
from keyaccounts.core.access import served_city_ids
from keyaccounts.core.roles import Role, has_role
from keyaccounts.core.workflow import task_scope

from .access import BILLING, DESK
from .models import OPEN_TICKET_STATUSES, TroubleTicket

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
