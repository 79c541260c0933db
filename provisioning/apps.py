from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    verbose_name = _("Service launch")

    def ready(self) -> None:
        from customers.business import StoryPart, register_story
        from keyaccounts.core.registry import register_page_access, register_process
        from orders.access import visible_orders
        from orders.fulfilment import register_fulfilment

        from .access import has_an_inbox
        from .models import Launch
        from .peer_handlers import register
        from .process import FULFILMENT, SPEC

        register_page_access("inbox", has_an_inbox)  # a partner's filters are the portal's
        register_process(SPEC)
        register_fulfilment(FULFILMENT)
        # A launch's own lines (its steps' time limits); its work orders' are kept on the order.
        register_story(
            StoryPart(
                lambda user, customer: Launch.objects.filter(
                    order__in=visible_orders(user).filter(customer=customer)
                ).select_related("order"),
                lambda launch: (f"{_('Service launch')} {launch.order.number}", launch.order.get_absolute_url()),
            )
        )
        register()
