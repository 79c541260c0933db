from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    verbose_name = _("Service launch")

    def ready(self) -> None:
        from keyaccounts.core.registry import register_page_access, register_process
        from orders.fulfilment import register_fulfilment

        from .access import has_an_inbox
        from .peer_handlers import register
        from .process import FULFILMENT, SPEC

        register_page_access("inbox", has_an_inbox)  # a partner's filters are the portal's
        register_process(SPEC)
        register_fulfilment(FULFILMENT)
        register()
