from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeersConfig(AppConfig):
    name = "keyaccounts.peers"
    label = "peers"
    verbose_name = _("Peers (EOMS, SI)")

    def ready(self):
        from keyaccounts.core.registry import register_page_access

        from .access import may_retry_deliveries

        register_page_access("provisioning:dead_letters", may_retry_deliveries)
