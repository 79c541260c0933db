"""Who may see and act on which customer: by role, city, team and portfolio."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role, has_role

from .models import Customer


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def visible_customers(user, queryset: QuerySet | None = None) -> QuerySet[Customer]:
    """Account managers: their portfolio; city roles: their city; provincial roles: every city."""
    queryset = Customer.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if sees_all_cities(user):
        return queryset
    scope = Q(pk__in=[])
    if has_role(user, Role.ACCOUNT_MANAGER):
        scope |= Q(account_manager=user)
    if has_role(user, Role.BACK_OFFICE, Role.CITY_SUPERVISOR) and user.city_id:
        scope |= Q(city_id=user.city_id)
    if has_role(user, Role.BACK_OFFICE):
        scope |= Q(city_id__in=audit_city_ids(user))
    return queryset.filter(scope)


def audit_city_ids(user) -> list[int]:
    """Cities whose customer records the user's customer-data teams review."""
    return served_city_ids(user, Team.Kind.CUSTOMER_AUDIT)


def may_register(user) -> bool:
    return user.has_perm("customers.add_customer") and user.city_id is not None


def may_edit_draft(user, customer: Customer) -> bool:
    return customer.is_draft and customer.account_manager_id == user.pk


def may_request_change(user, customer: Customer) -> bool:
    return (
        customer.status == Customer.Status.VALIDATED
        and user.has_perm("customers.change_customer")
        and visible_customers(user).filter(pk=customer.pk).exists()
    )


def may_review(user, customer: Customer) -> bool:
    return user.has_perm("customers.review_customer") and customer.city_id in audit_city_ids(user)


def may_approve(user, customer: Customer) -> bool:
    return user.has_perm("customers.approve_customer_level") and (
        sees_all_cities(user) or user.city_id == customer.city_id
    )


def may_close_or_reopen(user, customer: Customer) -> bool:
    return user.has_perm("customers.reopen_customer") and (sees_all_cities(user) or user.city_id == customer.city_id)
