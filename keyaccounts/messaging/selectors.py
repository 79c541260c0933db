"""Reads of messages and templates (a subject's page shows its messages: whoever sees the page sees them)."""

import operator
from functools import reduce

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from keyaccounts.core.caching import forget_on_change, get_or_fill, instance_of, values_of
from keyaccounts.core.models import TimelineEvent

from .models import CommunicationMessage, MessageTemplate


def messages_of(subject: Model) -> QuerySet[CommunicationMessage]:
    """The messages sent about a record, oldest first, with their delivery reports."""
    return CommunicationMessage.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).prefetch_related("reports")


def _templates_key(event: str) -> str:
    return f"messaging:templates:{event}"


def templates_for(event: str) -> dict[tuple[str, str], MessageTemplate]:
    """The templates in use for a kind of message, by (channel, language); kept in the cache until a template of
    that kind changes (every ticket reported tells its customer)."""
    rows = get_or_fill(
        _templates_key(event),
        lambda: [values_of(t) for t in MessageTemplate.objects.filter(event=event, is_active=True)],
    )
    return {(t.channel, t.language): t for t in (instance_of(MessageTemplate, row) for row in rows)}


def _keys_of_template(template: MessageTemplate) -> list[str]:
    return [_templates_key(template.event)]


def connect() -> None:
    forget_on_change(MessageTemplate, _keys_of_template, before_save=True)


def subjects_with_timeline(subjects: list[Model]) -> set[tuple[int, int]]:
    """Which records keep a timeline (they have lines already: their creation wrote the first), as (content type,
    pk): one query for many records."""
    by_type: dict[int, set[int]] = {}
    for subject in subjects:
        by_type.setdefault(ContentType.objects.get_for_model(subject).pk, set()).add(subject.pk)
    if not by_type:
        return set()
    of_subjects = reduce(operator.or_, (Q(subject_type_id=kind, subject_id__in=pks) for kind, pks in by_type.items()))
    return set(TimelineEvent.objects.filter(of_subjects).values_list("subject_type_id", "subject_id").distinct())
