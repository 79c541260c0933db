from django import template

from keyaccounts.catalogue import selectors
from keyaccounts.catalogue.elements import element_groups

register = template.Library()


@register.filter
def product_name(code: str) -> str:
    return selectors.product_name(code)


@register.inclusion_tag("includes/order_elements.html")
def order_elements(product, values: dict, definition: list | None = None) -> dict:
    """An item's or a service's order elements as a labelled table by category (its kept definition, if any)."""
    return {"groups": element_groups(product, values or {}, definition)}
