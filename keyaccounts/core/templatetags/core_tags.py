from django import template

from keyaccounts.core.timeline import action_label as _action_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return _action_label(code)
