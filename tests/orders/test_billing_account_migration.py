"""Accounts written before billing accounts became records keep their rows: an inactive one becomes closed, an
active one active, with defaults for what they never had."""

from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders.models import BillingAccount


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def test_existing_accounts_survive_with_their_state(transactional_db):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    executor = _migrate([("orders", "0005_catalogue_moved_out")])
    try:
        apps = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
        city = apps.get_model("core", "City").objects.create(code="ba-city", name_en="Jilin", name_zh="吉林")
        manager = apps.get_model("core", "User").objects.create(username="ba-am", password="!", city=city)
        customer = apps.get_model("customers", "Customer").objects.create(
            name="Old", credit_code="91220101MA0Y000001", industry="logistics", address="Jilin", city=city,
            size="large", account_manager=manager,
        )  # fmt: skip
        old = apps.get_model("orders", "BillingAccount")
        old.objects.create(customer=customer, number="BA-OLD-1", arrears=Decimal(7), credit_limit=Decimal(100))
        old.objects.create(customer=customer, number="BA-OLD-2", is_active=False)
    finally:
        _migrate(latest)

    active, closed = BillingAccount.objects.filter(customer_id=customer.pk).order_by("number")
    assert (active.number, active.state, active.arrears, active.credit_limit) == (
        "BA-OLD-1",
        BillingAccount.State.ACTIVE,
        Decimal(7),
        Decimal(100),
    )
    assert (closed.number, closed.state) == ("BA-OLD-2", BillingAccount.State.CLOSED)
    assert active.payment_method == BillingAccount.PaymentMethod.BANK_TRANSFER
    assert active.created_at is not None
