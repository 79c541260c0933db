"""The audit timeline shared by customers, opportunities, orders and work orders.

Each app registers the labels of its actions (a TextChoices) so that the timeline shows them
translated; the stored `action` is the stable code.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bulk import insert_dicts, insert_rows
from .models import TimelineEvent
from .reads import read_all_with_related

_ACTION_LABELS: dict[str, str] = {}


def register_actions(choices: type[models.TextChoices]) -> None:
    _ACTION_LABELS.update({member.value: member.label for member in choices})


class CoreAction(models.TextChoices):
    COMMENT = "comment", _("Comment")


register_actions(CoreAction)


def action_label(code: str) -> str:
    return str(_ACTION_LABELS.get(code, code))


def timeline_record(
    *,
    subject: models.Model,
    action: str,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> None:
    """Write one audit line; call it inside the transaction that made the change. Inside `timeline_batched` (a
    flow step: the flow lock opens one) the line waits to be written with the step's others; elsewhere it is a
    plain INSERT (the ORM's `create()` took longer to build the row than the database to store it)."""
    line = {
        "subject_type_id": ContentType.objects.get_for_model(subject).pk,
        "subject_id": subject.pk,
        "actor_id": actor.pk if actor is not None and actor.is_authenticated else None,
        "action": action,
        "from_state": str(from_state or ""),
        "to_state": str(to_state or ""),
        "reason": reason,
        "data": data or {},
        "created_at": timezone.now(),  # when it happened, not when its batch is written
    }
    batch = getattr(_open, "batch", None)
    if batch is None:
        insert_dicts(TimelineEvent, [line])
    else:
        batch.add(line)


class _Batch:
    """The lines recorded inside `timeline_batched`, each with the savepoints open when it was recorded: one
    rolled back while the transaction goes on takes its lines with it, as it would have taken their INSERTs."""

    def __init__(self) -> None:
        self.lines: list[tuple[frozenset[str], dict]] = []
        self.rollbacks: dict[str, str] = {}  # each savepoint's ROLLBACK TO statement: its savepoint

    def add(self, line: dict) -> None:
        savepoints = frozenset(sid for sid in connection.savepoint_ids if sid)  # None: an atomic block without one
        for sid in savepoints:
            self.rollbacks.setdefault(connection.ops.savepoint_rollback_sql(sid), sid)
        self.lines.append((savepoints, line))

    def watch(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if self.rollbacks and (sid := self.rollbacks.get(sql)) is not None:
            self.lines = [(savepoints, line) for savepoints, line in self.lines if sid not in savepoints]
        return result


_open = threading.local()  # .batch: the thread's open `_Batch`, if any


@contextmanager
def timeline_batched() -> Iterator[None]:
    """Write the audit lines recorded inside in one INSERT at its end: a flow step records several (the flow
    lock opens one). Enter it first thing inside a transaction block: an error out of it rolls that block back,
    so its lines are dropped with it. A savepoint rolled back inside it while the block goes on (viewflow's
    guard records a failed step's error and carries on) drops the lines recorded in it. Inside another, it is
    part of that one."""
    if getattr(_open, "batch", None) is not None:
        yield
        return
    batch = _open.batch = _Batch()
    try:
        with connection.execute_wrapper(batch.watch):
            yield
        insert_dicts(TimelineEvent, [line for _savepoints, line in batch.lines])
    finally:
        _open.batch = None


class TimelineRow(NamedTuple):
    """A system event (no actor) for a record known only by its reference; `timeline_save` writes many at once."""

    subject_type_id: int
    subject_id: int
    action: str
    from_state: str
    to_state: str
    reason: str
    data: dict


def timeline_event(
    *,
    subject_type_id: int,
    subject_id: int,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> TimelineRow:
    """An unsaved system event, for bulk writers such as sweeps (`timeline_save`)."""
    return TimelineRow(
        subject_type_id, subject_id, action, str(from_state or ""), str(to_state or ""), reason, data or {}
    )


def timeline_save(rows: list[TimelineRow]) -> None:
    """Write the events in one statement (plain rows: a sweep writes thousands)."""
    insert_rows(TimelineEvent, TimelineRow._fields, rows)


def timeline_for(*subjects: models.Model) -> list[TimelineEvent]:
    """Every event of the given records, oldest first, with the actor. Each record's read is SQL built once
    (every record's page shows its timeline, and the ORM took as long to build the query as to run it)."""
    events = [
        event
        for subject in subjects
        for event in read_all_with_related(
            TimelineEvent,
            {"subject_type": ContentType.objects.get_for_model(subject).pk, "subject_id": subject.pk},
            ("actor",),
            order_by=("created_at", "id"),
        )
    ]
    if len(subjects) > 1:
        events.sort(key=lambda event: (event.created_at, event.pk))
    return events
