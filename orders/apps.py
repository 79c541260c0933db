from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders and products")

    def ready(self) -> None:
        from keyaccounts.core import generations, registry

        from . import timeline  # noqa: F401 — registers the order actions' labels
        from .models import Product
        from .process import SPEC

        generations.moves_with(generations.Kind.CONFIGURATION, Product)  # the filters' product list
        registry.register_process(SPEC)
        registry.register_configuration(_("Products"), "admin:orders_product_changelist", Product)
