"""Work orders end to end: outbox → stub EOMS over HTTP → events to our listener → the launch flow's join.

Real processes: the web app (gunicorn, 2 workers) receiving the events, the stub service, and a Celery
worker with beat, on PostgreSQL and Redis. Orders of many items are created first with no worker running
(their deliveries wait in the outbox and in Redis); the figure runs, by the database's clock, from the first
work order delivered to the last launch with all its answers in (the flow's waiting step completed), and is
also given from the worker's start. Targets: ≥ 100 work orders/s, 0 lost,
0 duplicated. `BENCH_WORK_ORDERS` (default 10000) and `BENCH_ITEMS_PER_ORDER` (default 50) size it.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min
from viewflow.workflow.models import Task

from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import City, Team, User
from keyaccounts.core.roles import Role, sync_role_groups
from keyaccounts.peers.models import InboundEvent, OutboxMessage
from orders.flows import OrderFlow
from orders.models import BillingAccount
from orders.services import ItemInput, order_accept, order_create, order_submit
from provisioning.flows import LaunchFlow
from provisioning.models import WorkOrder
from tests import processes
from tests.factories import credit_code

TOTAL = int(os.environ.get("BENCH_WORK_ORDERS", "10000"))
PER_ORDER = int(os.environ.get("BENCH_ITEMS_PER_ORDER", "50"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "900"))


def _people():
    groups = sync_role_groups()
    city = City.objects.create(code="bench-launch", name_en="Bench", name_zh="基准")
    team = Team.objects.create(
        code="bench-oa", kind=Team.Kind.ORDER_ACCEPTANCE, city=city, name_en="OA", name_zh="受理"
    )
    manager = User.objects.create(username="bench_am", city=city)
    manager.groups.set([groups[Role.ACCOUNT_MANAGER]])
    acceptor = User.objects.create(username="bench_bo", city=city)
    acceptor.groups.set([groups[Role.BACK_OFFICE]])
    acceptor.teams.set([team])
    customer = Customer.objects.create(
        name="基准客户",
        credit_code=credit_code(1),
        industry="other",
        address="x",
        size="large",
        city=city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="B",
        proposed_level="B",
    )
    BillingAccount.objects.create(customer=customer, number="BA-BENCH")
    return manager, acceptor, customer


def _orders(manager, acceptor, customer) -> int:
    """Accepted orders whose launches have queued their work orders (nothing runs them yet)."""
    product = Product.objects.create(
        code="bench-line", name_en="Line", name_zh="专线", bearer_mode="access", route="T2"
    )
    orders = TOTAL // PER_ORDER
    for _ in range(orders):
        order = order_create(user=manager, customer=customer, items=[ItemInput(product)] * PER_ORDER)
        order = order_submit(user=manager, order=order, version=order.version)
        task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
        order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    return orders


def _counts() -> dict[str, int]:
    return {
        "sent": OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count(),
        "stored": InboundEvent.objects.count(),
        "applied": InboundEvent.objects.exclude(applied_at=None).count(),
        "completed": WorkOrder.objects.filter(state=WorkOrder.State.COMPLETED).count(),
    }


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its descendants still running (Linux /proc)."""
    total, pending = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _postgres_cpu() -> dict[int, float]:
    """CPU of each PostgreSQL backend connected to this database now (the processes keep their connections)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return {pid: _cpu_seconds(pid) for (pid,) in cursor.fetchall()}


def _env(workdir: Path, stub: str, web_port: int) -> dict:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keyaccounts.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EOMS_BASE_URL": f"{stub}/eoms",
        "SI_BASE_URL": f"{stub}/si",
        "WORK_ORDER_STALLED_AFTER": "120",
        # Persistent database connections, as a deployment runs them (the listener answers hundreds a second).
        "DATABASE_CONN_MAX_AGE": "60",
        "KEYACCOUNTS_VAR_DIR": str(workdir),
    }


def run() -> dict[str, str | float]:
    from keyaccounts.celery import app

    app.control.purge()
    workdir = Path(tempfile.mkdtemp(prefix="bench-launch-"))
    stub_port, web_port = processes.free_port(), processes.free_port()
    stub = f"http://127.0.0.1:{stub_port}"
    stub_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stubs.settings",
        "STUBS_STEP_SECONDS": "0",
        "STUBS_DATABASE_URL": f"sqlite:///{workdir / 'stubs.sqlite3'}",
    }
    import subprocess

    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=processes.ROOT, env=stub_env, check=True)
    started = []
    try:
        stub_proc = processes.start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "stubs.wsgi",
                "--bind",
                f"127.0.0.1:{stub_port}",
                "--workers",
                "1",
                "--threads",
                "8",
            ],
            env=stub_env,
            log=workdir / "stub.log",
        )
        started.append(stub_proc)
        env = _env(workdir, stub, web_port)
        web = processes.start(
            [
                *[sys.executable, "-m", "gunicorn", "keyaccounts.wsgi", "--bind", f"127.0.0.1:{web_port}"],
                *["--workers", "2", "--threads", "4"],  # threads keep the stub's connections alive
            ],
            env=env,
            log=workdir / "web.log",
        )
        started.append(web)
        processes.wait_until(
            lambda: requests.get(f"{stub}/healthz", timeout=1).ok, proc=stub_proc, log=workdir / "stub.log"
        )
        processes.wait_until(
            lambda: requests.get(f"http://127.0.0.1:{web_port}/login/", timeout=1).ok, proc=web, log=workdir / "web.log"
        )
        requests.post(
            f"{stub}/eoms/hub", json={"callback": f"http://127.0.0.1:{web_port}/api/v1/listener/eoms"}, timeout=5
        )

        settings.EOMS_BASE_URL = f"{stub}/eoms"
        manager, acceptor, customer = _people()
        setup = time.perf_counter()
        orders = _orders(manager, acceptor, customer)
        setup = time.perf_counter() - setup

        worker = processes.start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "keyaccounts",
                "worker",
                "--beat",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "4",  # deliveries wait on the peer: more processes than cores keep events and joins moving
                "--without-mingle",
                "--without-gossip",
                "--schedule",
                str(workdir / "beat"),
            ],
            env=env,
            log=workdir / "worker.log",
        )
        started.append(worker)
        t0 = time.perf_counter()
        cpu0 = {name: _cpu_seconds(proc.pid) for name, proc in (("stub", stub_proc), ("web", web))}
        postgres0 = _postgres_cpu()
        postgres = dict(postgres0)  # every backend seen: a connection past its CONN_MAX_AGE is replaced
        deadline = t0 + TIMEOUT
        joined, progress, last = 0, [], 0.0
        stages = {"sent": None, "stored": None, "applied": None}  # when each stage had all its work done
        events_total = None
        while time.perf_counter() < deadline:
            joined = Task.objects.filter(flow_task=LaunchFlow.acceptance_test).count()
            if joined >= orders:
                break
            now = time.perf_counter()
            if now - last >= 5:
                last = now
                counts = _counts()
                postgres.update(_postgres_cpu())
                if stages["sent"] is None and counts["sent"] >= TOTAL:
                    stages["sent"] = now - t0
                    events_total = requests.get(f"{stub}/eoms/stats", timeout=10).json()
                    events_total = events_total["events_sent"] + events_total["events_waiting"]
                if stages["stored"] is None and events_total and counts["stored"] >= events_total:
                    stages["stored"] = now - t0
                if len(progress) < 1 or now - t0 >= 30 * len(progress):  # where the work orders are, every 30 s
                    progress.append(
                        f"{now - t0:.0f}s sent {counts['sent']} events stored {counts['stored']} "
                        f"applied {counts['applied']} completed {counts['completed']}"
                    )
            time.sleep(0.5)
        elapsed = time.perf_counter() - t0
        stages["applied"] = elapsed
        cpu = {name: _cpu_seconds(proc.pid) - cpu0[name] for name, proc in (("stub", stub_proc), ("web", web))}
        cpu["worker"] = _cpu_seconds(worker.pid)
        postgres.update(_postgres_cpu())
        cpu["postgres"] = sum(seconds - postgres0.get(pid, 0) for pid, seconds in postgres.items())
        # The database's own clock: from the first work order delivered to the last launch joined (the worker's
        # start-up, a few seconds on a busy machine, is not the pipeline's).
        first_sent = OutboxMessage.objects.aggregate(at=Min("sent_at"))["at"]
        last_joined = Task.objects.filter(flow_task=LaunchFlow.acceptance_test).aggregate(at=Max("created"))["at"]
        pipeline = (last_joined - first_sent).total_seconds()
        completed = WorkOrder.objects.filter(state=WorkOrder.State.COMPLETED).count()
        at_peer = requests.get(f"{stub}/eoms/stats", timeout=10).json()["resources"].get("serviceOrder", 0)
        finished_twice = (
            InboundEvent.objects.values("event_id").annotate(n=Count("pk")).filter(n__gt=1).count()
            + WorkOrder.objects.values("order_item").annotate(n=Count("pk")).filter(n__gt=1).count()
        )
        stored = InboundEvent.objects.count()
        return {
            "work orders": f"{TOTAL} in {orders} orders of {PER_ORDER} items (set-up {setup:.0f} s, not timed)",
            "launches joined (all answers in)": f"{joined}/{orders}",
            "elapsed": f"{elapsed:.1f} s from the worker's start; {pipeline:.1f} s from the first delivery to the "
            "last join",
            "throughput": f"{completed / pipeline:.1f} work orders/s end to end, first delivery to last join "
            f"({completed / elapsed:.1f}/s counting the worker's start-up; target ≥ 100)",
            "lost (not completed)": TOTAL - completed,
            "duplicated (at the peer or applied twice)": max(at_peer - TOTAL, 0) + finished_twice,
            "events received": stored,
            "stages (all done at; ±5 s)": "; ".join(
                f"{name} {at:.0f} s ({(TOTAL if name == 'sent' else stored) / at:.0f}/s)"
                for name, at in stages.items()
                if at
            ),
            "CPU seconds (timed part)": ", ".join(f"{name} {seconds:.0f}" for name, seconds in cpu.items())
            + f" = {sum(cpu.values()) * 1000 / TOTAL:.1f} ms a work order (PostgreSQL: its backends, sampled every "
            f"5 s; Redis not counted; {os.cpu_count()} cores × {elapsed:.0f} s)",
            "load average at the end": f"{os.getloadavg()[0]:.1f}",
            "progress": "; ".join(progress),
        }
    finally:
        for proc in reversed(started):
            processes.stop(proc)
