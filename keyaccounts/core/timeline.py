"""The audit timeline shared by customers, opportunities, orders and work orders.

Each app registers the labels of its actions (a TextChoices) so that the timeline shows them
translated, the states its lines move between, and a small template per kind of line that writes the
line's data as labelled fields; the stored `action`, states and data keep the stable codes.
"""

import operator
from functools import reduce
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .fastpath import insert_plain_rows
from .models import TimelineEvent

_ACTION_LABELS: dict[str, str] = {}
_ACTION_STATES: dict[str, dict] = {}  # action -> {state: label} of the states its lines move between
_LINE_TEMPLATES: dict[str, str] = {}  # action -> the template that writes its line's data
_VALUE_LABELS: dict[str, dict] = {}  # a named set of stored values -> {value: label}, for the line templates


def register_actions(
    choices: type[models.TextChoices],
    *,
    states: type[models.TextChoices] | None = None,
    templates: dict[str, str] | None = None,
) -> None:
    """Name the actions; `states`: the states their lines' from/to columns hold; `templates`: the template of each
    action whose line carries data (given `data`, the line's data, and `event`)."""
    for member in choices:
        _ACTION_LABELS[member.value] = member.label
        if states is not None:
            _ACTION_STATES[member.value] = dict(states.choices)
    _LINE_TEMPLATES.update(templates or {})


def register_values(name: str, choices: type[models.TextChoices]) -> None:
    """Name a set of stored values (`orders.item_state`) so that line templates show their labels."""
    _VALUE_LABELS[name] = dict(choices.choices)


def value_label(name: str, value) -> str:
    return str(_VALUE_LABELS.get(name, {}).get(value, value))


def state_label(action: str, state: str) -> str:
    """The state's name as the action's lines use it (an opportunity's `accepted` is won, a work order's is not)."""
    return str(_ACTION_STATES.get(action, {}).get(state, state))


def line_template(action: str) -> str:
    """The template that writes the action's data, or "" for an action whose line is its label alone."""
    return _LINE_TEMPLATES.get(action, "")


class CoreAction(models.TextChoices):
    COMMENT = "comment", _("Comment")


register_actions(CoreAction)


def action_label(code: str) -> str:
    return str(_ACTION_LABELS.get(code, code))


def _event(subject: models.Model, *, action: str, actor, from_state, to_state, reason: str, data) -> TimelineEvent:
    return TimelineEvent(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason,
        data=data or {},
    )


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
    """Write one audit line; call it inside the transaction that made the change, so that it is undone with it."""
    line = _event(
        subject, action=action, actor=actor, from_state=from_state, to_state=to_state, reason=reason, data=data
    )
    line.save(force_insert=True)


def timeline_record_on(
    *,
    subjects: list[models.Model],
    action: str,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> None:
    """The same audit line on each of `subjects` (a ticket's and its customer's timelines), in one statement."""
    TimelineEvent.objects.bulk_create(
        _event(s, action=action, actor=actor, from_state=from_state, to_state=to_state, reason=reason, data=data)
        for s in subjects
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
    insert_plain_rows(TimelineEvent, TimelineRow._fields, rows)


def timeline_for(*subjects: models.Model) -> list[TimelineEvent]:
    """Every event of the given records, oldest first, with the actor."""
    if not subjects:
        return []
    of_subjects = reduce(
        operator.or_,
        (Q(subject_type=ContentType.objects.get_for_model(s), subject_id=s.pk) for s in subjects),
    )
    return list(TimelineEvent.objects.filter(of_subjects).select_related("actor").order_by("created_at", "id"))
