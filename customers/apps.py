from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customer archiving")

    def ready(self) -> None:
        from keyaccounts.core.registry import register_process

        from .process import SPEC

        register_process(SPEC)
