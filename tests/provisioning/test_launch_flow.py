"""Service launch L1–L8 against the real stub peers over HTTP. L1, L2, L4, L5 are the routes of
tests/orders (T1–T4), L7 and L8 the change and tear-down there, L3 the construction path in
test_live_peers; here: L6's join, and what happens when something fails."""

import pytest
from django.core.exceptions import PermissionDenied
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS

from keyaccounts.catalogue.models import Service
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from keyaccounts.peers.outbox import outbox_sweep
from orders import services
from orders.flows import OrderFlow
from orders.models import Order
from orders.services import ItemInput
from provisioning.flows import LaunchFlow
from provisioning.models import Launch, WorkOrder
from provisioning.services import (
    launch_handle_failures,
    launch_record_customer_acceptance,
    launch_record_test,
    launch_sweep,
    work_order_apply,
)
from tests.factories import TeamFactory
from tests.launch import accept_service, launch_task, peers_answer

pytestmark = pytest.mark.django_db
GOOD = {"site": "长春市人民大街 100 号", "members": 20}


def accepted(manager, customer, acceptor, *items) -> Order:
    order = services.order_create(user=manager, customer=customer, items=list(items))
    order = services.order_submit(user=manager, order=order, version=order.version)
    task = Task.objects.get(process_id=order.process_id, flow_task=OrderFlow.accept)
    services.order_accept(user=acceptor, task_pk=task.pk, decision="approve")
    return order


def test_l6_eoms_and_si_work_orders_run_in_parallel_and_join_before_acceptance(
    catalogue, manager, customer, acceptor, ops, peers
):
    order = accepted(
        manager,
        customer,
        acceptor,
        ItemInput(catalogue["T2"], elements=GOOD),
        ItemInput(catalogue["T3"], elements=GOOD),
        ItemInput(catalogue["T1"], elements=GOOD),
    )
    assert {w.peer for w in WorkOrder.objects.all()} == {"eoms", "si"}  # both sent at once
    outbox_sweep()
    eoms, si = WorkOrder.objects.get(peer="eoms"), WorkOrder.objects.get(peer="si")
    work_order_apply(pk=eoms.pk, state="completed")
    launch_sweep()
    assert launch_task(order, LaunchFlow.acceptance_test) is None  # SI has not answered: still waiting
    work_order_apply(pk=si.pk, state="completed")
    launch_sweep()
    assert launch_task(order, LaunchFlow.acceptance_test) is not None
    accept_service(order, ops=ops, manager=manager)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert set(order.items.values_list("state", flat=True)) == {"completed"}
    launch = Launch.objects.get(order=order)
    assert launch.process.status == PROCESS.DONE
    assert launch.customer_accepted_at
    assert {s.billing_started_at is not None for s in Service.objects.filter(origin__order=order)} == {True}


def test_a_failed_work_order_is_sent_again_by_hand_and_the_service_completes(
    catalogue, manager, customer, acceptor, ops, peers
):
    order = accepted(manager, customer, acceptor, ItemInput(catalogue["T4"], elements={**GOOD, "site": "fail"}))
    peers_answer()
    assert WorkOrder.objects.get().state == WorkOrder.State.FAILED
    manual = launch_task(order, LaunchFlow.manual)
    assert manual is not None
    item = order.items.get()
    launch_handle_failures(
        user=ops, task_pk=manual.pk, decision="correct", note="Site corrected", corrections={item.pk: GOOD}
    )
    assert WorkOrder.objects.count() == 2  # a new work order, with a new reference
    peers_answer()
    accept_service(order, ops=ops, manager=manager)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_a_failed_acceptance_test_goes_to_manual_handling_and_can_end_the_item_failed(
    catalogue, manager, customer, acceptor, ops, peers
):
    order = accepted(manager, customer, acceptor, ItemInput(catalogue["T2"], elements=GOOD))
    peers_answer()
    test = launch_task(order, LaunchFlow.acceptance_test)
    launch_record_test(user=ops, task_pk=test.pk, passed=False, note="Packet loss 3% against 0.1% contracted")
    manual = launch_task(order, LaunchFlow.manual)
    launch_handle_failures(user=ops, task_pk=manual.pk, decision="give_up", note="Customer withdrew")
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert not order.customer.services.exists()


def test_only_the_citys_provisioning_team_tests_and_only_the_manager_records_acceptance(
    catalogue, manager, customer, acceptor, ops, user_in_role, other_city, peers
):
    order = accepted(manager, customer, acceptor, ItemInput(catalogue["T2"], elements=GOOD))
    peers_answer()
    foreign_ops = user_in_role(
        Role.BACK_OFFICE, city=other_city, teams=[TeamFactory(city=other_city, kind=Team.Kind.PROVISIONING)]
    )
    test = launch_task(order, LaunchFlow.acceptance_test)
    with pytest.raises(PermissionDenied):
        launch_record_test(user=foreign_ops, task_pk=test.pk, passed=True, note="x")
    launch_record_test(user=ops, task_pk=test.pk, passed=True, note="ok")
    with pytest.raises(PermissionDenied):
        launch_record_customer_acceptance(
            user=ops, task_pk=launch_task(order, LaunchFlow.customer_acceptance).pk, note="x"
        )


def test_the_configuration_clock_stops_when_every_answer_is_in(catalogue, manager, customer, acceptor, ops, peers):
    """Instant activation finishes its launch with no clock left running; a network service's launch moves
    from the configuration clock to the acceptance test's as soon as the peer's answer is in."""
    from sla.demo import seed_demo_policies
    from sla.models import SlaClock

    seed_demo_policies()
    instant = accepted(manager, customer, acceptor, ItemInput(catalogue["T1"], elements=GOOD))
    network = accepted(manager, customer, acceptor, ItemInput(catalogue["T2"], elements=GOOD))

    def running(order):
        launch = Launch.objects.get(order=order)
        return set(SlaClock.objects.filter(subject_id=launch.pk, stopped_at=None).values_list("step", flat=True))

    assert running(network) == {"launch.configuration"}
    peers_answer()
    assert Order.objects.get(pk=instant.pk).status == Order.Status.COMPLETED
    assert running(instant) == set()
    assert running(network) == {"launch.acceptance"}


def test_a_step_failing_once_the_answers_are_in_keeps_its_error_and_none_of_its_lines(
    catalogue, manager, customer, acceptor, monkeypatch
):
    """Once a launch's answers are in, viewflow's guard records a failed step's error and the flow carries on
    (the task shows it for someone to retry): what the step did is rolled back, the audit lines it recorded
    with it; the lines of the step before it stay."""
    from keyaccounts.core.timeline import timeline_for
    from provisioning.nodes import peer_wait_check

    order = accepted(manager, customer, acceptor, ItemInput(catalogue["T1"], elements=GOOD))

    def roll_up_fails(order):
        raise RuntimeError("the roll-up failed")

    monkeypatch.setattr(services, "order_fulfil_if_done", roll_up_fails)  # after the item's line is recorded
    wait = Task.objects.get(process__launch__order=order, flow_task=LaunchFlow.dispatch)
    assert peer_wait_check(wait.pk) == "done"
    finish = Task.objects.get(process__launch__order=order, flow_task=LaunchFlow.finish)
    assert finish.status == "ERROR"
    assert "the roll-up failed" in finish.data["_exception"]["title"]
    actions = [event.action for event in timeline_for(order)]
    assert "launch.activated" in actions
    assert "order.item_finished" not in actions
    assert "launch.billing_started" not in actions  # the step after it never ran
    assert order.items.get().state == "inProgress"
