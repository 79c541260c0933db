"""Who sees which opportunity: account managers their own and their city's queue; city roles their city."""

from django.db.models import Q, QuerySet

from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role, has_role

from .models import ApprovalLevel, Opportunity


def visible_opportunities(user, queryset: QuerySet | None = None) -> QuerySet[Opportunity]:
    queryset = Opportunity.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if sees_all_cities(user):
        return queryset
    scope = Q(pk__in=[])
    if has_role(user, Role.ACCOUNT_MANAGER):
        scope |= Q(account_manager=user) | Q(account_manager__isnull=True, city_id=user.city_id)
    if has_role(user, Role.BACK_OFFICE, Role.CITY_SUPERVISOR) and user.city_id:
        scope |= Q(city_id=user.city_id)
    if has_role(user, Role.BACK_OFFICE):
        scope |= Q(city_id__in=served_city_ids(user, Team.Kind.PRESALES))
    return queryset.filter(scope)


def may_record(user) -> bool:
    return user.has_perm("opportunities.add_opportunity") and user.city_id is not None


def may_work_on(user, opportunity: Opportunity) -> bool:
    """The owner, or any account manager of the city while it waits in the queue."""
    if opportunity.account_manager_id:
        return opportunity.account_manager_id == user.pk
    return has_role(user, Role.ACCOUNT_MANAGER) and user.city_id == opportunity.city_id


def may_design_solution(user, opportunity: Opportunity) -> bool:
    return user.has_perm("opportunities.design_solution") and opportunity.city_id in served_city_ids(
        user, Team.Kind.PRESALES
    )


def may_approve_discount(user, opportunity: Opportunity) -> bool:
    """The level the quote needs: a city supervisor of its city, or a provincial supervisor."""
    if opportunity.approval_level == ApprovalLevel.PROVINCE:
        return user.has_perm("opportunities.approve_large_discount")
    return user.has_perm("opportunities.approve_discount") and (
        sees_all_cities(user) or user.city_id == opportunity.city_id
    )
