"""Reads of service launch, scoped to what the user may see."""

from django.db.models import Q, QuerySet

from keyaccounts.catalogue.models import Product
from keyaccounts.core.access import served_city_ids
from keyaccounts.core.models import Team
from keyaccounts.core.workflow import task_scope


def launch_claimable(user) -> list:
    """The launch steps the user may claim, each with the cities it may be claimed in."""
    from .flows import LaunchFlow as F

    if not user.has_perm("provisioning.handle_launch"):
        return []
    return [([F.manual, F.acceptance_test], served_city_ids(user, Team.Kind.PROVISIONING))]


def launch_task_scope(user, *, city: str = "process__launch__order__city_id", flow: str = "process__flow_class") -> Q:
    from .flows import LaunchFlow

    return task_scope(user, launch_claimable(user), city=city, flow=Q(**{flow: LaunchFlow}) if flow else None)


def open_questions_for(user) -> QuerySet:
    """Peers' questions waiting for an answer from the user's provisioning teams."""
    from .models import InformationRequest

    if not user.has_perm("provisioning.handle_launch"):
        return InformationRequest.objects.none()
    cities = served_city_ids(user, Team.Kind.PROVISIONING)
    return (
        InformationRequest.objects.filter(closed_at=None, work_order__order_item__order__city_id__in=cities)
        .select_related("work_order__order_item__order__customer")
        .order_by("asked_at")
    )


def products_of(work_orders: QuerySet) -> QuerySet:
    """The products of these work orders, for a filter that offers only what can match."""
    return Product.objects.filter(pk__in=work_orders.values("order_item__product_id")).order_by("code")
