"""The customer page tells one story: the lines of the customer and of its business in one timeline, each saying
which record it is about; the business listed with amounts, dates and states; new business started from it."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from keyaccounts.core.timeline import timeline_record
from orders.timeline import OrderAction
from tests.orders.test_rows_told_apart import order  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", html.unescape(strip_tags(response.content.decode())))


@pytest.fixture
def reader(client, manager):
    client.force_login(manager)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    return client


def test_one_timeline_holds_the_customers_and_its_orders_lines(reader, customer, order, manager):  # noqa: F811
    timeline_record(subject=customer, action="customer.details_updated", actor=manager, data={})

    response = reader.get(reverse("customers:detail", args=[customer.pk]))

    events = response.context["events"]
    kinds = {(event.subject_type.model, event.action) for event in events}
    assert ("customer", "customer.details_updated") in kinds
    assert ("order", OrderAction.SUBMITTED) in kinds
    submitted = next(e for e in events if e.action == OrderAction.SUBMITTED)
    assert submitted.about == (f"订单 {order.number}", reverse("orders:detail", args=[order.pk]))
    page = response.content.decode()
    assert f'href="{reverse("orders:detail", args=[order.pk])}" data-testid="about">订单 {order.number}</a>' in page


def test_the_business_list_shows_amounts_dates_states_and_products_in_chinese(reader, customer, order):  # noqa: F811
    text = text_of(reader.get(reverse("customers:detail", args=[customer.pk])))

    business = text[text.index("业务") : text.index("计费账户")]
    for shown in (
        order.number,
        "VPMN集团虚拟网、互联网专线",
        "120,001.00",
        f"{timezone.localtime(order.submitted_at):%Y-%m-%d}",
        "已受理",
    ):
        assert shown in business
    assert "长春" in text  # the customer's city by its Chinese name


def test_new_business_starts_from_the_customer_page_with_the_customer_chosen(reader, customer, order):  # noqa: F811
    page = reader.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    record = f"{reverse('opportunities:create')}?customer={customer.pk}"
    assert f'href="{record}"' in page
    assert f'href="{reverse("orders:new")}?customer={customer.pk}"' in page

    form = reader.get(record).context["form"]

    assert str(form["customer"].value()) == str(customer.pk)
