from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from customers.business import StoryPart, register_business, register_story
        from keyaccounts.core import registry

        from . import timeline  # noqa: F401 — registers the order actions' labels
        from .access import visible_billing_accounts, visible_orders
        from .models import OrderApprovalRule
        from .process import CANCELLATION_SPEC, SPEC

        registry.register_process(SPEC)
        registry.register_process(CANCELLATION_SPEC)
        registry.register_configuration(
            _("Order approval rules"), "admin:orders_orderapprovalrule_changelist", OrderApprovalRule
        )
        of_customer = lambda user, customer: visible_orders(user).filter(customer=customer)  # noqa: E731
        register_business(
            "orders", lambda user, customer: of_customer(user, customer).prefetch_related("items__product")
        )
        register_story(StoryPart(of_customer, lambda order: (f"{_('Order')} {order.number}", order.get_absolute_url())))
        register_business("billing_accounts", visible_billing_accounts)
