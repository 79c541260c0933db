"""A Celery job node of our own (viewflow's is PRO-only), built on `AbstractJob` (VIEWFLOW.md §3.4).

`PeerWait` runs its `send` function inside the step's transaction when the flow reaches it (requests go to
the outbox there), then waits: `peer_wait_task` — queued after commit when nothing was sent, when the last
answer comes in, and by a beat sweep — completes it under the flow lock once its `done` function says every
answer is in.
"""

import logging

from django.db import transaction
from django.utils import timezone
from viewflow import this
from viewflow.workflow.activation import Activation, has_manage_permission
from viewflow.workflow.nodes.job import AbstractJob, AbstractJobActivation
from viewflow.workflow.status import STATUS

from keyaccounts.core.workflow import locked_activation

logger = logging.getLogger(__name__)


class PeerWaitActivation(AbstractJobActivation):
    @Activation.status.transition(source=STATUS.NEW, target=STATUS.SCHEDULED)
    def activate(self):
        self.task.save()  # the fsm sets the status in memory only
        this.resolve(self.flow_class.instance, self.flow_task._send)(self)
        # Answers can only come in after this commits, and each one that completes the step queues its check;
        # a step with nothing to wait for (nothing sent) is checked at once.
        if self.flow_task.is_done(self):
            pk = self.task.pk
            transaction.on_commit(lambda: schedule_check(pk))

    @Activation.status.transition(
        source=[STATUS.SCHEDULED, STATUS.ERROR], target=STATUS.CANCELED, permission=has_manage_permission
    )
    def cancel(self):
        self.task.finished = timezone.now()
        self.task.save()


class PeerWait(AbstractJob):
    activation_class = PeerWaitActivation

    def __init__(self, send, done, after=None, related: tuple[str, ...] = (), **kwargs):
        super().__init__(**kwargs)
        self._send = send
        self._done = done
        self._after = after  # runs under the lock once the flow has moved on (e.g. to follow SLA clocks)
        self.related = related  # paths from the task to the rows the next steps read, read with it under the lock

    def is_done(self, activation) -> bool:
        return this.resolve(self.flow_class.instance, self._done)(activation)


def schedule_check(task_pk: int) -> None:
    from .tasks import peer_wait_task

    try:
        peer_wait_task.delay(task_pk)
    except Exception:
        logger.warning("broker unavailable; step %s waits for the sweep", task_pk, exc_info=True)


def peer_wait_check(task_pk: int) -> str:
    """Complete the waiting step if every answer is in (idempotent: a late or repeated call is skipped)."""
    from viewflow.workflow.models import Task

    try:
        task = Task.objects.get(pk=task_pk)
    except Task.DoesNotExist:
        return "skipped"
    if task.status not in (STATUS.SCHEDULED, STATUS.STARTED):
        return "skipped"
    # Checked under the lock only: checks are queued when the last answer is in (or nothing was sent), and the
    # sweep checks only launches with every answer in, so a check nearly always completes the step; asking
    # first without the lock read the step's rows twice for that.
    with locked_activation(task, task.flow_task.related) as activation:  # the flow lock, the task re-read under it
        if activation.task.status not in (STATUS.SCHEDULED, STATUS.STARTED):
            return "skipped"
        if not task.flow_task.is_done(activation):
            return "waiting"
        activation.start()
        activation.execute()
        if task.flow_task._after is not None:
            this.resolve(task.flow_task.flow_class.instance, task.flow_task._after)(activation)
    return "done"
