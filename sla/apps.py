from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from keyaccounts.core import registry
        from keyaccounts.core.roles import Role

        from . import demo, panels, selectors, services
        from .models import BusinessCalendar
        from .peer_handlers import register
        from .selectors import next_working_moment

        selectors.connect()
        registry.hooks.clocks_follow = services.sla_clocks_follow
        registry.hooks.next_working_moment = next_working_moment
        registry.register_seeders(
            registry.Seeder(30, demo.seed_demo_calendar),
            registry.Seeder(31, demo.seed_demo_around_the_clock),
            registry.Seeder(40, demo.seed_demo_policies),
            registry.Seeder(45, demo.seed_demo_quality_targets),
            # After the processes: the history hangs on their customers.
            registry.Seeder(90, demo.seed_demo_history, business=True),
        )
        registry.register_panels(
            *(
                registry.HomePanel(role, 40, panels.sla_overview)
                for role in (Role.CITY_SUPERVISOR, Role.PROVINCIAL_SUPERVISOR)
            )
        )
        registry.register_configuration(
            _("Business calendars"), "admin:sla_businesscalendar_changelist", BusinessCalendar
        )
        register()
