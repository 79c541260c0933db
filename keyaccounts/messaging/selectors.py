"""Reads of messages and templates (a subject's page shows its messages: whoever sees the page sees them)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from keyaccounts.core.models import TimelineEvent

from .models import CommunicationMessage, MessageTemplate


def messages_of(subject: Model) -> QuerySet[CommunicationMessage]:
    """The messages sent about a record, oldest first, with their delivery reports."""
    return CommunicationMessage.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).prefetch_related("reports")


def templates_for(event: str) -> dict[tuple[str, str], MessageTemplate]:
    """The templates in use for a kind of message, by (channel, language)."""
    return {(t.channel, t.language): t for t in MessageTemplate.objects.filter(event=event, is_active=True)}


def has_timeline(subject: Model) -> bool:
    """Whether the record keeps a timeline (it has lines already: its creation wrote the first)."""
    return TimelineEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).exists()
