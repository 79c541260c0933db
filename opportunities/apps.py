from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Business opportunities")

    def ready(self) -> None:
        from customers.business import register_business
        from keyaccounts.core.registry import register_process

        from .access import visible_opportunities
        from .peer_handlers import register
        from .process import SPEC

        register_process(SPEC)
        register_business("opportunities", lambda user, customer: visible_opportunities(user).filter(customer=customer))
        register()
