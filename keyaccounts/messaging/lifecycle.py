"""A message's state (TMF681): the only place it changes. Only the reports of its current attempt move it, and a
delivered or failed message stays so, so a late or repeated report never undoes a newer state."""

from .models import CommunicationMessage

State = CommunicationMessage.State
FINAL = frozenset({State.COMPLETED, State.FAILED, State.CANCELLED})
ALLOWED = {
    (State.INITIAL, State.IN_PROGRESS),  # the gateway took it
    (State.INITIAL, State.COMPLETED),  # its "taken" report may come late, or be lost
    (State.IN_PROGRESS, State.COMPLETED),
    (State.INITIAL, State.FAILED),
    (State.IN_PROGRESS, State.FAILED),
    (State.IN_PROGRESS, State.INITIAL),  # not delivered: sent again (a new attempt)
    (State.INITIAL, State.CANCELLED),
}


def message_may_move(message: CommunicationMessage, to: str, *, attempt: int) -> bool:
    return attempt == message.attempts and (message.state, to) in ALLOWED


def message_move(message: CommunicationMessage, to: str) -> None:
    """Change the state in memory; the caller saves its batch of messages together."""
    if (message.state, to) not in ALLOWED:
        raise ValueError(f"{message.reference}: {message.state} → {to} is not allowed")
    message.state = to


def messages_save(messages) -> None:
    """Save a batch of messages moved by `message_move`, with what their reports changed beside the state."""
    CommunicationMessage.objects.bulk_update(list(messages), ["state", "attempts", "last_error", "completed_at"])
