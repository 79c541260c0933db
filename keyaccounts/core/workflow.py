"""What every flow shares: a real row lock, and completing a human task from a service.

viewflow's default lock is `no_lock`, which double-executes under concurrency; services call flow
APIs inside their own transactions, so the lock waits (`nowait=False`) and PostgreSQL's
`lock_timeout` bounds the wait (VIEWFLOW.md §3.2).
"""

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import reduce

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from . import fastpath, registry
from .exceptions import TaskClosedError, TaskTakenError


class BaseFlow(flow.Flow):
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    class Meta:
        abstract = True


OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED)


def claimable_q(claimable: list[tuple[list, list | None]], *, city: str) -> Q:
    """The unclaimed tasks of `claimable`: steps (flow nodes), each with the cities they may be claimed in (None:
    any city). Steps that share their cities make one condition, so that a queue's count is one index-only scan
    rather than a scan per step over the table's rows."""
    steps_by_cities: dict = {}
    for nodes, cities in claimable:
        steps_by_cities.setdefault(None if cities is None else tuple(sorted(cities)), []).extend(nodes)
    parts = [
        Q(flow_task__in=nodes, status=STATUS.NEW, **({} if cities is None else {f"{city}__in": cities}))
        for cities, nodes in steps_by_cities.items()
    ]
    return reduce(operator.or_, parts) if parts else Q(pk__in=[])  # nothing claimable: no task


def task_scope(user, claimable: list[tuple[list, list | None]], *, city: str, flow: Q | None) -> Q:
    """The tasks a user may act on: those assigned to them and the unclaimed ones of `claimable`."""
    scope = Q(owner=user, status=STATUS.ASSIGNED) | claimable_q(claimable, city=city)
    return scope & flow if flow is not None else scope


@contextmanager
def locked_activation(task: Task, related: tuple[str, ...] = ()) -> Iterator:
    """`task.activation()` in one read fewer: the flow lock, then the task read again with its process in one
    query (viewflow reads the task, then its process). `task` only names the task and its flow; use the
    activation's task. `related`: paths from the task to the rows the step reads (`process__order`), read in
    the same query, under the lock."""
    with task.flow_task.flow_class.lock(task.process_id):
        fresh = fastpath.read_with_related(Task, task.pk, ("process", *related))
        yield fresh.flow_task.activation_class(fresh)


def handle_run(node: flow.Handle, task: Task, related: tuple[str, ...] = (), **kwargs):
    """`node.run(task, **kwargs)` in one read fewer: viewflow refreshes the task under the lock, which drops its
    cached process, then reads the process again. `related`: as `locked_activation`'s."""
    with locked_activation(task, related) as activation:
        result = activation.run(this.resolve(node.flow_class.instance, node._func), **kwargs)
        activation.execute()
    return result


def handle_run_first(
    node: flow.Handle,
    process_id: int,
    tasks: QuerySet,
    kwargs_of: Callable[[Task], dict],
    related: tuple[str, ...] = (),
) -> bool:
    """`handle_run` on the first of `tasks` (the node's tasks of the process that the caller's conditions select),
    read under the flow lock with its process and `related` in one query; `kwargs_of(task)`: the handler's
    arguments. False when no task is selected (nothing run)."""
    with node.flow_class.lock(process_id):
        task = tasks.select_related("process", *related).first()
        if task is None:
            return False
        activation = task.flow_task.activation_class(task)
        activation.run(this.resolve(node.flow_class.instance, node._func), **kwargs_of(task))
        activation.execute()
    return True


@contextmanager
def human_task(task_pk: int, *, user, may_act: Callable[[Task], bool], related: tuple[str, ...] = ()) -> Iterator:
    """Take an open human task for `user` under the flow lock and yield its started activation. `related`: the
    rows `may_act` and the decision read, as `locked_activation`'s.

    The caller records the decision, then calls `activation.execute()`; everything happens in the
    lock's transaction, so a refused or failed decision leaves the task as it was. A task done or
    taken by someone else meanwhile raises an error the page can show.
    """
    # The task as it is under the lock.
    with locked_activation(Task.objects.get(pk=task_pk), related) as activation:
        task = activation.task
        if task.status not in OPEN_STATUSES:
            raise TaskClosedError
        if not may_act(task):
            raise PermissionDenied
        if task.status == STATUS.ASSIGNED and task.owner_id != user.pk:
            raise TaskTakenError(task.owner)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)
        yield activation


def steps_follow(
    *,
    subject,
    process_id: int,
    steps: dict,
    statuses=OPEN_STATUSES,
    city_id: int | None = None,
    customer_id: int | None = None,
    account_manager_id: int | None = None,
    level="",
    product=None,
    also_open: frozenset[str] = frozenset(),
) -> dict:
    """After every step of a flow: the subject's SLA clocks run exactly while its timed steps wait (tasks in
    `statuses`; `steps` maps node names to SLA steps), and the inbox lists its people's steps as they are now
    (through the hooks `sla` and the inbox register in the registry). The subject's city, customer and account manager are given by id (what the caller holds, nothing to read);
    `level` and `product` may be callables, asked only when a clock starts. `also_open`: SLA steps the subject
    waits on across its tasks (a fault's restoration, whichever step it is in), timed beside them. Returns the
    subject's open clocks by SLA step, as they are now (locked)."""
    hooks = registry.hooks
    if hooks.tasks_to_follow is not None:
        tasks = hooks.tasks_to_follow(process_id, statuses)
    else:
        tasks = list(Task.objects.filter(process_id=process_id, status__in=statuses))
    open_steps = {steps[t.flow_task.name] for t in tasks if t.status in statuses and t.flow_task.name in steps}
    open_steps |= also_open
    clocks = {}
    if hooks.clocks_follow is not None:
        clocks = hooks.clocks_follow(
            subject=subject,
            open_steps=open_steps,
            level=level,
            product=product,
            city=city_id,
            customer=customer_id,
            account_manager=account_manager_id,
        )
    if hooks.entries_follow is not None:
        hooks.entries_follow(
            process_id=process_id,
            subject=subject,
            tasks=tasks,
            steps=steps,
            clocks=clocks,
            city_id=city_id,
            customer_id=customer_id,
            account_manager_id=account_manager_id,
        )
    return clocks
