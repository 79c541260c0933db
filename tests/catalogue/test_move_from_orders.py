"""A database that has products, their elements and services under orders keeps every row, link and right when
the catalogue takes the models over (the move is state-only: same tables, no copy)."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from keyaccounts.catalogue.models import Product, ProductElement, Service
from opportunities.models import Opportunity, QuoteLine
from orders.models import OrderApprovalRule, OrderItem
from sla.models import QualityMeasurement, SlaPolicy

BEFORE_THE_MOVE = [("catalogue", None)]  # unapplies the move and the migrations that follow it in each app


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader: it reads what is applied now


def _seed_before_the_move(apps) -> dict:
    """Rows as the previous release wrote them, through its models (Product, Service... in orders)."""

    def model(label: str):
        return apps.get_model(*label.split("."))

    city = model("core.City").objects.create(code="moved-city", name_en="Changchun", name_zh="长春")
    manager = model("core.User").objects.create(username="moved-am", password="!", city=city)
    customer = model("customers.Customer").objects.create(
        name="FAW Logistics", credit_code="91220101MA0Y000000", industry="logistics", address="Changchun",
        city=city, size="large", account_manager=manager,
    )  # fmt: skip
    line = model("orders.Product").objects.create(
        code="moved-line", name_en="Internet line", name_zh="互联网专线", bearer_mode="access", route="T2",
        list_price=Decimal("96000"),
    )  # fmt: skip
    vpmn = model("orders.Product").objects.create(
        code="moved-vpmn", name_en="VPMN", name_zh="VPMN", bearer_mode="voice", route="T1"
    )
    element = model("orders.ProductElement").objects.create(
        product=line, category="resource", code="bandwidth", label_en="Bandwidth", label_zh="带宽", type="choice",
        choices=["100M", "1G"], sort_order=3,
    )  # fmt: skip
    order = model("orders.Order").objects.create(
        customer=customer, city=city, account_manager=manager, status="completed"
    )
    added = model("orders.OrderItem").objects.create(
        order=order, product=line, unit_price=Decimal("90000"), state="completed"
    )
    service = model("orders.Service").objects.create(
        customer=customer, product=line, origin=added, quantity=2, elements={"bandwidth": "1G"}
    )
    change = model("orders.OrderItem").objects.create(
        order=order, product=line, unit_price=Decimal("90000"), action="modify", service=service
    )
    rule = model("orders.OrderApprovalRule").objects.create(product=vpmn, min_amount=Decimal("1000"))
    channel = model("opportunities.Channel").objects.create(
        code="moved-channel", kind="manager", name_en="Manager", name_zh="客户经理"
    )
    opportunity = model("opportunities.Opportunity").objects.create(
        channel=channel, city=city, estimated_value=Decimal("100000"), expected_close_date=dt.date(2027, 1, 31),
        description="Two lines", customer=customer,
    )  # fmt: skip
    opportunity.products.add(line, vpmn)
    quote = model("opportunities.QuoteLine").objects.create(
        opportunity=opportunity, product=vpmn, list_price=Decimal("12000"), discount_percent=Decimal("5")
    )
    policy = model("sla.SlaPolicy").objects.create(step="order.acceptance", product=line, limit=dt.timedelta(hours=8))
    now = timezone.now()
    measurement = model("sla.QualityMeasurement").objects.create(
        service=service, source_id="moved-m1", period_start=now - dt.timedelta(hours=1), period_end=now,
        availability=Decimal("99.99"), packet_loss=Decimal("0.01"), delay=Decimal("12"),
    )  # fmt: skip
    # An administrators' group as the previous release granted it: the right to change products.
    orders_product, _ = model("contenttypes.ContentType").objects.get_or_create(app_label="orders", model="product")
    change_product, _ = model("auth.Permission").objects.get_or_create(
        content_type=orders_product, codename="change_product", defaults={"name": "Can change product"}
    )
    group = model("auth.Group").objects.create(name="moved-admins")
    group.permissions.add(change_product)
    return {
        "line": line.pk, "vpmn": vpmn.pk, "element": element.pk, "service": service.pk, "added": added.pk,
        "change": change.pk, "rule": rule.pk, "opportunity": opportunity.pk, "quote": quote.pk,
        "policy": policy.pk, "measurement": measurement.pk, "group": group.pk,
    }  # fmt: skip


def test_migrating_across_the_move_keeps_every_row_and_link(transactional_db):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    executor = _migrate(BEFORE_THE_MOVE)
    try:
        before = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
        assert not any(m._meta.app_label == "catalogue" for m in before.get_models())
        ids = _seed_before_the_move(before)
    finally:
        _migrate(latest)

    line = Product.objects.get(pk=ids["line"])
    assert (line.code, line.route, line.list_price) == ("moved-line", "T2", Decimal("96000"))
    element = ProductElement.objects.get(pk=ids["element"])
    assert (element.product, element.code, element.choices) == (line, "bandwidth", ["100M", "1G"])
    assert list(line.elements.all()) == [element]

    service = Service.objects.select_related("customer", "origin").get(pk=ids["service"])
    assert (service.product, service.origin.pk, service.quantity, service.elements) == (
        line, ids["added"], 2, {"bandwidth": "1G"},
    )  # fmt: skip
    assert service.customer.services.get() == service
    assert OrderItem.objects.get(pk=ids["added"]).created_service == service
    change = OrderItem.objects.get(pk=ids["change"])
    assert (change.product, change.service) == (line, service)
    assert list(service.change_items.all()) == [change]
    assert OrderApprovalRule.objects.get(pk=ids["rule"]).product.code == "moved-vpmn"

    opportunity = Opportunity.objects.get(pk=ids["opportunity"])
    assert set(opportunity.products.values_list("code", flat=True)) == {"moved-line", "moved-vpmn"}
    assert QuoteLine.objects.get(pk=ids["quote"]).product.pk == ids["vpmn"]
    assert SlaPolicy.objects.get(pk=ids["policy"]).product == line
    assert QualityMeasurement.objects.get(pk=ids["measurement"]).service == service
    assert list(service.quality_measurements.values_list("pk", flat=True)) == [ids["measurement"]]

    # Rights granted on the products follow them to the catalogue.
    from django.contrib.auth.models import Group

    granted = Group.objects.get(pk=ids["group"]).permissions.get()
    assert (granted.content_type.app_label, granted.content_type.model_class()) == ("catalogue", Product)
    assert granted.codename == "change_product"
