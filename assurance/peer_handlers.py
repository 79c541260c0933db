"""What assurance does with EOMS: it applies its trouble ticket events. Registered with `keyaccounts.peers` from
`AssuranceConfig.ready()`."""

from keyaccounts.peers import registry


def register() -> None:
    from .services import TICKET_EVENTS, TICKET_RESOURCE, tickets_apply_events

    registry.register_events(resource=TICKET_RESOURCE, event_types=TICKET_EVENTS, apply=tickets_apply_events)
