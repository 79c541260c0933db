"""What opportunities asks of the peers: EOMS's survey answers are read back. Registered with
`keyaccounts.peers` from `OpportunitiesConfig.ready()`."""

from keyaccounts.peers import registry

READ_BACK = "surveys"


def register() -> None:
    from .services import surveys_reconcile

    registry.register_read_back(READ_BACK, surveys_reconcile)
