from django.conf import settings

from .navigation import entries_for
from .notifications import unread_count
from .roles import Role, user_roles


def navigation(request):
    user = getattr(request, "user", None)  # absent on error pages raised before the auth middleware
    if user is None:
        return {"site_title": settings.SITE_TITLE}
    roles = user_roles(user)
    if not user.is_authenticated:
        return {"site_title": settings.SITE_TITLE}
    return {
        "unread_notifications": unread_count(user),
        "nav_entries": entries_for(user),
        "user_role_labels": [Role(code).label for code in sorted(roles) if code in Role.values],
        "site_title": settings.SITE_TITLE,
    }
