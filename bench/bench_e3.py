"""Workflow throughput: scenario E3 (an archived customer orders a standard product) by instant activation
(route T1, VPMN), driven through the services as people and the worker would: the account manager enters and
submits the order, the acceptance team accepts it, and the launch's waiting step is checked as
`peer_wait_task` does. Beside it, in the same run, a bare five-node viewflow flow (start → human step →
function → switch → end, the same flow lock) driven the same way. Printed: tasks completed per second and
SQL queries per task for both, and our cost per task against the bare flow's (target ≤ 1.5×); and what the
run leaves to the beat (its stopped clocks added to the dashboards' rollup). The two take turns (one order,
two bare processes), so the load of a shared machine weighs on both alike.
"""

import os
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext, modify_settings
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import User
from keyaccounts.core.workflow import BaseFlow, human_task
from orders.flows import OrderFlow
from orders.models import Order
from orders.services import ItemInput, order_accept, order_create, order_submit
from provisioning.flows import LaunchFlow
from provisioning.nodes import peer_wait_check
from sla.services import sla_rollup_fold

ROUNDS = int(os.environ.get("BENCH_E3_ROUNDS", "200"))
ELEMENTS = {
    "contact_name": "张伟",
    "contact_phone": "13904310000",
    "contract_no": "JL2026110101",
    "monthly_fee": "500",
    "sla_grade": "gold",
    "member_count": 120,
    "package": "VPMN-58",
}


class BareFlow(BaseFlow):
    """Five nodes and nothing else: what viewflow itself costs per task on this database."""

    start = flow.StartHandle(this.begin).Next(this.review)
    review = flow.View(lambda request, **kwargs: None).Next(this.record)
    record = flow.Function(this.keep).Next(this.decide)
    decide = flow.Switch().Case(this.end, lambda activation: True)
    end = flow.End()

    def begin(self, activation):
        activation.process.save()
        return activation.process

    def keep(self, activation):
        activation.process.data["kept"] = True
        activation.process.save(update_fields=["data"])


def _e3(manager, acceptor, customer, product) -> None:
    order = order_create(user=manager, customer=customer, items=[ItemInput(product, elements=ELEMENTS)])
    order = order_submit(user=manager, order=order, version=order.version)
    accept = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    order_accept(user=acceptor, task_pk=accept.pk, decision="approve")
    wait = Task.objects.get(process__launch__order=order, flow_task=LaunchFlow.dispatch)
    assert peer_wait_check(wait.pk) == "done"


def _bare(user) -> None:
    process = BareFlow.start.run()
    review = Task.objects.get(process=process, flow_task=BareFlow.review)
    with human_task(review.pk, user=user, may_act=lambda task: True) as activation:
        activation.execute()


def _queries_per_task(one, tasks_done) -> float:
    before = tasks_done()
    with CaptureQueriesContext(connection) as captured:
        one()
    return len(captured) / (tasks_done() - before)


def _measure(ours, bare, rounds: int, ours_done, bare_done) -> tuple[tuple[float, float, int], ...]:
    """Tasks completed per second and queries per task of each flow, over `rounds` turns of one run of `ours`
    and two of `bare` (after a warm-up), each timed on its own: taking turns, both see the same load of a
    shared machine, which comes and goes over a run."""
    ours(), bare()
    figures = []
    queries = (_queries_per_task(ours, ours_done), _queries_per_task(bare, bare_done))
    before = (ours_done(), bare_done())
    elapsed = [0.0, 0.0]
    for _ in range(rounds):
        for side, one, times in ((0, ours, 1), (1, bare, 2)):
            started = time.perf_counter()
            for _ in range(times):
                one()
            elapsed[side] += time.perf_counter() - started
    for side, done in enumerate((ours_done() - before[0], bare_done() - before[1])):
        figures.append((done / elapsed[side], queries[side], done))
    return tuple(figures)


def _fold() -> str:
    """What the steps leave to the beat: adding the clocks they stopped to the day counts and durations."""
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        folded = sla_rollup_fold()
    elapsed = time.perf_counter() - started
    return f"{folded} clocks in {elapsed * 1000:.0f} ms and {len(captured)} queries ({elapsed / max(folded, 1) * 1e6:.0f} µs a clock)"


def run() -> dict[str, str | float]:
    from django.core.management import call_command

    from keyaccounts.celery import app

    call_command("seed_demo", verbosity=0)
    manager, acceptor = User.objects.get(username="am_changchun"), User.objects.get(username="bo_changchun")
    customer = Customer.objects.filter(account_manager=manager, status=Customer.Status.VALIDATED).first()
    product = Product.objects.get(code="vpmn")

    def e3_tasks() -> int:
        return Task.objects.filter(status=STATUS.DONE, process__flow_class__in=[OrderFlow, LaunchFlow]).count()

    try:
        # The bench package as an app while the bare flow runs: viewflow names flows by their app.
        with modify_settings(INSTALLED_APPS={"append": "bench"}):
            bare_tasks = Task.objects.filter(status=STATUS.DONE, process__flow_class=BareFlow).count
            (e3_rate, e3_queries, e3_done), (bare_rate, bare_queries, bare_done) = _measure(
                lambda: _e3(manager, acceptor, customer, product), lambda: _bare(acceptor), ROUNDS, e3_tasks, bare_tasks
            )
            bare_finished = Process.objects.filter(flow_class=BareFlow, status=PROCESS.DONE).count()
        completed = Order.objects.filter(status=Order.Status.COMPLETED, customer=customer).count()
        fold = _fold()
    finally:
        app.control.purge()  # the launch checks queued for a worker that does not run here
    return {
        "E3 by instant activation (T1)": (
            f"{e3_done} tasks in {ROUNDS} orders ({completed} completed): {e3_rate:.0f} tasks/s, "
            f"{e3_queries:.1f} queries/task"
        ),
        "bare five-node flow": (
            f"{bare_done} tasks in {bare_finished} processes: {bare_rate:.0f} tasks/s, {bare_queries:.1f} queries/task"
        ),
        "the run's stopped clocks into the dashboards' rollup (the beat's fold, after the steps)": fold,
        "our cost per task against the bare flow": (
            f"{bare_rate / e3_rate:.2f}× the time, {e3_queries / bare_queries:.2f}× the queries (target ≤ 1.5×)"
        ),
    }
