from django import template

from ..selectors import messages_of

register = template.Library()


@register.simple_tag
def subject_messages(subject):
    """The messages sent about a record, for its page (`messaging/_subject_messages.html`)."""
    return list(messages_of(subject)) if subject is not None and subject.pk else []
