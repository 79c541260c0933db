from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "keyaccounts.messaging"
    label = "messaging"
    verbose_name = _("Messages to customers")

    def ready(self) -> None:
        from keyaccounts.core import registry

        from . import (
            selectors,
            timeline,  # noqa: F401 — registers the message lines' labels
        )
        from .demo import seed_demo_templates
        from .models import MessageTemplate
        from .peer_handlers import register

        registry.register_seeders(registry.Seeder(47, seed_demo_templates))
        registry.register_configuration(
            _("Message templates"), "admin:messaging_messagetemplate_changelist", MessageTemplate
        )
        register()
        selectors.connect()
