"""Who sees and acts on which order: account managers their own, city roles their city, provincial all."""

from django.db.models import Q, QuerySet

from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role, has_role

from .models import BillingAccount, Order


def visible_orders(user, queryset: QuerySet | None = None) -> QuerySet[Order]:
    queryset = Order.objects.all() if queryset is None else queryset
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
        scope |= Q(city_id__in=served_city_ids(user, Team.Kind.ORDER_ACCEPTANCE))
    return queryset.filter(scope)


def visible_billing_accounts(user, customer) -> QuerySet[BillingAccount]:
    """A customer's accounts, for whoever may see the customer (the caller has checked it) and its orders:
    its account manager, its city's roles, provincial roles."""
    accounts = BillingAccount.objects.filter(customer=customer)
    if not user.is_authenticated:
        return accounts.none()
    if sees_all_cities(user) or customer.account_manager_id == user.pk:
        return accounts
    if has_role(user, Role.BACK_OFFICE, Role.CITY_SUPERVISOR) and user.city_id == customer.city_id:
        return accounts
    return accounts.none()


def may_open_billing_account(user, customer) -> bool:
    """Only the customer's own account manager, once the customer is archived."""
    return customer.account_manager_id == user.pk and customer.status == customer.Status.VALIDATED


def may_enter(user) -> bool:
    return user.has_perm("orders.add_order") and user.city_id is not None


def may_edit(user, order: Order) -> bool:
    return order.status == Order.Status.DRAFT and order.account_manager_id == user.pk


def may_change(user, order: Order) -> bool:
    """Its header and items: a draft, or an order returned to its account manager for correction."""
    return order.status in (Order.Status.DRAFT, Order.Status.PENDING) and order.account_manager_id == user.pk


def may_attach(user, order: Order) -> bool:
    """The account manager, while the order is still open."""
    return order.account_manager_id == user.pk and order.is_open


def may_accept(user, order: Order) -> bool:
    return user.has_perm("orders.accept_order") and order.city_id in served_city_ids(user, Team.Kind.ORDER_ACCEPTANCE)


def may_approve(user, order: Order) -> bool:
    return user.has_perm("orders.approve_order") and (sees_all_cities(user) or user.city_id == order.city_id)


def may_request_cancellation(user, order: Order) -> bool:
    return order.account_manager_id == user.pk or may_assess_cancellation(user, order)


def may_assess_cancellation(user, order: Order) -> bool:
    """The order-acceptance team of the city, or a supervisor in scope."""
    return user.has_perm("orders.assess_cancellation") and (
        order.city_id in served_city_ids(user, Team.Kind.ORDER_ACCEPTANCE)
        or (
            has_role(user, Role.CITY_SUPERVISOR, Role.PROVINCIAL_SUPERVISOR)
            and (sees_all_cities(user) or user.city_id == order.city_id)
        )
    )
