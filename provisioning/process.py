"""What the shared parts need of service launch (`keyaccounts.core.registry`), registered from
`ProvisioningConfig.ready()`."""

from django.utils.translation import gettext_lazy as _

from keyaccounts.core.models import Team
from keyaccounts.core.registry import HomePanel, InboxSource, Panel, ProcessSpec, Seeder, Volume
from keyaccounts.core.roles import Role
from keyaccounts.inbox.home import inbox_panel
from orders.access import visible_orders
from orders.fulfilment import Fulfilment
from orders.process import business_chain, order_facts

from .access import may_act_on_launch_task, si_work_orders
from .demo import seed_demo_launches
from .flows import SLA_STEPS, LaunchFlow
from .models import FINAL_WORK_ORDER_STATES, InformationRequest, Launch, WorkOrder
from .selectors import launch_claimable, launch_task_scope, open_questions_for
from .services import launch_start, launch_sweep, withdraw_item


def _tasks(title, user, empty_message) -> Panel:
    return inbox_panel(
        title,
        "provisioning/panels/launch_tasks.html",
        user,
        flow=LaunchFlow,
        empty_message=empty_message,
        related=("process__launch__order__customer", "process__launch__order__city"),
    )


def _acceptances(user) -> list[Panel]:
    """The account manager's launch steps: the customer's acceptance, and failed items returned to correct."""
    return [_tasks(_("Service launch steps"), user, _("No service launch step waits for you."))]


def _provisioning_team(user) -> list[Panel]:
    if not user.teams.filter(kind=Team.Kind.PROVISIONING).exists():
        return []
    return [
        _tasks(_("Service launch steps"), user, _("No launch step waits for your team.")),
        Panel(
            _("Questions from EOMS and SI"),
            "provisioning/panels/questions.html",
            {"questions": open_questions_for(user)[:20], "message": _("No peer waits for an answer.")},
        ),
    ]


def _si_work_orders(user) -> list[Panel]:
    open_ones = si_work_orders(user).exclude(state__in=FINAL_WORK_ORDER_STATES)
    message = (
        _("No open work order for your company.")
        if user.si_company_id
        else _(
            "Your account is not linked to an SI company yet, so no work order can reach you. Ask an administrator "
            "to link it to your company."
        )
    )
    return [
        Panel(
            _("My work orders"),
            "provisioning/panels/si_work_orders.html",
            {
                "work_orders": open_ones.select_related("order_item__product", "order_item__order__customer")[:20],
                "message": message,
            },
        )
    ]


def _chain(launch: Launch) -> list:
    order = launch.order
    return business_chain(customer=order.customer, opportunity=order.opportunity, order=order)


# Each SLA step the app times, as people call it (`registry.step_name`).
STEP_NAMES = {
    "launch.resource_confirmation": _("Resource confirmation"),
    "launch.construction": _("Network construction"),
    "launch.configuration": _("Service configuration"),
    "launch.information": _("Information for a peer"),
    "launch.manual_handling": _("Handling of failed work orders"),
    "launch.correction": _("Correction of order elements"),
    "launch.acceptance": _("Acceptance test"),
    "launch.customer_acceptance": _("Customer acceptance"),
}


SPEC = ProcessSpec(
    source=InboxSource(
        LaunchFlow,
        _("Service launch"),
        launch_task_scope,
        launch_claimable,
        "process__launch",
        "order__customer",
        "order__city",
        "provisioning:launch_task",
        SLA_STEPS,
        url_key="order_id",
        number_prefix="PO",
        number_path="order",
        product_path="order__items__product",
        manager_path="order__account_manager",
        facts=lambda launches: {
            launch.pk: order_facts(launch.order)
            for launch in launches.select_related("order").prefetch_related("order__items__product")
        },
    ),
    step_names=STEP_NAMES,
    visible_records=lambda user: Launch.objects.filter(order__in=visible_orders(user)),
    chain=_chain,
    timeline_subjects=lambda launch: (launch, launch.order),  # the work orders' events are kept on the order
    panels=(
        HomePanel(Role.ACCOUNT_MANAGER, 30, _acceptances),
        HomePanel(Role.BACK_OFFICE, 40, _provisioning_team),
        HomePanel(Role.SI_PARTNER, 10, _si_work_orders),
    ),
    volumes=(
        Volume(
            "work_orders",
            lambda user: WorkOrder.objects.filter(order_item__order__in=visible_orders(user)),
            "created_at",
        ),
    ),
    # The demo's accepted order activates without waiting for a worker; the partners' demo work orders.
    seeders=(Seeder(85, launch_sweep, business=True), Seeder(86, seed_demo_launches, business=True)),
)


def _cancel(order) -> None:
    launch = getattr(order, "launch", None)
    if launch is not None and launch.process_id and launch.process.status == "NEW":
        LaunchFlow.instance.cancel(launch.process)


def _questions(items):
    return (
        InformationRequest.objects.filter(work_order__order_item__in=items)
        .select_related("work_order")
        .order_by("asked_at")
    )


FULFILMENT = Fulfilment(
    start=launch_start,
    withdraw_item=withdraw_item,
    cancel=_cancel,
    may_act=may_act_on_launch_task,
    questions=_questions,
)
