"""Reads of order management, scoped to what the user may see."""

from django.db.models import F, Q

from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team
from keyaccounts.core.workflow import task_scope

from .models import Order


def order_claimable(user) -> list:
    """The order steps the user may claim, each with the cities it may be claimed in (None: any)."""
    from .flows import OrderFlow as F

    claimable = []
    if user.has_perm("orders.accept_order"):
        claimable.append(([F.accept], served_city_ids(user, Team.Kind.ORDER_ACCEPTANCE)))
    if user.has_perm("orders.approve_order"):
        claimable.append(([F.approve], None if sees_all_cities(user) else [user.city_id]))
    return claimable


def order_task_scope(user, *, city: str = "process__order__city_id", flow: str = "process__flow_class") -> Q:
    from .flows import OrderFlow

    return task_scope(user, order_claimable(user), city=city, flow=Q(**{flow: OrderFlow}) if flow else None)


def cancellation_claimable(user) -> list:
    """The order-acceptance team of the order's city claims the assessment of a cancellation."""
    from .flows import OrderCancellationFlow

    if not user.has_perm("orders.assess_cancellation"):
        return []
    return [([OrderCancellationFlow.assess], served_city_ids(user, Team.Kind.ORDER_ACCEPTANCE))]


def cancellation_task_scope(
    user, *, city: str = "process__order_cancellation__order__city_id", flow: str = "process__flow_class"
) -> Q:
    from .flows import OrderCancellationFlow

    return task_scope(
        user, cancellation_claimable(user), city=city, flow=Q(**{flow: OrderCancellationFlow}) if flow else None
    )


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


def order_of_opportunity(opportunity) -> Order | None:
    """The order a won opportunity drafted, if any."""
    return Order.objects.filter(opportunity=opportunity).only("pk").first()
