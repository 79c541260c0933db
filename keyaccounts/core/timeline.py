"""The audit timeline shared by customers, opportunities, orders and work orders.

Each app registers the labels of its actions (a TextChoices) so that the timeline shows them
translated; the stored `action` is the stable code.
"""

from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bulk import insert_row, insert_rows
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
    """Write one audit line; call it inside the transaction that made the change. A plain INSERT: most steps
    write one or two, and the ORM's `create()` took longer to build the row than the database to store it."""
    insert_row(
        TimelineEvent,
        subject_type_id=ContentType.objects.get_for_model(subject).pk,
        subject_id=subject.pk,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        action=action,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason,
        data=data or {},
    )


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
