from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssuranceConfig(AppConfig):
    name = "assurance"
    verbose_name = _("Assurance")

    def ready(self) -> None:
        from customers.business import register_business
        from keyaccounts.core import registry
        from sla.registry import QualityTickets, register_quality_tickets

        from . import timeline  # noqa: F401 — registers the ticket actions' labels
        from .peer_handlers import register
        from .process import FOLLOW_UP_SPEC, SPEC
        from .selectors import open_tickets_of
        from .services import quality_ticket_ended, quality_ticket_open, quality_ticket_restored

        registry.register_process(SPEC)
        registry.register_process(FOLLOW_UP_SPEC)
        register_quality_tickets(QualityTickets(quality_ticket_open, quality_ticket_restored, quality_ticket_ended))
        register_business("tickets", open_tickets_of)
        register()
        from .incident_views import may_see_incidents

        registry.register_page_access("assurance:incidents", may_see_incidents)

        # Planned work, availability and SLA credits: the customer page's credits section, the demo's data.
        from .availability import credits_of
        from .demo import seed_demo_planned_configuration, seed_demo_planned_work

        register_business("sla_credits", credits_of)
        registry.register_seeders(
            registry.Seeder(52, seed_demo_planned_configuration),
            registry.Seeder(95, seed_demo_planned_work, business=True),
        )
