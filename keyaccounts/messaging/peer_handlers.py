"""What messaging does with the gateway: it applies its delivery reports, and reads back the truth of messages
whose report was lost. Registered with `keyaccounts.peers` from `MessagingConfig.ready()`."""

from keyaccounts.peers import registry


def register() -> None:
    from .services import MESSAGE_RESOURCE, READ_BACK, REPORT_EVENTS, messages_apply_reports, messages_reconcile

    registry.register_events(resource=MESSAGE_RESOURCE, event_types=REPORT_EVENTS, apply=messages_apply_reports)
    registry.register_read_back(READ_BACK, messages_reconcile)
