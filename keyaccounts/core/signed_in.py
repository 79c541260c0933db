"""The signed-in user of a request with their city, roles, permissions and teams, kept by each web worker for
as long as `AccessGeneration`'s token stays: every page needs them, and reading them was three queries a
request. Whatever changes them moves the token in the change's own transaction (the receivers below), so the
next request in every worker reads them afresh; a request itself reads only the token."""

import copy
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

from .access import teams_of
from .models import AccessGeneration, City, Team
from .roles import load_access

KEPT_USERS = 2048  # per worker; the longest kept goes first
_kept: dict[int, tuple[int, object]] = {}


def user_for(pk: int):
    """The user with their city, roles, permissions and teams read, or None. Each request gets its own copy
    of the user, so what a request sets on it (an unsaved form's values) reaches no other request."""
    token = _token()  # first: a change committed after this read moves the token, so nothing older is kept
    kept = _kept.get(pk)
    if kept is None or kept[0] != token:
        user = get_user_model()._default_manager.select_related("city").filter(pk=pk).first()
        if user is None:
            return None
        load_access(user)
        user.get_all_permissions()  # kept on the user, as Django's backend keeps them for a request
        teams_of(user)
        if len(_kept) >= KEPT_USERS:
            _kept.pop(next(iter(_kept), None), None)  # (another thread may have taken it)
        kept = _kept[pk] = (token, user)
    return copy.copy(kept[1])


def _token() -> int:
    table = connection.ops.quote_name(AccessGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = 1")  # noqa: S608 (the table's name from the model)
        row = cursor.fetchone()
    return _first_token(secrets.randbits(62)) if row is None else row[0]


def _first_token(token: int) -> int:
    """The row of a new or flushed database, holding `token` unless another process has just written it."""
    return AccessGeneration.objects.get_or_create(pk=1, defaults={"token": token})[0].token


def access_changed(*, action: str = "post_", **kwargs) -> None:
    """Move the token (a receiver of the model signals below; an m2m change counts once it is done)."""
    if not action.startswith("post_"):
        return
    token = secrets.randbits(62)
    if not AccessGeneration.objects.filter(pk=1).update(token=token):
        _first_token(token)


def connect() -> None:
    user = get_user_model()
    for model in (user, Team, City, Group, Permission):
        post_save.connect(access_changed, sender=model, dispatch_uid=f"access_changed_save_{model._meta.label}")
        post_delete.connect(access_changed, sender=model, dispatch_uid=f"access_changed_delete_{model._meta.label}")
    for through in (user.groups.through, user.user_permissions.through, user.teams.through, Group.permissions.through):
        m2m_changed.connect(access_changed, sender=through, dispatch_uid=f"access_changed_m2m_{through._meta.label}")
