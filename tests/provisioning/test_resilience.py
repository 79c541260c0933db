"""Nothing lost, nothing done twice: a worker killed in the middle of a delivery, and a flushed Redis."""

import datetime as dt
import os
import signal
import socket
import sys
import time

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection, transaction
from viewflow.workflow.models import Task

from keyaccounts.celery import app
from keyaccounts.peers.models import OutboxMessage
from keyaccounts.peers.outbox import outbox_sweep
from keyaccounts.peers.tasks import outbox_sweep_task
from orders import services
from orders.flows import OrderFlow
from orders.services import ItemInput
from provisioning.flows import LaunchFlow
from provisioning.models import WorkOrder
from provisioning.services import launch_sweep, work_orders_reconcile
from provisioning.tasks import launch_sweep_task
from tests import processes
from tests.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
GOOD = {"site": "长春市人民大街 100 号", "members": 20}


def accepted(manager, customer, acceptor, product):
    order = services.order_create(user=manager, customer=customer, items=[ItemInput(product, elements=GOOD)])
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    return order


def being_delivered(pk: int) -> bool:
    """A worker holds the row's lock while it talks to the peer."""
    with transaction.atomic():
        return not OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk).exists()


@pytest.fixture
def routed_to(request):
    """Send outbox deliveries to a queue of the test's choosing (restored afterwards)."""
    before = app.conf.task_routes

    def use(routes) -> None:
        app.conf.task_routes = routes
        # Celery builds its router once, from the routes it saw first: build it again from these.
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)

    yield lambda queue: use({"keyaccounts.peers.tasks.outbox_deliver_task": {"queue": queue}})
    use(before)


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(
    peers, stub_server, catalogue, manager, customer, acceptor, routed_to, tmp_path
):
    requests.post(f"{stub_server}/eoms/faults", json={"latency_ms": 3000}, timeout=5).raise_for_status()
    routed_to("kill-test")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keyaccounts.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EOMS_BASE_URL": f"{stub_server}/eoms",
    }
    log = tmp_path / "worker.log"
    worker = processes.start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "keyaccounts",
            "worker",
            "-Q",
            "kill-test",
            "--concurrency",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"kill-{os.getpid()}@%h",
        ],
        env=env,
        log=log,
    )
    before = requests.get(f"{stub_server}/eoms/stats", timeout=5).json()["resources"].get("serviceOrder", 0)
    try:
        hostname = f"kill-{os.getpid()}@{socket.gethostname()}"
        processes.wait_until(lambda: app.control.ping(destination=[hostname], timeout=0.5), proc=worker, log=log)
        accepted(manager, customer, acceptor, catalogue["T2"])
        message = OutboxMessage.objects.get()
        wait_for(lambda: being_delivered(message.pk), timeout=20)
        time.sleep(0.5)  # the POST is in flight: the stub is still "slow"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        processes.stop(worker)
        requests.post(f"{stub_server}/eoms/faults", json={}, timeout=5)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING  # its transaction died with the worker
    time.sleep(2.5)  # the stub finishes the request the dead worker sent
    outbox_sweep()  # beat's role: the row is still due
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    after = requests.get(f"{stub_server}/eoms/stats", timeout=5).json()["resources"].get("serviceOrder", 0)
    assert after - before == 1  # sent twice, created once: the stub knew the externalId
    work_orders_reconcile(stalled_for=dt.timedelta(0))
    launch_sweep()
    launch_sweep()
    assert Task.objects.filter(flow_task=LaunchFlow.acceptance_test).count() == 1  # the flow moved on once


def test_a_flushed_redis_loses_no_delivery_and_no_waiting_step(
    peers, celery_worker_process, catalogue, manager, customer, acceptor, routed_to
):
    routed_to("nobody-listens")  # the deliveries' messages wait in Redis…
    order = accepted(manager, customer, acceptor, catalogue["T2"])
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()  # …and are gone
    with app.connection_for_write() as conn:  # the worker's queue binding went with them
        app.amqp.queues[app.conf.task_default_queue](conn.default_channel).declare()
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING

    def answered() -> bool:  # beat's sweeps, run by the worker
        outbox_sweep_task.delay()
        launch_sweep_task.delay()
        work_orders_reconcile(stalled_for=dt.timedelta(0))
        return Task.objects.filter(process__launch__order=order, flow_task=LaunchFlow.acceptance_test).exists()

    wait_for(answered, timeout=60)
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT
    assert WorkOrder.objects.get().state == WorkOrder.State.COMPLETED
