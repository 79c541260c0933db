"""What messaging does with the gateway: it applies its delivery reports. Registered with `keyaccounts.peers`
from `MessagingConfig.ready()`."""

from keyaccounts.peers import registry


def register() -> None:
    from .services import MESSAGE_RESOURCE, REPORT_EVENTS, messages_apply_reports

    registry.register_events(resource=MESSAGE_RESOURCE, event_types=REPORT_EVENTS, apply=messages_apply_reports)
