from django import template

from keyaccounts.core.timeline import action_label as _action_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return _action_label(code)


@register.filter
def hours_minutes(value) -> str:
    """A duration as people read it: "3 h 05 min" (negative durations read as overdue)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600} h {seconds % 3600 // 60:02d} min"
