"""What sla asks of the process apps without importing them: who opens and follows the trouble ticket of a
network-quality violation (assurance registers it from its `AppConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class QualityTickets:
    """The owner of the violations' tickets. Each is called in the collector's transaction, the service locked."""

    open: Callable[[Any], str]  # violation -> the reference of the fault ticket it opened (and sent to EOMS)
    restored: Callable[[Any], None]  # violation: the network meets the target again
    ended: Callable[[Any], None]  # violation: its service was terminated, nothing is left to restore


_quality_tickets: list[QualityTickets] = []


def register_quality_tickets(owner: QualityTickets) -> None:
    """One owner; registering the same again (a second `ready()`) changes nothing."""
    if _quality_tickets and _quality_tickets[0] != owner:
        raise RuntimeError("the network-quality violations' tickets have an owner already")
    _quality_tickets[:] = [owner]


def quality_tickets() -> QualityTickets | None:
    return _quality_tickets[0] if _quality_tickets else None
