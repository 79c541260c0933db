"""A customer's fields as a timeline line names them: the field's label, and a value by its choice's label."""

from django import template
from django.core.exceptions import FieldDoesNotExist

from customers.models import Customer

register = template.Library()


def _field(name: str):
    try:
        return Customer._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@register.filter
def customer_field(name: str) -> str:
    field = _field(name)
    return str(field.verbose_name).capitalize() if field is not None else name


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.simple_tag
def customer_value(name: str, value) -> str:
    """The value as people read it: a choice by its label, nothing as a dash."""
    if value in (None, ""):
        return "—"
    field = _field(name)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return str(choices.get(value, value))
