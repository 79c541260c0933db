"""Who may see failed deliveries to the peers and send them again."""

from keyaccounts.core.access import sees_all_cities, served_city_ids
from keyaccounts.core.models import Team


def may_retry_deliveries(user) -> bool:
    """Administrators, and back-office staff of a provisioning-coordination team."""
    if not user.has_perm("peers.retry_delivery"):
        return False
    return sees_all_cities(user) or bool(served_city_ids(user, Team.Kind.PROVISIONING))
