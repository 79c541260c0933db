"""Rows people tell apart: an inbox row names its order's number, products, amount and account manager; Done by
me shows the decision and when; a notification names the number, opens the task and is read once the task is
done, by whoever did it."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from keyaccounts.catalogue.demo import seed_demo_elements, seed_demo_products
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import Notification, Team
from keyaccounts.core.notifications import notification_text, notifications_for_new_tasks
from keyaccounts.core.roles import Role
from keyaccounts.inbox.inbox import inbox_rebuild
from keyaccounts.inbox.models import InboxEntry
from orders import services
from orders.flows import OrderFlow
from orders.services import ItemInput
from sla.demo import seed_demo_policies
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

COMMON = {
    "contact_name": "王工",
    "contact_phone": "13912345678",
    "contract_no": "JL2026112301",
    "monthly_fee": "8000",
    "sla_grade": "silver",
}
ELEMENTS = {
    "vpmn": {**COMMON, "member_count": 30, "package": "VPMN-58"},
    "internet-line": {**COMMON, "install_address": "长春市绿园区", "bandwidth": "100M", "ip_count": 8},
}


@pytest.fixture
def order(manager, customer):
    """An order of two products (VPMN and an internet line) waiting for the acceptance team."""
    seed_demo_products()
    seed_demo_elements()
    seed_demo_policies()
    manager.first_name, manager.last_name = "芳", "王"
    manager.save()
    items = [
        ItemInput(
            product=Product.objects.get(code=code), elements=ELEMENTS[code], quantity=2, unit_price=Decimal(price)
        )
        for code, price in (("vpmn", "12000"), ("internet-line", "48000.50"))
    ]
    order = services.order_create(user=manager, customer=customer, items=items)
    order.billing_account = customer.billing_accounts.get()
    order.save()
    return services.order_submit(user=manager, order=order, version=order.version)


@pytest.fixture
def team(city):
    return TeamFactory(city=city, kind=Team.Kind.ORDER_ACCEPTANCE)


@pytest.fixture
def acceptors(user_in_role, city, team):
    return [user_in_role(Role.BACK_OFFICE, city=city, teams=[team], username=f"bo_{n}") for n in (1, 2)]


def in_language(client, language: str) -> None:
    client.post(reverse("set_language"), {"language": language, "next": "/"})


@pytest.mark.parametrize(
    ("language", "products"),
    [
        ("zh-hans", "VPMN集团虚拟网、互联网专线"),
        ("en", "VPMN (virtual private mobile network), Internet dedicated line"),
    ],
)
def test_a_queue_row_names_number_products_amount_and_account_manager(client, order, acceptors, language, products):
    client.force_login(acceptors[0])
    in_language(client, language)

    page = client.get(reverse("inbox"), {"view": "queue"})

    (row,) = page.context["rows"]
    text = page.content.decode()
    assert row.number == order.number
    assert order.number in text
    assert products in text
    assert "120,001.00" in text  # 2 × 12,000 + 2 × 48,000.50 a year
    assert "王芳" in text


def test_done_by_me_shows_the_decision_and_when(client, order, acceptors):
    task = order.process.task_set.get(flow_task=OrderFlow.accept)
    services.order_accept(user=acceptors[0], task_pk=task.pk, decision=services.APPROVE)
    client.force_login(acceptors[0])
    in_language(client, "zh-hans")

    page = client.get(reverse("inbox"), {"view": "done"})

    (row,) = page.context["rows"]
    assert row.decision == "已受理"
    assert row.finished is not None
    assert timezone.localtime(row.finished).strftime("%m-%d %H:%M") in page.content.decode()
    assert 'data-testid="decision">已受理<' in page.content.decode()


def test_a_task_notification_names_the_number_opens_the_task_and_is_read_once_done(client, order, acceptors):
    # given both members of the acceptance team told of the new order
    task = order.process.task_set.get(flow_task=OrderFlow.accept)
    notifications_for_new_tasks(now=timezone.now() + timezone.timedelta(seconds=1))
    first, second = (Notification.objects.get(recipient=user, task=task) for user in acceptors)
    assert order.number in notification_text(first)
    task_url = reverse("orders:task", args=[order.pk, task.pk])
    assert first.url == task_url

    # when the first opens theirs, it leads to the task and is read; the second's is not
    client.force_login(acceptors[0])
    response = client.post(reverse("notification_read", args=[first.pk]))
    assert response.status_code == 302
    assert response.url == task_url
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None

    # when the first accepts the order, the second's is read too: nothing is left to do
    services.order_accept(user=acceptors[0], task_pk=task.pk, decision=services.APPROVE)
    second.refresh_from_db()
    assert second.read_at is not None


def test_entries_written_before_rows_kept_their_facts_are_given_them_by_rebuild_inbox(order):
    InboxEntry.objects.update(number="", products_en="", products_zh="", amount=None)

    inbox_rebuild()  # `manage.py rebuild_inbox`, after upgrading a database from before inbox 0002

    entry = InboxEntry.objects.get(process=order.process_id)
    assert (entry.number, entry.products_zh, entry.amount) == (
        order.number,
        "VPMN集团虚拟网、互联网专线",
        Decimal("120001"),
    )
