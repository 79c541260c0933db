"""What assurance does with EOMS: it applies its trouble ticket events, learns which tickets it accepted, and raises
the network incidents EOMS tells of. Registered with `keyaccounts.peers` from `AssuranceConfig.ready()`."""

from keyaccounts.peers import registry


def register() -> None:
    from .incidents import PROBLEM_EVENTS, PROBLEM_RESOURCE, problems_apply_events
    from .services import TICKET_EVENTS, TICKET_RESOURCE, tickets_apply_events, tickets_delivered

    registry.register_events(resource=TICKET_RESOURCE, event_types=TICKET_EVENTS, apply=tickets_apply_events)
    registry.register_delivered(resource=TICKET_RESOURCE, delivered=tickets_delivered)
    registry.register_events(resource=PROBLEM_RESOURCE, event_types=PROBLEM_EVENTS, apply=problems_apply_events)
