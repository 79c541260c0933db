from django.contrib.auth.backends import ModelBackend

from . import signed_in
from .roles import load_access


class AccountBackend(ModelBackend):
    """Django's model backend giving each request its user with their city (every page shows it), roles,
    permissions and teams as the worker keeps them (`signed_in`); a user of no request reads their roles and
    permissions in one query (`load_access`) instead of three."""

    def get_user(self, user_id):
        user = signed_in.user_for(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        ordinary = obj is None and user_obj.is_active and not user_obj.is_anonymous and not user_obj.is_superuser
        if ordinary and not hasattr(user_obj, f"_{from_name}_perm_cache"):
            load_access(user_obj)
        return super()._get_permissions(user_obj, obj, from_name)
