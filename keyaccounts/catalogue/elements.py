"""A product's order-element definition as data: read in its order, kept as a snapshot, rebuilt from one."""

from decimal import Decimal

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
