"""The network quality collector against the stub EOMS over HTTP: `BENCH_QUALITY_SERVICES` (default 2000)
running services, one in ten degraded. One pass reads every service's measurements (one GET per 100
services), stores them once and opens the violations and their quality work orders; the next pass finds
nothing new. Target: a pass over 2,000 services well inside beat's 60 s interval."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from keyaccounts.catalogue.models import Product, Service
from keyaccounts.core.models import City, User
from keyaccounts.peers.models import OutboxMessage
from keyaccounts.peers.outbox import outbox_sweep
from orders.models import Order, OrderItem
from sla.models import QualityGrade, QualityMeasurement, QualityTarget, QualityViolation
from sla.quality import quality_collect
from tests import processes
from tests.factories import credit_code

TOTAL = int(os.environ.get("BENCH_QUALITY_SERVICES", "2000"))


def _services() -> None:
    city = City.objects.create(code="bench-q", name_en="Bench", name_zh="基准")
    manager = User.objects.create(username="bench-q-am", city=city)
    customer = Customer.objects.create(
        name="基准客户", credit_code=credit_code(77), city=city, account_manager=manager, level="A"
    )
    product = Product.objects.create(
        code="bench-quality-line", name_en="Line", name_zh="专线", bearer_mode="access", route="T2"
    )
    # The demo's grade when another benchmark of the run has seeded it.
    grade, _ = QualityGrade.objects.get_or_create(code="gold", defaults={"name_en": "Gold", "name_zh": "金牌"})
    QualityTarget.objects.create(
        product=product,
        grade=grade,
        availability_min="99.99",
        availability_warning="99.995",
        packet_loss_max="0.1",
        packet_loss_warning="0.05",
        delay_max="20",
        delay_warning="15",
    )
    order = Order.objects.create(customer=customer, city=city, account_manager=manager, status="completed")
    elements = [{"sla_grade": "gold", "site": "lossy" if n % 10 == 0 else f"site {n}"} for n in range(TOTAL)]
    items = OrderItem.objects.bulk_create(
        OrderItem(order=order, product=product, unit_price=1, state="completed", elements=e) for e in elements
    )
    Service.objects.bulk_create(
        Service(customer=customer, product=product, origin=item, elements=item.elements) for item in items
    )


def _pass() -> tuple[dict, float, int]:
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        counts = quality_collect()
    return counts, time.perf_counter() - started, len(queries)


def run() -> dict[str, str | float]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    port = processes.free_port()
    stub = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stubs.settings",
        "STUBS_DATABASE_URL": f"sqlite:///{workdir / 'stubs.sqlite3'}",
    }
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=processes.ROOT, env=env, check=True)
    proc = processes.start(
        [sys.executable, "-m", "gunicorn", "stubs.wsgi", "--bind", f"127.0.0.1:{port}", "--threads", "4"],
        env=env,
        log=workdir / "stub.log",
    )
    try:
        processes.wait_until(lambda: requests.get(f"{stub}/healthz", timeout=1).ok, proc=proc, log=workdir / "stub.log")
        settings.EOMS_BASE_URL = f"{stub}/eoms"
        _services()
        jobs, jobs_time, _ = _pass()
        while outbox_sweep(limit=1000):  # beat's outbox sweep: the collection jobs reach EOMS
            pass
        first, first_time, first_queries = _pass()
        while outbox_sweep(limit=1000):  # the quality work orders
            pass
        again, again_time, again_queries = _pass()
        tickets = OutboxMessage.objects.filter(resource="troubleTicket")
        return {
            "services": TOTAL,
            "pass asking EOMS to measure": f"{jobs_time * 1000:.0f} ms ({jobs['jobs']} jobs in the outbox)",
            "pass reading measurements": (
                f"{first_time * 1000:.0f} ms, {first_queries} queries: {first['stored']} stored, "
                f"{first['violations']} violations"
            ),
            "pass with nothing new": f"{again_time * 1000:.0f} ms, {again_queries} queries: {again}",
            "measurements stored": QualityMeasurement.objects.count(),
            "violations / quality work orders delivered": (
                f"{QualityViolation.objects.count()} / {tickets.filter(status='sent').count()} (of {tickets.count()})"
            ),
        }
    finally:
        processes.stop(proc)
