"""Order sanity and approval as configuration: each bad quantity or amount is refused with a message and saves
nothing, from the page and from the services alike; an order above an approval rule waits in a supervisor's
queue, one below goes straight on."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from keyaccounts.catalogue.models import AMOUNT_CEILING, QUANTITY_CEILING
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.roles import Role
from keyaccounts.inbox.inbox import inbox_rows
from orders import services
from orders.demo import seed_demo_approval_rules
from orders.flows import OrderFlow
from orders.models import Order, OrderApprovalRule, OrderItem
from orders.services import ItemInput

pytestmark = pytest.mark.django_db
GOOD = {"site": "长春市人民大街 100 号", "members": 20}
ABSURD = 99_999_999_999  # the order: more than PostgreSQL's integer column holds


@pytest.fixture
def bounded(catalogue):
    """The T2 line product, orderable from 1 to 50."""
    product = catalogue["T2"]
    product.min_quantity, product.max_quantity = 1, 50
    product.save(update_fields=["min_quantity", "max_quantity"])
    return product


@pytest.fixture
def order(manager, customer, bounded):
    return services.order_create(user=manager, customer=customer, items=[ItemInput(product=bounded, elements=GOOD)])


def edit(client, order, quantity, action="save"):
    item = order.items.get()
    data = {
        "version": order.version,
        "billing_account": order.billing_account_id,
        f"quantity{item.pk}": quantity,
        f"item{item.pk}-internet-line__site": GOOD["site"],
        f"item{item.pk}-internet-line__members": GOOD["members"],
        action: "",
    }
    return client.post(reverse("orders:edit", args=[order.pk]), data)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "greater than or equal to 1"),
        ("-3", "greater than or equal to 1"),
        ("51", "less than or equal to 50"),
        (str(ABSURD), "less than or equal to 50"),
        ("two", "Enter a whole number"),
        ("", "This field is required"),
    ],
)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_the_order_form_refuses_a_bad_quantity_with_a_message_and_saves_nothing(
    client, manager, order, quantity, message, action
):
    client.force_login(manager)
    before = Order.objects.get(pk=order.pk)

    response = edit(client, order, quantity, action)

    assert response.status_code == 200
    assert message in response.content.decode()
    after = Order.objects.get(pk=order.pk)
    assert (after.version, after.status, after.submitted_at) == (before.version, Order.Status.DRAFT, None)
    assert order.items.get().quantity == 1  # never reset, never saved


def test_a_quantity_within_the_bounds_is_kept(client, manager, order):
    client.force_login(manager)
    assert edit(client, order, "50").status_code == 302
    assert order.items.get().quantity == 50


@pytest.mark.parametrize("quantity", [0, -1, 51, ABSURD, True, "3"])
def test_the_services_refuse_a_bad_quantity_and_save_nothing(manager, customer, bounded, order, quantity):
    with pytest.raises(ApplicationError, match="quantity of"):
        services.order_create(user=manager, customer=customer, items=[ItemInput(product=bounded, quantity=quantity)])
    assert Order.objects.count() == 1  # the fixture's draft only

    item = order.items.get()
    with pytest.raises(ApplicationError, match="quantity of"):
        services.order_save_draft(
            user=manager, order=order, version=order.version, header={}, elements={}, quantities={item.pk: quantity}
        )
    assert (Order.objects.get(pk=order.pk).version, order.items.get().quantity) == (order.version, 1)

    with pytest.raises(ApplicationError, match="quantity of"):
        services.order_add_item(
            user=manager, order=order, version=order.version, item=ItemInput(product=bounded, quantity=quantity)
        )
    assert OrderItem.objects.count() == 1


@pytest.mark.parametrize(
    ("unit_price", "message"),
    [
        (Decimal("-1"), "not a possible amount"),
        (AMOUNT_CEILING + 1, "not a possible amount"),
        (AMOUNT_CEILING, "more than an order may carry"),  # possible alone, absurd twice over
    ],
)
def test_an_absurd_price_or_amount_is_refused_and_nothing_saved(manager, customer, bounded, unit_price, message):
    with pytest.raises(ApplicationError, match=message):
        services.order_create(
            user=manager,
            customer=customer,
            items=[ItemInput(product=bounded, quantity=2, unit_price=unit_price)],
        )
    assert not Order.objects.exists()


def test_the_hand_off_from_an_opportunity_refuses_an_absurd_line(manager, customer, bounded):
    from opportunities.services import OpportunityInput, opportunity_record

    opportunity = opportunity_record(
        user=manager,
        data=OpportunityInput(
            city=manager.city,
            products=[bounded],
            estimated_value=Decimal("100000"),
            expected_close_date=dt.date(2027, 3, 31),
            description="Handed over with an absurd line",
            customer=customer,
        ),
    )
    with pytest.raises(ApplicationError, match="quantity of"):
        services.order_draft_for_opportunity(
            opportunity=opportunity, items=[ItemInput(product=bounded, quantity=ABSURD, unit_price=Decimal(1))]
        )
    assert not Order.objects.exists()


def test_a_product_whose_bounds_are_inverted_or_past_the_ceiling_is_refused_by_the_admin_check(bounded):
    from django.core.exceptions import ValidationError

    bounded.min_quantity, bounded.max_quantity = 10, 5
    with pytest.raises(ValidationError, match="below the smallest"):
        bounded.full_clean()
    bounded.min_quantity, bounded.max_quantity = 1, QUANTITY_CEILING + 1
    with pytest.raises(ValidationError):
        bounded.full_clean()


def test_a_submitted_order_whose_product_bounds_changed_is_refused_by_the_check(manager, customer, bounded):
    draft = services.order_create(
        user=manager, customer=customer, items=[ItemInput(product=bounded, quantity=40, elements=GOOD)]
    )
    bounded.max_quantity = 10
    bounded.save(update_fields=["max_quantity"])
    draft.refresh_from_db()
    submitted = services.order_submit(user=manager, order=draft, version=draft.version)
    submitted.refresh_from_db()
    assert submitted.status == Order.Status.PENDING
    assert any("between 1 and 10" in finding["en"] for finding in submitted.check_findings)


# ---------------------------------------------------------------------------- approval rules
def submit_and_accept(manager, acceptor, customer, product, quantity) -> Order:
    draft = services.order_create(
        user=manager, customer=customer, items=[ItemInput(product=product, quantity=quantity, elements=GOOD)]
    )
    draft.refresh_from_db()
    order = services.order_submit(user=manager, order=draft, version=draft.version)
    accept = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=accept.pk, decision="approve")
    return Order.objects.get(pk=order.pk)


def test_an_order_above_the_demo_rule_waits_in_the_supervisors_queue_and_one_below_goes_on(
    manager, customer, acceptor, supervisor, catalogue
):
    seed_demo_approval_rules()  # from 200,000 CNY a year
    vpmn = catalogue["T1"]  # 12,000 a year each
    vpmn.max_quantity = 100
    vpmn.save(update_fields=["max_quantity"])

    below = submit_and_accept(manager, acceptor, customer, vpmn, 16)  # 192,000
    above = submit_and_accept(manager, acceptor, customer, vpmn, 17)  # 204,000

    assert (below.needs_approval, below.status) == (False, Order.Status.IN_PROGRESS)
    assert not Task.objects.filter(process_id=below.process_id, flow_task=OrderFlow.approve).exists()
    assert (above.needs_approval, above.status) == (True, Order.Status.ACKNOWLEDGED)
    queue = inbox_rows(supervisor, view="queue")
    assert [(row.process_id, row.title) for row in queue] == [(above.process_id, "Approve the order")]
    assert not inbox_rows(acceptor, view="queue")  # the acceptance team does not approve

    task = Task.objects.get(process_id=above.process_id, flow_task=OrderFlow.approve)
    services.order_approve(user=supervisor, task_pk=task.pk, decision="approve")
    assert Order.objects.get(pk=above.pk).status == Order.Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("level", "route", "min_amount", "active", "needs"),
    [
        ("B", None, None, True, True),  # the customer is level B
        ("A", None, None, True, False),
        ("", "T1", None, True, True),  # the order is of the T1 product
        ("", "T2", None, True, False),
        ("B", None, Decimal("20000"), True, False),  # every condition must hold: 12,000 a year
        ("", None, None, False, False),  # an inactive rule applies to nothing
    ],
)
def test_each_condition_of_a_rule_decides(manager, customer, catalogue, level, route, min_amount, active, needs):
    OrderApprovalRule.objects.create(
        customer_level=level, product=catalogue[route] if route else None, min_amount=min_amount, is_active=active
    )
    order = services.order_create(user=manager, customer=customer, items=[ItemInput(product=catalogue["T1"])])
    assert services.order_needs_approval(order) is needs


def test_the_administrator_keeps_the_rules_in_the_admin(client, user_in_role, catalogue):
    admin = user_in_role(Role.ADMINISTRATOR, is_staff=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:orders_orderapprovalrule_add"),
        {"min_amount": "500000", "customer_level": "A", "product": catalogue["T2"].pk, "is_active": "on"},
    )
    assert response.status_code == 302
    rule = OrderApprovalRule.objects.get()
    assert (rule.min_amount, rule.customer_level, rule.product) == (Decimal("500000"), "A", catalogue["T2"])
    page = client.get(reverse("admin:orders_orderapprovalrule_changelist")).content.decode()
    assert "from 500,000.00 CNY a year · Level A (strategic) · Internet-Line" in page

    refused = client.post(reverse("admin:orders_orderapprovalrule_add"), {"min_amount": "-1"})
    assert refused.status_code == 200
    assert OrderApprovalRule.objects.count() == 1
