from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeersConfig(AppConfig):
    name = "keyaccounts.peers"
    label = "peers"
    verbose_name = _("Peers (EOMS, SI)")
