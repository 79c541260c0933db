from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "keyaccounts.catalogue"
    label = "catalogue"
    verbose_name = _("Product catalogue")

    def ready(self) -> None:
        from keyaccounts.core import generations

        from .models import Product

        generations.moves_with(generations.Kind.CONFIGURATION, Product)  # the filters' product list
