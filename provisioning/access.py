"""Who sees which work order: SI partners only their company's; operators of provisioning their cities'."""

from django.db.models import QuerySet

from keyaccounts.core.access import served_city_ids
from keyaccounts.core.models import Team

from .models import WorkOrder


def works_in_si_portal(user) -> bool:
    """An SI partner: their work is the portal's work orders, never a step of our flows."""
    return user.has_perm("provisioning.work_si_orders") and not user.is_superuser


def has_an_inbox(user) -> bool:
    return not works_in_si_portal(user)


def si_work_orders(user) -> QuerySet[WorkOrder]:
    """An SI partner's portal: the work orders sent to their company, nothing else."""
    if not user.is_authenticated or not user.has_perm("provisioning.work_si_orders") or not user.si_company_id:
        return WorkOrder.objects.none()
    return WorkOrder.objects.filter(si_company_id=user.si_company_id)


def may_handle_launch(user, order) -> bool:
    """Tests and manual handling: the provisioning-coordination team of the order's city."""
    return user.has_perm("provisioning.handle_launch") and order.city_id in served_city_ids(
        user, Team.Kind.PROVISIONING
    )


def may_act_on_launch_task(user, task, order) -> bool:
    from .flows import LaunchFlow

    if task.owner_id not in (None, user.pk):
        return False
    if task.flow_task in (LaunchFlow.manual, LaunchFlow.acceptance_test):
        return may_handle_launch(user, order)
    if task.flow_task in (LaunchFlow.customer_acceptance, LaunchFlow.correction):
        return task.owner_id == user.pk
    return False  # the dispatch step waits for the peers
