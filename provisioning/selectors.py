"""Reads of service launch, scoped to what the user may see."""

from django.db.models import Q, QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from keyaccounts.core.access import served_city_ids
from keyaccounts.core.models import Team
from keyaccounts.core.workflow import OPEN_STATUSES


def launch_tasks_for(user) -> QuerySet[Task]:
    """Launch steps the user can act on now: tests and manual handling for their provisioning team's cities,
    and the customer acceptances assigned to them."""
    return (
        Task.objects.filter(launch_task_scope(user), status__in=OPEN_STATUSES)
        .select_related("process__launch__order__customer", "process__launch__order__city")
        .order_by("created")
    )


def launch_task_scope(user, *, city: str = "process__launch__order__city_id", flow: str = "process__flow_class") -> Q:
    from .flows import LaunchFlow as F

    scope = Q(owner=user, status=STATUS.ASSIGNED)
    if user.has_perm("provisioning.handle_launch"):
        cities = served_city_ids(user, Team.Kind.PROVISIONING)
        scope |= Q(flow_task__in=[F.manual, F.acceptance_test], status=STATUS.NEW, **{f"{city}__in": cities})
    return scope & Q(**{flow: F}) if flow else scope  # an inbox entry\'s step names its flow


def open_questions_for(user) -> QuerySet:
    """Peers' questions waiting for an answer from the user's provisioning teams."""
    from .models import InformationRequest

    if not user.has_perm("provisioning.handle_launch"):
        return InformationRequest.objects.none()
    cities = served_city_ids(user, Team.Kind.PROVISIONING)
    return (
        InformationRequest.objects.filter(answered_at=None, work_order__order_item__order__city_id__in=cities)
        .select_related("work_order__order_item__order__customer")
        .order_by("asked_at")
    )
