from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Business opportunities")

    def ready(self) -> None:
        from customers.business import StoryPart, register_business, register_story
        from keyaccounts.core.registry import register_process

        from .access import visible_opportunities
        from .peer_handlers import register
        from .process import SPEC

        register_process(SPEC)
        of_customer = lambda user, customer: visible_opportunities(user).filter(customer=customer)  # noqa: E731
        register_business(
            "opportunities", lambda user, customer: of_customer(user, customer).prefetch_related("products")
        )
        register_story(StoryPart(of_customer, lambda o: (f"{_('Opportunity')} {o.number}", o.get_absolute_url())))
        register()
