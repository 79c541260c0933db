"""Demo orders: approval rules, billing accounts for the archived customers, and orders of the demo catalogue in
several stages."""

from decimal import Decimal

from django.db import transaction

from keyaccounts.catalogue.models import Product

# from amount (CNY a year), customer level, product code: a large order, a smaller one of a basic customer, and
# any IoT solution (an SI's customised work) go to a supervisor.
APPROVAL_RULES = [
    (Decimal("200000"), "", ""),
    (Decimal("50000"), "D", ""),
    (None, "", "m2m-iot"),
]


@transaction.atomic
def seed_demo_approval_rules() -> None:
    """The demo's order approval rules (an administrator edits them); one already there is kept as it is."""
    from .models import OrderApprovalRule

    for amount, level, code in APPROVAL_RULES:
        product = Product.objects.filter(code=code).first() if code else None
        if code and product is None:
            continue
        OrderApprovalRule.objects.get_or_create(min_amount=amount, customer_level=level, product=product)


@transaction.atomic
def seed_demo_billing_accounts() -> None:
    """One billing account per archived customer (in reality they come from the billing system)."""
    from customers.models import Customer

    from .models import BillingAccount

    for customer in Customer.objects.filter(status=Customer.Status.VALIDATED, billing_accounts__isnull=True):
        BillingAccount.objects.create(
            customer=customer,
            number=f"BA{customer.pk:08d}",
            payer_name=customer.name,
            billing_address=customer.address,
            credit_limit=1000,
        )


DEMO_ORDER_NOTE = "演示订单"
VPMN_ELEMENTS = {
    "contact_name": "张伟",
    "contact_phone": "13904310000",
    "contract_no": "JL2026110101",
    "monthly_fee": "500",
    "sla_grade": "gold",
    "member_count": 120,
    "package": "VPMN-58",
}

LINE_ELEMENTS = {
    **{k: VPMN_ELEMENTS[k] for k in ("contact_name", "contact_phone", "contract_no", "sla_grade")},
    "monthly_fee": "20000",
    "a_end_address": "长春市绿园区西新工业园 1 号",
    "z_end_address": "长春市经开区卫星路 2 号",
    "bandwidth": "1G",
}


def demo_order(*, manager, customer, product: str, elements: dict, quantity: int = 1, note: str = DEMO_ORDER_NOTE):
    """A demo order of one product, entered and submitted by its account manager through the services."""
    from .services import ItemInput, order_create, order_save_draft, order_submit

    order = order_create(
        user=manager, customer=customer, items=[ItemInput(product=Product.objects.get(code=product), elements=elements)]
    )
    order = order_save_draft(
        user=manager,
        order=order,
        version=order.version,
        header={"note": note, "contract_reference": elements.get("contract_no", "")},
        elements={},
        quantities={item.pk: quantity for item in order.items.all()},
    )
    return order_submit(user=manager, order=order, version=order.version)


def demo_order_decide(order, step, *, username: str) -> None:
    """The order's open task at `step` (accept or approve) decided in favour by a demo user."""
    from viewflow.workflow.models import Task

    from keyaccounts.core.models import User

    from .flows import OrderFlow
    from .services import order_accept, order_approve

    decide = {OrderFlow.accept: order_accept, OrderFlow.approve: order_approve}[step]
    task = Task.objects.get(process_id=order.process_id, flow_task=step, status__in=["NEW", "ASSIGNED"])
    decide(user=User.objects.get(username=username), task_pk=task.pk, decision="approve")


@transaction.atomic
def seed_demo_orders() -> None:
    """Orders of the demo's first customer in each stage: completed by instant activation (a running service to
    change, E4), to accept, to approve (above the 200,000 a year rule), and one whose cancellation the
    order-acceptance team assesses."""
    from customers.models import Customer
    from keyaccounts.core.models import User

    from .flows import OrderFlow
    from .models import Order
    from .services import order_request_cancellation

    if Order.objects.filter(note=DEMO_ORDER_NOTE).exists():
        return
    manager = User.objects.get(username="am_changchun")
    customer = Customer.objects.filter(account_manager=manager, status=Customer.Status.VALIDATED).first()
    if customer is None:
        return
    for stage in ("completed", "to accept", "to approve", "cancelling"):
        if stage == "to approve":  # two lines, 240,000 a year
            order = demo_order(
                manager=manager, customer=customer, product="data-line", elements=LINE_ELEMENTS, quantity=2
            )
        else:
            order = demo_order(manager=manager, customer=customer, product="vpmn", elements=VPMN_ELEMENTS)
        if stage in ("completed", "to approve"):
            demo_order_decide(order, OrderFlow.accept, username="bo_changchun")
        if stage == "cancelling":
            order_request_cancellation(user=manager, order=order, reason="客户合并两个分支机构")
