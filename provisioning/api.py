"""The listener lives in `keyaccounts.peers.api`; the schema hook keeps the path the settings name."""

from keyaccounts.peers.api import listener_schema  # noqa: F401
