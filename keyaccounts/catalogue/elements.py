"""A product's order-element definition as data: read in its order, kept as a snapshot, rebuilt from one."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from .models import ElementCategory, Product, ProductElement

SNAPSHOT_FIELDS = (
    "category",
    "code",
    "label_en",
    "label_zh",
    "type",
    "required",
    "choices",
    "unit_en",
    "unit_zh",
    "min_value",
    "max_value",
    "pattern",
    "help_text",
    "sort_order",
)


def definition_snapshot(product: Product) -> list[dict]:
    """The product's element definition as data, kept on an order item so later edits do not touch it."""

    def as_json(value):
        return str(value) if isinstance(value, Decimal) else value

    # Ordered by its own columns: the model's default ordering joins the product.
    elements = ProductElement.objects.filter(product_id=product.pk).order_by("category", "sort_order", "pk")
    return [{name: as_json(getattr(e, name)) for name in SNAPSHOT_FIELDS} for e in elements]


def definition_elements(product: Product, snapshot: list[dict] | None = None) -> list[ProductElement]:
    """The elements a product requires: its current definition, or the one a snapshot kept (unsaved rows)."""
    if snapshot is None:
        return list(product.elements.select_related("product").all())

    def bound(value):
        return None if value is None else Decimal(value)

    return [
        ProductElement(
            product=product,
            **{**values, "min_value": bound(values["min_value"]), "max_value": bound(values["max_value"])},
        )
        for values in snapshot
    ]


@dataclass(frozen=True)
class ElementRow:
    """One element as a page shows it: its label, its value as people read it (None: not given), its unit."""

    label: str
    value: object
    unit: str


def _shown(element: ProductElement, value):
    """A stored value as people read it: a choice by its name, yes or no, a date, a number."""
    if value in (None, ""):
        return None
    kind = ProductElement.Type
    try:
        if element.type == kind.CHOICE:
            return dict(element.choice_options()).get(value, value)
        if element.type == kind.BOOLEAN:
            return gettext("Yes") if value else gettext("No")
        if element.type == kind.DATE:
            return datetime.date.fromisoformat(value)
        if element.type in (kind.INTEGER, kind.DECIMAL):
            return Decimal(str(value))
    except (ValueError, InvalidOperation):  # a value kept before its definition changed: shown as it was
        pass
    return value


def element_groups(product: Product, values: dict, definition: list[dict] | None = None) -> list[tuple]:
    """The product's elements with their values, by the five categories in order: [(category name, [rows])]."""
    elements = definition_elements(product, definition or None)
    groups = []
    for category, name in ElementCategory.choices:
        rows = [ElementRow(e.label, _shown(e, values.get(e.code)), e.unit) for e in elements if e.category == category]
        if rows:
            groups.append((name, rows))
    return groups
