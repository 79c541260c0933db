"""Who fulfils a transferred order. Service launch registers itself here from its `AppConfig.ready()`, so orders
hands an order over without importing the app above it; the hand-offs back come through `orders.services`."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fulfilment:
    start: Callable  # (*, order, items) -> None: a transferred order's items go to their handlers
    withdraw_item: Callable  # (item) -> None: a cancelled order's open work on the item is withdrawn
    cancel: Callable  # (order) -> None: a cancelled order's fulfilment that has not begun is cancelled
    may_act: Callable  # (user, task, order) -> bool: whether the user may complete a fulfilment step
    questions: Callable  # (items) -> the peers' open questions about the items, oldest first


_fulfilment: Fulfilment | None = None


def register_fulfilment(fulfilment: Fulfilment) -> None:
    global _fulfilment  # filled once at start-up, like the process registry
    _fulfilment = fulfilment


def fulfilment() -> Fulfilment:
    if _fulfilment is None:
        raise LookupError("no app fulfils orders: is provisioning installed?")
    return _fulfilment
