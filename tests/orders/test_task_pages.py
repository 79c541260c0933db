"""The acceptance and approval pages show what the decision rests on, in words: the contract reference, the
billing account with its arrears, the documents, the requested start date and the prices."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from viewflow.workflow.models import Task

from orders import services
from orders.flows import OrderFlow
from orders.models import Order, OrderApprovalRule
from orders.services import ItemInput
from tests.text import raw_values, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(manager, customer, catalogue, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    account = customer.billing_accounts.get()
    account.payer_name, account.arrears, account.credit_limit = "一汽物流财务部", Decimal("800"), Decimal("5000")
    account.save()
    order = services.order_create(
        user=manager,
        customer=customer,
        items=[
            ItemInput(
                product=catalogue["T2"],
                quantity=2,
                unit_price=Decimal("86400"),
                elements={"site": "长春市人民大街 100 号", "members": 20},
            )
        ],
    )
    Order.objects.filter(pk=order.pk).update(
        contract_reference="JL2026112301", requested_start_date=dt.date(2027, 1, 15)
    )
    order.refresh_from_db()
    services.order_attach(
        user=manager, order=order, kind="contract", upload=SimpleUploadedFile("signed-contract.pdf", b"%PDF")
    )
    return services.order_submit(user=manager, order=order, version=order.version)


def page_text(client, user, order, node) -> str:
    task = Task.objects.get(process_id=order.process_id, flow_task=node, status__in=["NEW", "ASSIGNED"])
    client.force_login(user)
    response = client.get(reverse("orders:task", args=[order.pk, task.pk]))
    assert response.status_code == 200
    text = visible_text(response.content)
    assert not raw_values(text), text
    return text


def assert_shows_the_terms(text: str, order: Order) -> None:
    assert "Contract reference JL2026112301" in text
    assert "Requested start date 2027-01-15" in text
    assert f"{order.billing_account.number} · 一汽物流财务部" in text
    assert "arrears 800.00 · credit limit 5,000.00" in text
    assert "signed-contract.pdf · Signed contract" in text
    assert "Internet-Line · New service" in text
    assert "长春市人民大街 100 号 2 86,400.00 172,800.00" in text  # after its elements: quantity, price, amount
    assert "Total per year 172,800.00" in text


def test_the_acceptance_page_shows_what_the_acceptance_rests_on(client, submitted, acceptor):
    assert_shows_the_terms(page_text(client, acceptor, submitted, OrderFlow.accept), submitted)


@pytest.fixture
def large_orders_need_approval(db):
    OrderApprovalRule.objects.create(min_amount=Decimal("100000"))


def test_the_approval_page_shows_the_same(client, large_orders_need_approval, submitted, acceptor, supervisor):
    task = Task.objects.get(process_id=submitted.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision=services.APPROVE, reason="")
    assert_shows_the_terms(page_text(client, supervisor, submitted, OrderFlow.approve), submitted)


def test_an_order_without_a_contract_or_a_start_date_says_so(client, manager, customer, catalogue, acceptor):
    order = services.order_create(
        user=manager,
        customer=customer,
        items=[ItemInput(product=catalogue["T2"], elements={"site": "长春市人民大街 100 号", "members": 20})],
    )
    order = services.order_submit(user=manager, order=order, version=order.version)
    text = page_text(client, acceptor, order, OrderFlow.accept)
    assert "Contract reference none given" in text
    assert "Requested start date as soon as possible" in text
    assert "No document yet." in text
