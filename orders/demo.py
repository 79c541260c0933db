"""Demo orders: approval rules, billing accounts for the archived customers, and two orders of the demo catalogue."""

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


@transaction.atomic
def seed_demo_orders() -> None:
    """One order completed by instant activation (a running service to change, E4) and one to accept."""
    from viewflow.workflow.models import Task

    from customers.models import Customer
    from keyaccounts.core.models import User

    from .flows import OrderFlow
    from .models import Order
    from .services import ItemInput, order_accept, order_create, order_save_draft, order_submit

    if Order.objects.filter(note=DEMO_ORDER_NOTE).exists():
        return
    manager = User.objects.get(username="am_changchun")
    customer = Customer.objects.filter(account_manager=manager, status=Customer.Status.VALIDATED).first()
    if customer is None:
        return
    elements = {
        "contact_name": "张伟",
        "contact_phone": "13904310000",
        "contract_no": "JL2026110101",
        "monthly_fee": "500",
        "sla_grade": "gold",
        "member_count": 120,
        "package": "VPMN-58",
    }
    for accept in (True, False):
        order = order_create(
            user=manager,
            customer=customer,
            items=[ItemInput(product=Product.objects.get(code="vpmn"), elements=elements)],
        )
        order = order_save_draft(
            user=manager,
            order=order,
            version=order.version,
            header={"note": DEMO_ORDER_NOTE, "contract_reference": "JL2026110101"},
            elements={},
            quantities={},
        )
        order = order_submit(user=manager, order=order, version=order.version)
        if accept:
            task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
            order_accept(user=User.objects.get(username="bo_changchun"), task_pk=task.pk, decision="approve")
