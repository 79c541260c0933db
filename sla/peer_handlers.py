"""What sla asks of the peers: the quality work orders EOMS has not finished are read back. Registered with
`keyaccounts.peers` from `SlaConfig.ready()`."""

from keyaccounts.peers import registry

from .quality import quality_tickets_reconcile

READ_BACK = "quality-tickets"


def register() -> None:
    registry.register_read_back(READ_BACK, quality_tickets_reconcile)
