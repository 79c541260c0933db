"""SI routing: a T3/T4 product names who receives its work orders, a pre-sales solution's integrator routes its
order's T4 items, and the partner works its work orders to completion in the portal, seeing nobody else's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from viewflow.workflow.models import Task

from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import SiCompany
from keyaccounts.core.roles import Role
from keyaccounts.peers.models import OutboxMessage
from opportunities.models import Channel, Opportunity
from orders import services
from orders.flows import OrderFlow
from orders.models import Order, OrderItem
from orders.services import ItemInput, order_draft_for_opportunity
from provisioning.models import WorkOrder
from provisioning.services import launch_sweep
from tests.launch import accept_service

pytestmark = pytest.mark.django_db
GOOD = {"site": "长春市人民大街 100 号", "members": 20}


@pytest.fixture
def portal_company(catalogue):
    """The T4 product's integrator, whose staff work its work orders in our portal."""
    company = catalogue["T4"].si_company
    company.works_in_portal = True
    company.save()
    return company


@pytest.fixture
def partner(user_in_role, portal_company):
    return user_in_role(Role.SI_PARTNER, city=None, si_company=portal_company, username="si_partner")


@pytest.fixture
def rival(user_in_role):
    company = SiCompany.objects.create(code="ne-iot", name_en="NE IoT", name_zh="东北物联网", works_in_portal=True)
    return user_in_role(Role.SI_PARTNER, city=None, si_company=company, username="si_rival")


def accept(order: Order, *, manager, acceptor) -> Order:
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    return order


def test_a_t4_order_reaches_its_partners_portal_and_the_partner_works_it_to_done(
    client, catalogue, manager, customer, acceptor, ops, partner, rival, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    order = services.order_create(user=manager, customer=customer, items=[ItemInput(catalogue["T4"], elements=GOOD)])
    order = accept(order, manager=manager, acceptor=acceptor)
    work_order = WorkOrder.objects.get()
    assert work_order.si_company == partner.si_company
    assert not OutboxMessage.objects.exists()  # a portal company's work order waits in the portal, not on a wire

    # Another integrator's partner sees nothing of it, not even a link.
    client.force_login(rival)
    for page in (reverse("provisioning:si_portal"), reverse("home")):
        assert work_order.external_id not in client.get(page).content.decode()
    assert client.get(reverse("provisioning:si_work_order", args=[work_order.pk])).status_code == 404
    assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 404

    client.force_login(partner)
    assert work_order.external_id in client.get(reverse("home")).content.decode()
    portal = client.get(reverse("provisioning:si_portal"))
    assert list(portal.context["page"].object_list) == [work_order]
    assert partner.si_company.name_en in portal.content.decode()
    url = reverse("provisioning:si_work_order", args=[work_order.pk])
    page = client.get(url).content.decode()
    assert "Site address" in page  # the elements under their labels, not their codes
    assert client.post(url, {"state": "inProgress", "note": "on site"}).status_code == 302
    report = SimpleUploadedFile("acceptance.pdf", b"%PDF test report")
    assert (
        client.post(url, {"state": "completed", "note": "configured and tested", "report": report}).status_code == 302
    )
    assert not client.get(reverse("provisioning:si_portal"), {"state": "open"}).context["page"].object_list
    finished = client.get(reverse("provisioning:si_portal"), {"state": "finished"}).context["page"].object_list
    assert list(finished) == [work_order]

    launch_sweep()
    accept_service(order, ops=ops, manager=manager)
    item = OrderItem.objects.get()
    assert item.state == OrderItem.State.COMPLETED
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert customer.services.get().product == catalogue["T4"]


def test_the_integrator_of_the_pre_sales_solution_routes_the_orders_t4_items(
    client, catalogue, manager, customer, acceptor, city, portal_company, rival
):
    visit = {"kind": Channel.Kind.VISIT, "name_en": "Visit", "name_zh": "拜访"}
    opportunity = Opportunity.objects.create(
        channel=Channel.objects.get_or_create(code="visit", defaults=visit)[0],
        customer=customer,
        city=city,
        account_manager=manager,
        estimated_value="150000",
        expected_close_date="2027-03-31",
        description="IoT for the fleet",
        solution_summary="NE IoT integrates the trackers",
        solution_si_company=rival.si_company,
    )
    order = order_draft_for_opportunity(
        opportunity=opportunity,
        items=[ItemInput(catalogue["T4"], unit_price=150000), ItemInput(catalogue["T3"], unit_price=24000)],
    )
    items = {item.product.route: item for item in order.items.select_related("product")}
    assert items["T4"].si_company == rival.si_company
    assert items["T3"].si_company is None  # a platform product keeps its platform
    order.items.update(elements=GOOD)
    order = accept(order, manager=manager, acceptor=acceptor)
    by_route = {w.order_item.product.route: w for w in WorkOrder.objects.select_related("order_item__product")}
    assert by_route["T4"].si_company == rival.si_company
    assert by_route["T3"].si_company == catalogue["T3"].si_company

    client.force_login(rival)
    assert [w.pk for w in client.get(reverse("provisioning:si_portal")).context["page"]] == [by_route["T4"].pk]


def test_a_partner_without_an_si_company_gets_a_clear_page_and_no_inbox(client, user_in_role):
    lost = user_in_role(Role.SI_PARTNER, city=None, username="si_nobody")
    client.force_login(lost)
    for url in (reverse("provisioning:si_portal"), reverse("home")):
        page = client.get(url).content.decode()
        assert "not linked to an SI company yet" in page
        assert "None" not in page
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("inbox")}"' not in home  # the staff's filters mean nothing to a partner
    assert client.get(reverse("inbox")).url == reverse("home")


def test_an_item_nobody_receives_is_refused_by_the_check_with_the_reason(manager, customer, acceptor):
    orphan = Product.objects.create(code="ota", name_en="OTA", name_zh="OTA", bearer_mode="data", route="T4")
    order = services.order_create(user=manager, customer=customer, items=[ItemInput(orphan)])
    order = services.order_submit(user=manager, order=order, version=order.version)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert any("no SI partner or platform" in finding["en"] for finding in order.check_findings)
    assert not WorkOrder.objects.exists()


def test_the_demo_products_of_routes_t3_and_t4_name_who_receives_them(db):
    call_command("seed_demo", verbosity=0)
    for product in Product.objects.all():
        product.full_clean()  # the admin's rule: T3/T4 name one, T1/T2 none
    receivers = dict(Product.objects.filter(route__in=["T3", "T4"]).values_list("code", "si_company__code"))
    assert receivers == {
        "group-sms": "sms-platform",
        "mobile-mailbox": "mail-platform",
        "industry-ota": "jl-smart",
        "m2m-iot": "ne-iot",
    }
    assert SiCompany.objects.get(code="jl-smart").users.get().username == "si_jlsmart"
