from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "keyaccounts.catalogue"
    label = "catalogue"
    verbose_name = _("Product catalogue")

    def ready(self) -> None:
        from keyaccounts.core import registry

        from . import selectors
        from .demo import seed_demo_elements, seed_demo_products
        from .models import Product

        selectors.connect()
        registry.register_seeders(registry.Seeder(10, seed_demo_products), registry.Seeder(20, seed_demo_elements))
        registry.register_configuration(_("Products"), "admin:catalogue_product_changelist", Product)
