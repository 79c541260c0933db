"""Work orders end to end: outbox → stub EOMS over HTTP → events to our listener → the launch flow's join.

Real processes: the web app (gunicorn, 2 workers) receiving the events, the stub service, and a Celery
worker with beat, on PostgreSQL and Redis. Orders of many items are created first with no worker running
(their deliveries wait in the outbox and in Redis); the figure runs, by the database's clock, from the first
work order delivered to the last launch with all its answers in (the flow's waiting step completed), and is
also given from the worker's start. Targets: ≥ 100 work orders/s, 0 lost,
0 duplicated. `BENCH_WORK_ORDERS` (default 10000) and `BENCH_ITEMS_PER_ORDER` (default 50) size it.

`BENCH_LAUNCH_FAULTS=1`: the stub peers answer 30 % of our requests with 503, send 20 % of their events twice,
send each batch of events newest first and lose 10 % of them (`POST /{peer}/faults`, before the worker starts);
the system recovers on its own (outbox retries, beat's read-back of the peers' truth), and the figures say what
the faults did (from the stub's `GET /{peer}/stats`) next to the same lost and duplicated counts.

Lost and duplicated are counted from both sides: the stub's store (the externalIds it holds, one resource per
externalId) against our work orders, and our database (each item's work orders and its final state applied,
each launch's join). A work order is lost unless it is at the peer, completed here and its launch joined.
"""

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Sum
from viewflow.workflow.models import Task

from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import City, Team, TimelineEvent, User
from keyaccounts.core.roles import Role, sync_role_groups
from keyaccounts.peers.models import InboundEvent, OutboxMessage
from orders.flows import OrderFlow
from orders.models import BillingAccount, OrderItem
from orders.services import ItemInput, order_accept, order_create, order_submit
from provisioning.flows import LaunchFlow
from provisioning.models import FINAL_WORK_ORDER_STATES, WorkOrder
from provisioning.timeline import WorkOrderAction
from tests import processes
from tests.factories import credit_code

TOTAL = int(os.environ.get("BENCH_WORK_ORDERS", "10000"))
PER_ORDER = int(os.environ.get("BENCH_ITEMS_PER_ORDER", "50"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "900"))
FAULTS = os.environ.get("BENCH_LAUNCH_FAULTS", "") not in ("", "0")
PEER_FAULTS = {"error_rate": 0.3, "duplicate_rate": 0.2, "lose_rate": 0.1, "reorder": True}


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


def _tally(stub: str, orders: int) -> dict:
    """Lost and duplicated work orders, from the stub's record and from ours (see the module's docstring)."""
    peer = requests.get(f"{stub}/eoms/stats", params={"ids": "serviceOrder"}, timeout=30).json()
    at_peer = peer.pop("external_ids")
    work_orders: dict[int, list[tuple[str, str]]] = {}
    for item, external_id, state in WorkOrder.objects.values_list("order_item_id", "external_id", "state"):
        work_orders.setdefault(item, []).append((external_id, state))
    ours = {external_id for found in work_orders.values() for external_id, _state in found}
    joins = Counter(
        Task.objects.filter(flow_task=LaunchFlow.acceptance_test).values_list("process__launch__order_id", flat=True)
    )
    items = list(OrderItem.objects.values_list("pk", "order_id"))
    held = set(at_peer)
    lost = sum(
        not joins[order]
        or not any(state == WorkOrder.State.COMPLETED and ref in held for ref, state in work_orders.get(item, []))
        for item, order in items
    )
    duplicated = {
        "an item's second work order": sum(len(found) - 1 for found in work_orders.values()),
        "at the peer twice or not ours": len(at_peer) - len(held) + len(held - ours),
        "final state applied twice": TimelineEvent.objects.filter(
            action=WorkOrderAction.STATE_CHANGED, to_state__in=FINAL_WORK_ORDER_STATES
        )
        .values("data__work_order")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "launch joined twice": sum(n - 1 for n in joins.values()),
    }
    return {
        "items": len(items),
        "lost": lost + max(orders * PER_ORDER - len(items), 0),
        "duplicated": duplicated,
        "at_peer": len(at_peer),
        "peer": peer,
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
        if FAULTS:
            for peer in ("eoms", "si"):
                requests.post(f"{stub}/{peer}/faults", json=PEER_FAULTS, timeout=5).raise_for_status()

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
        tally = _tally(stub, orders)
        stored = InboundEvent.objects.count()
        peer = tally["peer"]
        # Completions no event brought in (their event lost or not applied): beat's read-back of the truth.
        completed_by_event = (
            InboundEvent.objects.filter(outcome="applied", body__event__serviceOrder__state=WorkOrder.State.COMPLETED)
            .values("body__event__serviceOrder__externalId")
            .distinct()
            .count()
        )
        outbox = OutboxMessage.objects.aggregate(attempts=Sum("attempts"), n=Count("pk"))
        figures = {
            "work orders": f"{TOTAL} in {orders} orders of {PER_ORDER} items (set-up {setup:.0f} s, not timed)",
            "launches joined (all answers in)": f"{joined}/{orders}",
            "elapsed": f"{elapsed:.1f} s from the worker's start; {pipeline:.1f} s from the first delivery to the "
            "last join",
            "throughput": f"{completed / pipeline:.1f} work orders/s end to end, first delivery to last join "
            f"({completed / elapsed:.1f}/s counting the worker's start-up; target ≥ 100)",
            "lost (not at the peer, not completed or its launch not joined)": tally["lost"],
            "duplicated (at the peer or here)": sum(tally["duplicated"].values()),
            "duplicated, by kind": ", ".join(f"{kind} {n}" for kind, n in tally["duplicated"].items()),
            "at the peer (stub's store)": f"{tally['at_peer']} service orders for {tally['items']} items; "
            f"{peer['requests_repeated']} creation requests repeated and answered from its store",
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
        if FAULTS:
            ignored = InboundEvent.objects.filter(outcome__startswith="ignored: not newer").count()
            figures["faults injected (stub's stats)"] = (
                f"{peer['errors_injected']} requests answered 503, {peer['events_lost']} events lost, "
                f"{peer['events_duplicated']} sent twice, batches newest first ({ignored} older events came after "
                "a newer one and were ignored)"
            )
            figures["recovered by the system"] = (
                f"{outbox['attempts'] - outbox['n']} outbox retries; {completed - completed_by_event} completions "
                "read back from the peer (their event lost)"
            )
            if not (peer["errors_injected"] and peer["events_lost"] and peer["events_duplicated"] and ignored):
                figures["faults injected (stub's stats)"] += " — NOT ALL FAULTS RAN: this run proves nothing"
        return figures
    finally:
        for proc in reversed(started):
            processes.stop(proc)
