"""Reads of the catalogue: configuration everyone may see."""

from keyaccounts.core.caching import forget_on_change, get_or_fill, instance_of

from .models import Product

PRODUCTS_ON_SALE = "catalogue:products-on-sale"


def products_on_sale() -> list[Product]:
    """The active products with their names, as filters list them; kept in the cache until a product changes
    (every inbox page offers them)."""
    rows = get_or_fill(
        PRODUCTS_ON_SALE, lambda: list(Product.objects.filter(is_active=True).values("id", "name_en", "name_zh"))
    )
    return [instance_of(Product, row) for row in rows]


def _keys_of_product(product: Product) -> list[str]:
    return [PRODUCTS_ON_SALE]


def connect() -> None:
    forget_on_change(Product, _keys_of_product)
