from datetime import datetime

from django import template
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from keyaccounts.core import models as core_models
from keyaccounts.core import timeline
from keyaccounts.core.registry import step_name as _step_name

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return timeline.action_label(code)


@register.filter
def from_state(event) -> str:
    """The state a timeline line left, named as its action's states are."""
    return timeline.state_label(event.action, event.from_state)


@register.filter
def to_state(event) -> str:
    return timeline.state_label(event.action, event.to_state)


@register.filter
def line_template(action: str) -> str:
    return timeline.line_template(action)


@register.filter
def value_label(value, name: str) -> str:
    """A stored value of a set the apps named (`timeline.register_values`), as its label."""
    return timeline.value_label(name, value)


@register.filter
def moment(value) -> datetime | None:
    """A moment kept as ISO text in a line's data, as an aware datetime (the page shows it in its zone)."""
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value or ""))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


@register.filter
def named(code: str, model: str) -> str:
    """Reference data kept by its code in a line's data (`"core.City"`), by its name; a code since deleted stays."""
    found = apps.get_model(model)._default_manager.filter(code=code).first() if code else None
    return str(found) if found is not None else (code or "")


@register.filter
def person(username: str) -> str:
    """A person kept by username in a line's data, by their name."""
    found = get_user_model()._default_manager.filter(username=username).first() if username else None
    return (found.get_full_name() or found.username) if found is not None else (username or "")


@register.filter
def step_name(code: str) -> str:
    """An SLA step's name in the reader's language (`registry.step_name`): a dict lookup, cheap per row."""
    return _step_name(code) if code else ""


@register.filter
def hours_minutes(value) -> str:
    """A duration as people read it in their language: "3 h 05 min", "3 小时 05 分" (negative reads as overdue)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return sign + gettext("%(hours)d h %(minutes)02d min") % {"hours": seconds // 3600, "minutes": seconds % 3600 // 60}


@register.filter
def failed_fields(form) -> list:
    """The form's visible fields that failed validation, in the form's order (the summary at its top)."""
    return [field for field in form.visible_fields() if field.errors]


@register.filter
def hidden_errors(form) -> list:
    """Errors of hidden fields (a stale version): the person cannot see the field, so they read as the form's."""
    return [error for field in form.hidden_fields() for error in field.errors]


@register.filter
def amount(value) -> str:
    """A sum of money as both languages write it, grouped by thousands, two decimals: "120,001.00"."""
    return "" if value is None or value == "" else f"{value:,.2f}"


@register.filter
def reader_text(value) -> str:
    """A stored sentence in the reader's language (kept in each language, or typed by a person)."""
    return core_models.reader_text(value)
