"""Reads of order management, scoped to what the user may see."""

from django.db.models import F, Q, QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team
from keyaccounts.core.workflow import OPEN_STATUSES


def order_tasks_for(user) -> QuerySet[Task]:
    """Order steps the user can act on now: their own, acceptance for their teams' cities, approvals in scope."""
    return (
        Task.objects.filter(order_task_scope(user), status__in=OPEN_STATUSES)
        .select_related("process__order__city", "process__order__customer")
        .order_by("created")
    )


def order_task_scope(user, *, city: str = "process__order__city_id", flow: str = "process__flow_class") -> Q:
    from .flows import OrderFlow as F

    scope = Q(owner=user, status=STATUS.ASSIGNED)
    if user.has_perm("orders.accept_order"):
        cities = served_city_ids(user, Team.Kind.ORDER_ACCEPTANCE)
        scope |= Q(flow_task=F.accept, status=STATUS.NEW, **{f"{city}__in": cities})
    if user.has_perm("orders.approve_order"):
        in_city = Q() if sees_all_cities(user) else Q(**{city: user.city_id})
        scope |= Q(flow_task=F.approve, status=STATUS.NEW) & in_city
    return scope & Q(**{flow: F}) if flow else scope  # an inbox entry\'s step names its flow


def order_main_product(order, items=None):
    """The product an order is counted under on the dashboards: its largest item's. `items`: the order's items
    with their products, when the caller has them (prices and products are fixed once the order is submitted)."""
    if items is not None:  # the same choice as the query below, on the rows in hand
        item = min(items, key=lambda i: (-(i.unit_price * i.quantity), i.pk), default=None)
        return item.product if item else None
    # The first of the largest in item order, chosen by the database (an order may have many items).
    item = (
        order.items.select_related("product")
        .annotate(line_amount=F("unit_price") * F("quantity"))
        .order_by("-line_amount", "pk")
        .first()
    )
    return item.product if item else None
