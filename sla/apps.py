from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from keyaccounts.core import generations

        from .models import BusinessCalendar, Holiday, WorkingWindow
        from .peer_handlers import register

        generations.moves_with(generations.Kind.CONFIGURATION, BusinessCalendar, WorkingWindow, Holiday)
        register()
