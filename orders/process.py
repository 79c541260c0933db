"""What the shared parts need of order management (`keyaccounts.core.registry`), registered from
`OrdersConfig.ready()`."""

from django.utils.translation import gettext_lazy as _

from customers.process import customer_link
from keyaccounts.core.models import Team
from keyaccounts.core.registry import ChainLink, HomePanel, InboxSource, Panel, ProcessSpec, RowFacts, Seeder, Volume
from keyaccounts.core.roles import Role
from keyaccounts.inbox.home import inbox_panel

from .access import visible_orders
from .demo import seed_demo_approval_rules, seed_demo_billing_accounts, seed_demo_orders
from .flows import CANCELLATION_SLA_STEPS, SLA_STEPS, OrderCancellationFlow, OrderFlow
from .models import Order, OrderCancellation
from .selectors import cancellation_claimable, cancellation_task_scope, order_claimable, order_task_scope


def business_chain(*, customer, opportunity, order) -> list[ChainLink]:
    """The business around a process, upstream first: customer, opportunity, order and the order's launch."""
    links = [customer_link(customer)] if customer is not None else []
    if opportunity is not None:
        links.append(
            ChainLink(_("Opportunity"), str(opportunity.number), opportunity.get_absolute_url(), opportunity.process_id)
        )
    if order is not None:
        links.append(ChainLink(_("Order"), order.number, order.get_absolute_url(), order.process_id))
        launch = getattr(order, "launch", None) if hasattr(order, "launch") else None
        if launch is not None:
            links.append(ChainLink(_("Service launch"), order.number, order.get_absolute_url(), launch.process_id))
    return links


def order_facts(order: Order) -> RowFacts:
    """An order's number, products and total per year (its items read already)."""
    items = order.items.all()
    return RowFacts.of(order.number, [item.product for item in items], Order.total_of(items))


def _facts(records) -> dict:
    return {order.pk: order_facts(order) for order in records.prefetch_related("items__product")}


def _order_chain(order: Order) -> list[ChainLink]:
    return business_chain(customer=order.customer, opportunity=order.opportunity, order=order)


def order_tasks_panel(title, user, empty_message) -> Panel:
    return inbox_panel(
        title,
        "orders/panels/order_tasks.html",
        user,
        flow=OrderFlow,
        empty_message=empty_message,
        related=("process__order__customer", "process__order__city"),
    )


def _to_accept(user) -> list[Panel]:
    if not user.teams.filter(kind=Team.Kind.ORDER_ACCEPTANCE).exists():
        return []
    return [order_tasks_panel(_("Orders to accept"), user, _("No order waits for your team."))]


def _cancellations_to_assess(user) -> list[Panel]:
    if not user.teams.filter(kind=Team.Kind.ORDER_ACCEPTANCE).exists():
        return []
    return [
        inbox_panel(
            _("Cancellations to assess"),
            "orders/panels/cancellation_tasks.html",
            user,
            flow=OrderCancellationFlow,
            empty_message=_("No cancellation waits for your team."),
            related=("process__order_cancellation__order__customer", "process__order_cancellation__order__city"),
        )
    ]


def _to_approve(user) -> list[Panel]:
    return [order_tasks_panel(_("Orders to approve"), user, _("No order waits for your approval."))]


# Each SLA step the app times, as people call it (`registry.step_name`).
STEP_NAMES = {
    "order.check": _("Order consistency check"),
    "order.acceptance": _("Order acceptance"),
    "order.approval": _("Order approval"),
    "order.correction": _("Order correction"),
    "order.cancellation": _("Cancellation assessment"),
}


SPEC = ProcessSpec(
    source=InboxSource(
        OrderFlow,
        _("Order"),
        order_task_scope,
        order_claimable,
        "process__order",
        "customer",
        "city",
        "orders:task",
        SLA_STEPS,
        number_prefix="PO",
        product_path="items__product",
        facts=_facts,
    ),
    step_names=STEP_NAMES,
    visible_records=visible_orders,
    chain=_order_chain,
    panels=(
        HomePanel(Role.BACK_OFFICE, 30, _to_accept),
        HomePanel(Role.CITY_SUPERVISOR, 30, _to_approve),
        HomePanel(Role.PROVINCIAL_SUPERVISOR, 30, _to_approve),
    ),
    volumes=(Volume("orders", lambda user: visible_orders(user).exclude(submitted_at=None), "submitted_at"),),
    seeders=(
        Seeder(55, seed_demo_approval_rules),
        Seeder(60, seed_demo_billing_accounts, business=True),
        Seeder(80, seed_demo_orders, business=True),
    ),
)


def _cancellation_chain(cancellation: OrderCancellation) -> list[ChainLink]:
    order = cancellation.order
    links = business_chain(customer=order.customer, opportunity=order.opportunity, order=order)
    return [*links, ChainLink(_("Cancellation"), order.number, order.get_absolute_url(), cancellation.process_id)]


# A cancellation's assessment: its own short process beside the order's (`flows.OrderCancellationFlow`).
CANCELLATION_SPEC = ProcessSpec(
    source=InboxSource(
        OrderCancellationFlow,
        _("Order cancellation"),
        cancellation_task_scope,
        cancellation_claimable,
        "process__order_cancellation",
        "order__customer",
        "order__city",
        "orders:task",
        CANCELLATION_SLA_STEPS,
        url_key="order_id",
        number_prefix="PO",
        number_path="order",
        product_path="order__items__product",
        manager_path="order__account_manager",
        facts=lambda cancellations: {
            c.pk: order_facts(c.order)
            for c in cancellations.select_related("order").prefetch_related("order__items__product")
        },
    ),
    step_names={"order.cancellation": _("Cancellation assessment")},
    visible_records=lambda user: OrderCancellation.objects.filter(order__in=visible_orders(user)),
    chain=_cancellation_chain,
    timeline_subjects=lambda cancellation: (cancellation.order,),  # the request and the decision are the order's
    panels=(HomePanel(Role.BACK_OFFICE, 35, _cancellations_to_assess),),
)
