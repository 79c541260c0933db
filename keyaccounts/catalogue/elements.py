"""A product's order-element definition as data: read in its order, kept as a snapshot, rebuilt from one."""

import functools
from decimal import Decimal

from keyaccounts.core.reads import columns_of, rows_as, sql_names

from .models import Product, ProductElement

SNAPSHOT_FIELDS = (
    "category",
    "code",
    "label_en",
    "label_zh",
    "type",
    "required",
    "choices",
    "min_value",
    "max_value",
    "pattern",
    "help_text",
    "sort_order",
)


@functools.cache
def _elements_sql() -> str:
    """A product's elements in their order. Plain SQL: every submission reads them for each item, and the ORM
    took longer to build the query (joining the product for its ordering) than the database to run it."""
    e = sql_names(ProductElement)
    return (
        f"SELECT {columns_of(ProductElement)} FROM {e} WHERE {e.product} = %s"  # noqa: S608 (names from the model)
        f" ORDER BY {e.category}, {e.sort_order}, {e.pk}"
    )


def definition_snapshot(product: Product) -> list[dict]:
    """The product's element definition as data, kept on an order item so later edits do not touch it."""

    def as_json(value):
        return str(value) if isinstance(value, Decimal) else value

    elements = rows_as(ProductElement, _elements_sql(), [product.pk])
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
