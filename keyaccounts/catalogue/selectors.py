"""Reads of the catalogue: configuration everyone may see."""

from keyaccounts.core import generations

from .models import Product


def products_on_sale() -> list[Product]:
    """The active products with their names, as filters list them; kept by each web worker until the
    configuration changes (every inbox page offers them). Shared: not to be changed."""
    return generations.kept(
        generations.Kind.CONFIGURATION,
        "products on sale",
        lambda: list(Product.objects.filter(is_active=True).only("name_en", "name_zh")),
    )
