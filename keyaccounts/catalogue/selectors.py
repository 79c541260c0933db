"""Reads of the catalogue: configuration everyone may see, and the services whose billing is due."""

import datetime as dt

from django.db.models import QuerySet

from keyaccounts.core.caching import forget_on_change, get_or_fill, instance_of
from keyaccounts.core.models import in_reader_language

from .models import Product, Service

PRODUCTS_ON_SALE = "catalogue:products-on-sale"
PRODUCT_NAMES = "catalogue:product-names"


def products_on_sale() -> list[Product]:
    """The active products with their names, as filters list them; kept in the cache until a product changes
    (every inbox page offers them)."""
    rows = get_or_fill(
        PRODUCTS_ON_SALE, lambda: list(Product.objects.filter(is_active=True).values("id", "name_en", "name_zh"))
    )
    return [instance_of(Product, row) for row in rows]


def product_name(code: str) -> str:
    """A product kept by its code (in a timeline line's data) by its name in the reader's language; every
    product's names are kept in the cache together, so a page of lines reads them once at most."""
    names = get_or_fill(PRODUCT_NAMES, lambda: {p.code: (p.name_en, p.name_zh) for p in Product.objects.all()})
    return in_reader_language(*names[code]) if code in names else code


def services_billing_due(*, today: dt.date) -> QuerySet[Service]:
    """Running services whose billing day has come and whose billing has not started, the oldest day first."""
    return Service.objects.filter(
        status=Service.Status.ACTIVE, billing_started_at=None, billing_starts_on__lte=today
    ).order_by("billing_starts_on", "pk")


def _keys_of_product(product: Product) -> list[str]:
    return [PRODUCTS_ON_SALE, PRODUCT_NAMES]


def connect() -> None:
    forget_on_change(Product, _keys_of_product)
