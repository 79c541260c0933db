"""What provisioning does with the peers: it applies their service order events and reads open work orders
back. Registered with `keyaccounts.peers` from `ProvisioningConfig.ready()`."""

from keyaccounts.peers import registry

SERVICE_ORDER_EVENTS = {
    "ServiceOrderStateChangeEvent",
    "ServiceOrderMilestoneEvent",
    "ServiceOrderJeopardyEvent",
    "ServiceOrderInformationRequiredEvent",
}
READ_BACK = "work-orders"


def register() -> None:
    from .services import SERVICE_ORDER, work_orders_apply_events, work_orders_reconcile

    registry.register_events(resource=SERVICE_ORDER, event_types=SERVICE_ORDER_EVENTS, apply=work_orders_apply_events)
    registry.register_read_back(READ_BACK, work_orders_reconcile)
