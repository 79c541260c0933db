from django.contrib.auth.backends import ModelBackend

from .user_access import access_of, user_for


class AccountBackend(ModelBackend):
    """Django's model backend, giving each request its user with their city and access from one cache read
    (`user_access`) and answering an ordinary user's permissions from that access."""

    def get_user(self, user_id):
        user = user_for(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None):
        if not _ordinary(user_obj, obj):
            return super().get_user_permissions(user_obj, obj)
        return set(access_of(user_obj).user_permissions)

    def get_group_permissions(self, user_obj, obj=None):
        if not _ordinary(user_obj, obj):
            return super().get_group_permissions(user_obj, obj)
        return set(access_of(user_obj).group_permissions)

    def get_all_permissions(self, user_obj, obj=None):
        if not _ordinary(user_obj, obj):
            return super().get_all_permissions(user_obj, obj)
        access = access_of(user_obj)
        return access.user_permissions | access.group_permissions


def _ordinary(user_obj, obj) -> bool:
    """Neither inactive (no permissions), a superuser (all of them) nor asking about an object: Django's rules
    and reads apply to those."""
    return obj is None and user_obj.is_active and not user_obj.is_anonymous and not user_obj.is_superuser
