from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "keyaccounts.core"
    label = "core"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import roles, user_access

        # Role groups are configuration that must exist on every database, demo data or not.
        post_migrate.connect(roles.sync_after_migrate, sender=self)
        user_access.connect()
