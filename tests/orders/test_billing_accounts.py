"""Billing accounts as real records: opened by the customer's account manager from the customer page, listed
there, offered by the order form; an account that cannot be charged refuses the submission as a form error;
a refused order is corrected and submitted again."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from viewflow.workflow.models import Task

from customers.models import Customer
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for
from orders import services
from orders.flows import OrderFlow
from orders.models import BillingAccount, Order
from orders.services import ItemInput
from tests.factories import credit_code

pytestmark = pytest.mark.django_db
GOOD = {"site": "长春市人民大街 100 号", "members": 20}
OPEN = {"payer_name": "一汽物流财务部", "billing_address": "长春市绿园区 1 号", "payment_method": "directDebit"}


def new_account_url(customer) -> str:
    return reverse("orders:billing_account_new", args=[customer.pk])


def test_the_account_manager_opens_an_account_listed_on_the_customer_page(client, manager, customer):
    client.force_login(manager)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert new_account_url(customer) in page  # the button "Open a billing account"

    response = client.post(new_account_url(customer), {**OPEN, "credit_limit": "5000"})

    account = BillingAccount.objects.get(customer=customer, payer_name="一汽物流财务部")
    assert response.status_code == 302
    assert account.number == f"BA{account.pk:010d}"  # generated, never typed
    assert account.state == BillingAccount.State.ACTIVE
    assert account.payment_method == BillingAccount.PaymentMethod.DIRECT_DEBIT
    assert account.credit_limit == Decimal(5000)
    assert account.created_by == manager
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert account.number in page
    assert "一汽物流财务部" in page
    assert "Direct debit" in page
    assert "Billing account opened" in page  # on the customer's timeline


def test_numbers_are_unique_and_a_typed_number_is_ignored(client, manager, customer):
    client.force_login(manager)
    client.post(new_account_url(customer), {**OPEN, "credit_limit": "0", "number": "MINE"})
    client.post(new_account_url(customer), {**OPEN, "credit_limit": "0"})
    numbers = list(
        BillingAccount.objects.filter(customer=customer).exclude(number="BA-0431-0001").values_list("number", flat=True)
    )
    assert len(set(numbers)) == 2
    assert all(n.startswith("BA") and len(n) == 12 for n in numbers)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**OPEN, "payer_name": "", "credit_limit": "0"}, "This field is required."),
        ({**OPEN, "billing_address": "  ", "credit_limit": "0"}, "This field is required."),
        ({**OPEN, "payment_method": "barter", "credit_limit": "0"}, "Select a valid choice."),
        ({**OPEN, "credit_limit": "-1"}, "greater than or equal to 0"),
        ({**OPEN, "credit_limit": "lots"}, "Enter a number."),
    ],
)
def test_bad_input_saves_nothing_and_says_why(client, manager, customer, data, message):
    client.force_login(manager)
    before = BillingAccount.objects.count()
    response = client.post(new_account_url(customer), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert BillingAccount.objects.count() == before


def test_only_the_customers_account_manager_opens_and_only_its_scope_sees(
    client, user_in_role, manager, customer, supervisor, city, other_city
):
    other_manager = user_in_role(Role.ACCOUNT_MANAGER, city=city, username="am2")
    far_supervisor = user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_far")
    number = customer.billing_accounts.get().number

    client.force_login(other_manager)
    assert client.get(new_account_url(customer)).status_code == 404
    assert client.post(new_account_url(customer), {**OPEN, "credit_limit": "0"}).status_code == 404
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404

    client.force_login(far_supervisor)
    assert client.get(new_account_url(customer)).status_code == 404
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404

    client.force_login(supervisor)  # the customer's city's supervisor views, does not open
    assert client.get(new_account_url(customer)).status_code == 403
    assert client.post(new_account_url(customer), {**OPEN, "credit_limit": "0"}).status_code == 403
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert number in page
    assert new_account_url(customer) not in page
    assert BillingAccount.objects.filter(customer=customer).count() == 1
    with pytest.raises(PermissionDenied):
        services.billing_account_open(user=supervisor, customer=customer, credit_limit=Decimal(0), **OPEN)


def test_an_unarchived_customer_gets_no_account(client, manager, customer):
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.INITIALIZED)
    client.force_login(manager)
    assert client.get(new_account_url(customer)).status_code == 403


# ---------------------------------------------------------------------------- the order form
def draft(manager, customer, product, elements=GOOD) -> Order:
    return services.order_create(
        user=manager, customer=customer, items=[ItemInput(product=product, elements=dict(elements))]
    )


def edit_data(order, **overrides) -> dict:
    item = order.items.get()
    return {
        "version": order.version,
        "billing_account": order.billing_account_id or "",
        f"quantity{item.pk}": "1",
        f"item{item.pk}-internet-line__site": GOOD["site"],
        f"item{item.pk}-internet-line__members": "20",
        **overrides,
    }


def test_the_order_form_offers_only_the_customers_active_accounts(client, manager, customer, catalogue):
    other = Customer.objects.create(
        name="Other", credit_code=credit_code(8), city=customer.city, account_manager=manager, status="validated"
    )
    BillingAccount.objects.create(customer=other, number="BA-OTHER")
    BillingAccount.objects.create(customer=customer, number="BA-CLOSED", state=BillingAccount.State.CLOSED)
    BillingAccount.objects.create(customer=customer, number="BA-SUSPENDED", state=BillingAccount.State.SUSPENDED)
    order = draft(manager, customer, catalogue["T2"])
    client.force_login(manager)
    response = client.get(reverse("orders:edit", args=[order.pk]))
    choices = {str(a) for a in response.context["header"].fields["billing_account"].queryset}
    assert choices == {"BA-0431-0001"}
    assert 'data-testid="needs-account"' not in response.content.decode()


def test_the_order_form_says_an_account_is_needed_and_links_to_opening_one(client, manager, customer, catalogue):
    customer.billing_accounts.update(state=BillingAccount.State.CLOSED)
    order = draft(manager, customer, catalogue["T2"])
    client.force_login(manager)
    page = client.get(reverse("orders:edit", args=[order.pk])).content.decode()
    assert 'data-testid="needs-account"' in page
    assert "an order needs one before it is submitted" in page
    assert new_account_url(customer) in page


@pytest.mark.parametrize("problem", ["arrears", "none"])
def test_a_submission_the_account_rule_refuses_is_a_form_error_and_stays_a_draft(
    client, manager, customer, catalogue, problem
):
    account = customer.billing_accounts.get()
    if problem == "arrears":
        account.arrears, account.credit_limit = Decimal(5000), Decimal(1000)
        account.save()
    order = draft(manager, customer, catalogue["T2"])
    client.force_login(manager)
    data = edit_data(order, submit="1", note="kept")
    if problem == "none":
        data["billing_account"] = ""

    response = client.post(reverse("orders:edit", args=[order.pk]), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Order submitted" not in page
    assert ("is in arrears" if problem == "arrears" else "No billing account is given") in page
    order = Order.objects.get(pk=order.pk)
    assert order.status == Order.Status.DRAFT
    assert order.process_id is None
    assert order.note == "kept"  # nothing lost
    assert f'name="version" value="{order.version}"' in page  # submitting again is not stale

    account.arrears = Decimal(0)
    account.save()
    response = client.post(
        reverse("orders:edit", args=[order.pk]), edit_data(order, submit="1", billing_account=account.pk), follow=True
    )
    assert "Order submitted" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.ACKNOWLEDGED


def test_the_acceptance_page_shows_the_account_with_arrears_and_limit(client, manager, customer, catalogue, acceptor):
    account = customer.billing_accounts.get()
    account.arrears, account.credit_limit = Decimal("800.00"), Decimal("1000.00")
    account.save()
    order = draft(manager, customer, catalogue["T2"])
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    client.force_login(acceptor)
    page = client.get(reverse("orders:task", args=[order.pk, task.pk])).content.decode()
    assert 'data-testid="billing-account"' in page
    assert account.number in page
    assert "800.00" in page
    assert "1,000.00" in page or "1000.00" in page


# ---------------------------------------------------------------------------- the correction loop
def open_task(order, node) -> Task:
    return Task.objects.get(process_id=order.process_id, flow_task=node, status__in=["NEW", "ASSIGNED"])


def test_refused_at_acceptance_corrected_and_accepted(manager, customer, catalogue, acceptor):
    order = draft(manager, customer, catalogue["T2"])
    order = services.order_submit(user=manager, order=order, version=order.version)
    services.order_accept(
        user=acceptor, task_pk=open_task(order, OrderFlow.accept).pk, decision="reject", reason="Wrong account"
    )
    order = Order.objects.get(pk=order.pk)
    assert order.status == Order.Status.PENDING
    correction = open_task(order, OrderFlow.correct)
    assert correction.owner == manager
    with pytest.raises(PermissionDenied):
        services.order_correct(user=acceptor, task_pk=correction.pk)

    second = BillingAccount.objects.create(customer=customer, number="BA-0431-0002", arrears=Decimal(9), credit_limit=0)
    order = services.order_save_draft(
        user=manager, order=order, version=order.version, header={"billing_account": second}, elements={}, quantities={}
    )
    with pytest.raises(ApplicationError, match="in arrears"):  # still refused at the correction's submission
        services.order_correct(user=manager, task_pk=correction.pk, version=order.version)
    assert open_task(order, OrderFlow.correct).pk == correction.pk  # the task stays theirs
    second.credit_limit = Decimal(100)
    second.save()
    services.order_correct(user=manager, task_pk=correction.pk, version=order.version)

    order = Order.objects.get(pk=order.pk)
    assert order.status == Order.Status.ACKNOWLEDGED
    assert order.billing_account == second
    services.order_accept(user=acceptor, task_pk=open_task(order, OrderFlow.accept).pk, decision="approve")
    assert Order.objects.get(pk=order.pk).status == Order.Status.IN_PROGRESS
    actions = [e.action for e in timeline_for(order)]
    assert actions.index("order.returned") < actions.index("order.corrected") < actions.index("order.accepted")


def test_refused_by_the_check_corrected_through_the_page_or_abandoned(client, manager, customer, catalogue, acceptor):
    order = draft(manager, customer, catalogue["T2"], elements={"members": 20})  # no site: the check refuses
    order = services.order_submit(user=manager, order=order, version=order.version)
    order = Order.objects.get(pk=order.pk)
    assert order.status == Order.Status.PENDING
    client.force_login(manager)
    correction = open_task(order, OrderFlow.correct)
    response = client.get(reverse("orders:task", args=[order.pk, correction.pk]))
    assert response.url == reverse("orders:edit", args=[order.pk])
    page = client.get(response.url).content.decode()
    assert "Site address" in page  # the refusal's reasons

    response = client.post(reverse("orders:edit", args=[order.pk]), edit_data(order, submit="1"), follow=True)
    assert "Order submitted" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.ACKNOWLEDGED

    refused = draft(manager, customer, catalogue["T2"], elements={"members": 20})
    refused = services.order_submit(user=manager, order=refused, version=refused.version)
    response = client.post(
        reverse("orders:edit", args=[refused.pk]), {"abandon": "1", "abandon_reason": "The customer withdrew"}
    )
    refused = Order.objects.get(pk=refused.pk)
    assert refused.status == Order.Status.REJECTED
    assert timeline_for(refused)[-1].reason == "The customer withdrew"
    client.force_login(acceptor)
    assert client.get(reverse("orders:edit", args=[order.pk])).status_code in (403, 404)
