"""Order pages: a draft keeps what was typed, a stale form changes nothing, and scope holds on direct URLs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from keyaccounts.core.roles import Role
from opportunities import services as opportunity_services
from opportunities.services import OpportunityInput
from orders import services
from orders.models import Order
from orders.services import ItemInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(catalogue, manager, customer):
    return services.order_create(user=manager, customer=customer, items=[ItemInput(product=catalogue["T2"])])


def edit_data(order, **overrides) -> dict:
    item = order.items.get()
    return {
        "version": order.version,
        "billing_account": order.billing_account_id,
        f"quantity{item.pk}": "1",
        f"item{item.pk}-internet-line__site": "长春市人民大街 100 号",
        **overrides,
    }


def test_a_draft_keeps_incomplete_values_and_submitting_names_the_missing_field(client, manager, order):
    client.force_login(manager)
    url = reverse("orders:edit", args=[order.pk])
    response = client.post(url, {**edit_data(order), "save": ""})
    assert response.status_code == 302
    assert order.items.get().elements == {"site": "长春市人民大街 100 号"}

    order.refresh_from_db()
    response = client.post(url, {**edit_data(order), "submit": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.DRAFT


def test_a_stale_draft_form_changes_nothing(client, manager, order):
    client.force_login(manager)
    url = reverse("orders:edit", args=[order.pk])
    stale = edit_data(order)
    client.post(url, {**edit_data(order), "save": ""})
    response = client.post(url, {**stale, f"item{order.items.get().pk}-internet-line__site": "elsewhere", "save": ""})
    assert "Someone else changed this record" in response.content.decode()
    assert order.items.get().elements["site"] == "长春市人民大街 100 号"


def test_other_cities_and_roles_cannot_see_or_edit_an_order(client, user_in_role, order, other_city, city):
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, city=other_city))
    assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 404
    assert client.get(reverse("orders:edit", args=[order.pk])).status_code == 404
    colleague = user_in_role(Role.ACCOUNT_MANAGER, city=city, username="am_colleague")
    client.force_login(colleague)
    assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 404
    client.force_login(user_in_role(Role.SI_PARTNER))
    assert client.get(reverse("orders:list")).status_code == 403
    assert client.get(reverse("orders:new")).status_code == 403
    supervisor = user_in_role(Role.CITY_SUPERVISOR, city=city, username="sup")
    client.force_login(supervisor)
    assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 200
    assert client.get(reverse("orders:edit", args=[order.pk])).status_code == 403


def test_cancellation_through_the_page(client, manager, supervisor, order):
    order.refresh_from_db()
    order = services.order_submit(user=manager, order=order, version=order.version)
    client.force_login(manager)
    url = reverse("orders:cancellation", args=[order.pk])
    client.post(url, {"cancel-reason": ""})
    # No elements: the check refused it, back to the account manager, who abandons it rather than cancels it.
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING
    response = client.post(url, {"cancel-reason": "changed mind"}, follow=True)
    assert "cannot be cancelled" in response.content.decode()


def test_a_signed_contract_is_attached_type_checked_and_served_only_within_scope(
    client, manager, order, user_in_role, other_city, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(manager)
    url = reverse("orders:detail", args=[order.pk])
    refused = client.post(url, {"kind": "contract", "file": SimpleUploadedFile("contract.exe", b"MZ")})
    assert "not allowed" in str(refused.context["attachment_form"].errors["file"])
    page = refused.content.decode()
    assert 'type="file" name="file"' in page  # drawn again, with the message
    assert '<select name="kind"' in page
    assert page.count("not allowed") == 1
    assert (
        client.post(url, {"kind": "contract", "file": SimpleUploadedFile("contract.pdf", b"%PDF")}).status_code == 302
    )
    attachment = order.attachments.get()
    download = reverse("orders:attachment", args=[order.pk, attachment.pk])
    assert b"".join(client.get(download).streaming_content) == b"%PDF"
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, city=other_city))
    assert client.get(download).status_code == 404


def test_an_order_from_an_opportunity_links_to_it(client, manager, order, catalogue, customer):
    opportunity = opportunity_services.opportunity_record(
        user=manager,
        data=OpportunityInput(
            city=manager.city,
            products=[catalogue["T2"]],
            estimated_value=Decimal("100000"),
            expected_close_date=dt.date(2027, 3, 31),
            description="Demand met on a visit",
            customer=customer,
        ),
    )
    Order.objects.filter(pk=order.pk).update(opportunity=opportunity)
    client.force_login(manager)

    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    link = reverse("opportunities:detail", args=[opportunity.pk])
    assert f'<a href="{link}">{opportunity.number}</a>' in page


def test_an_order_out_of_scope_is_a_logged_404_and_a_missing_one_a_plain_404(
    client, user_in_role, order, other_city, caplog
):
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, city=other_city))

    assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 404
    refusals = [r for r in caplog.records if r.message == "access denied"]
    assert [r.reason for r in refusals] == [f"orders.Order {order.pk} outside scope"]

    caplog.clear()
    assert client.get(reverse("orders:detail", args=[order.pk + 1000])).status_code == 404
    assert not [r for r in caplog.records if r.message == "access denied"]


def test_the_order_page_lists_its_items_with_the_total_per_year(client, manager, catalogue, customer):
    order = services.order_create(
        user=manager, customer=customer, items=[ItemInput(product=catalogue["T2"]), ItemInput(product=catalogue["T1"])]
    )
    client.force_login(manager)
    page = client.get(reverse("orders:detail", args=[order.pk]))
    assert [item.product.code for item in page.context["items"]] == [item.product.code for item in order.items.all()]
    assert page.context["total"] == order.total == sum(item.amount for item in order.items.all())
    assert page.context["total"] > 0
