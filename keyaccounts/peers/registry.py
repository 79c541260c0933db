"""What the apps do with what the peers tell them, registered from their `AppConfig.ready()`.

The peers app knows no process app: it stores a peer's event, then hands it to the handler registered for its
event type (e.g. provisioning's for service orders); it reads the peers' truth back by running the read-backs
the apps registered (open work orders, surveys, quality tickets).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class EventHandler:
    """Applies a batch of stored events about one TMF resource (e.g. serviceOrder): called with the events
    locked, in arrival order, inside the transaction that marks them applied; sets each event's `outcome`."""

    resource: str
    event_types: frozenset[str]
    apply: Callable[..., None]  # apply(*, events: list[InboundEvent])


_handlers: dict[str, EventHandler] = {}  # by event type
_read_backs: dict[str, Callable[[], int]] = {}
_on_delivered: dict[str, Callable[..., None]] = {}  # by resource


def register_events(*, resource: str, event_types: set[str] | frozenset[str], apply: Callable[..., None]) -> None:
    """`apply(events=[...])` receives every stored event of these types; `event.<resource>.externalId` is
    required of them when they arrive."""
    handler = EventHandler(resource=resource, event_types=frozenset(event_types), apply=apply)
    for event_type in handler.event_types:
        known = _handlers.get(event_type)
        if known is not None and known != handler:
            raise ValueError(f"{event_type} is handled already (for {known.resource})")
        _handlers[event_type] = handler


def event_handler(event_type: str) -> EventHandler | None:
    return _handlers.get(event_type)


def event_types() -> list[str]:
    return sorted(_handlers)


def resources() -> list[str]:
    return sorted({handler.resource for handler in _handlers.values()})


def register_read_back(name: str, read_back: Callable[[], int]) -> None:
    """A read-back beat runs by `name` (`keyaccounts.peers.tasks.read_back_task`): reads the peers' truth for what is still
    open and applies what changed; returns how many changed."""
    known = _read_backs.get(name)
    if known is not None and known is not read_back:
        raise ValueError(f"a read-back named {name} is registered already")
    _read_backs[name] = read_back


def read_back(name: str) -> int:
    return _read_backs[name]()


def read_back_names() -> list[str]:
    return sorted(_read_backs)


def register_delivered(*, resource: str, delivered: Callable[..., None]) -> None:
    """`delivered(external_ids=[...], at=...)` learns which of our creations of this resource a peer has accepted,
    inside the transaction that records their delivery (e.g. a ticket's dispatch is then done)."""
    known = _on_delivered.get(resource)
    if known is not None and known is not delivered:
        raise ValueError(f"deliveries of {resource} are followed already")
    _on_delivered[resource] = delivered


def delivered_handler(resource: str) -> Callable[..., None] | None:
    return _on_delivered.get(resource)
