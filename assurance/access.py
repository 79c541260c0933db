"""Who sees and acts on which ticket: account managers their customers', city roles their city's, the teams the
cities they serve, provincial roles all. Nobody sees a ticket outside their city unless provincial."""

from django.db.models import Q, QuerySet

from customers.models import Customer
from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role, has_role

from .models import ServiceProblem, TroubleTicket

DESK, BILLING = Team.Kind.ASSURANCE_DESK, Team.Kind.BILLING


def visible_tickets(user, queryset: QuerySet | None = None) -> QuerySet[TroubleTicket]:
    queryset = TroubleTicket.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("assurance.view_troubleticket"):
        return queryset.none()
    if sees_all_cities(user):
        return queryset
    scope = Q(pk__in=[])
    if has_role(user, Role.ACCOUNT_MANAGER):
        scope |= Q(account_manager=user)
    if has_role(user, Role.BACK_OFFICE, Role.CITY_SUPERVISOR) and user.city_id:
        scope |= Q(city_id=user.city_id)
    if has_role(user, Role.BACK_OFFICE):
        scope |= Q(city_id__in=served_city_ids(user, DESK))
        scope |= Q(city_id__in=served_city_ids(user, BILLING), route=TroubleTicket.Route.BILLING)
    return queryset.filter(scope)


def may_report(user, customer) -> bool:
    """The customer's own account manager, once the customer is archived."""
    return (
        user.has_perm("assurance.add_troubleticket")
        and customer.account_manager_id == user.pk
        and customer.status == Customer.Status.VALIDATED
    )


def may_change_level(user, ticket: TroubleTicket) -> bool:
    """A supervisor of the ticket's city, or of the province, may change an open fault's level."""
    if not (ticket.is_fault and ticket.is_open and user.has_perm("assurance.supervise_ticket")):
        return False
    if has_role(user, Role.PROVINCIAL_SUPERVISOR):
        return True
    return has_role(user, Role.CITY_SUPERVISOR) and user.city_id == ticket.city_id


def may_note(user, ticket: TroubleTicket) -> bool:
    """Anyone who may see the ticket may add a note while it is open (the caller has checked the scope)."""
    return ticket.is_open


def _serves(user, ticket: TroubleTicket, kind: str, permission: str) -> bool:
    return user.has_perm(permission) and ticket.city_id in served_city_ids(user, kind)


def may_act_on_task(user, task, ticket: TroubleTicket) -> bool:
    """The team queue's steps for the team that serves the ticket's city; the account manager's own steps."""
    from .flows import TicketFlow as F

    if task.owner_id not in (None, user.pk):
        return False
    node = task.flow_task
    if node is F.triage:
        return _serves(user, ticket, DESK, "assurance.triage_ticket")
    if node is F.handle:
        return _serves(user, ticket, DESK, "assurance.handle_ticket")
    if node is F.handle_billing:
        return _serves(user, ticket, BILLING, "assurance.handle_ticket")
    if node is F.supervise_city:
        return (
            user.has_perm("assurance.supervise_ticket")
            and has_role(user, Role.CITY_SUPERVISOR)
            and user.city_id == ticket.city_id
        )
    if node is F.supervise_province:
        return user.has_perm("assurance.supervise_ticket") and has_role(user, Role.PROVINCIAL_SUPERVISOR)
    if node in (F.confirm, F.callback, F.give_information):
        return task.owner_id == user.pk
    return False  # the red channel's wait for EOMS


# ---------------------------------------------------------------------------- network incidents
def visible_problems(user, queryset: QuerySet | None = None) -> QuerySet[ServiceProblem]:
    """Supervisors of a city concerned (or the province) and the assurance desk serving one: an incident is
    concerned with the cities of its affected customers."""
    queryset = ServiceProblem.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("assurance.view_serviceproblem"):
        return queryset.none()
    if sees_all_cities(user):
        return queryset
    cities: set[int] = set()
    if has_role(user, Role.CITY_SUPERVISOR) and user.city_id:
        cities.add(user.city_id)
    if has_role(user, Role.BACK_OFFICE):
        cities.update(served_city_ids(user, DESK))
    return queryset.filter(pk__in=ServiceProblem.objects.filter(cities__in=cities).values("pk"))


def may_manage_problem(user, problem: ServiceProblem) -> bool:
    """Who may see the incident (the caller checked) and manage incidents resolves it while it is open."""
    return problem.is_open and user.has_perm("assurance.manage_serviceproblem")


def may_group(user) -> bool:
    return user.has_perm("assurance.manage_serviceproblem") and user.has_perm("assurance.view_serviceproblem")


# ---------------------------------------------------------------------------- the SI portal's complaints
def si_complaints(user) -> QuerySet[TroubleTicket]:
    """An SI partner's complaint orders: the complaints routed to their company, nothing else."""
    if not user.is_authenticated or not user.has_perm("assurance.work_si_complaints") or not user.si_company_id:
        return TroubleTicket.objects.none()
    return TroubleTicket.objects.filter(route=TroubleTicket.Route.SI, si_company_id=user.si_company_id)


# ---------------------------------------------------------------------------- pending and pauses
def _supervises(user, ticket: TroubleTicket) -> bool:
    if not user.has_perm("assurance.supervise_ticket"):
        return False
    if has_role(user, Role.PROVINCIAL_SUPERVISOR):
        return True
    return has_role(user, Role.CITY_SUPERVISOR) and user.city_id == ticket.city_id


def may_set_pending(user, ticket: TroubleTicket) -> bool:
    """Whoever works a ticket that is being worked: its account manager, the team that serves its city (the desk,
    or the billing team for its questions), its supervisors."""
    from .lifecycle import WORKING

    if ticket.status not in WORKING:
        return False
    if ticket.account_manager_id == user.pk or _supervises(user, ticket):
        return True
    kind = BILLING if ticket.route == TroubleTicket.Route.BILLING else DESK
    return _serves(user, ticket, kind, "assurance.handle_ticket")


def may_end_pause(user, ticket: TroubleTicket) -> bool:
    """A supervisor of the ticket's city, or of the province, may end a pause on the customer's side."""
    return ticket.is_open and _supervises(user, ticket)
