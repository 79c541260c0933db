"""A user's row, city, roles, permissions and teams as plain data in the cache (`access:user:<pk>`): every page
needs them. Whatever changes them deletes the key of each user concerned (`connect`); a sign-in changes only
`last_login`, which is left out of the entry, and deletes nothing."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import models

from .caching import TIMEOUT, forget_on_change, forget_on_m2m_change, instance_of, values_of
from .models import City, Team

# Read when used: a sign-in writes it, and a user saved from a request saves only the fields it holds.
_NOT_KEPT = frozenset({"last_login"})


@dataclass(frozen=True)
class Access:
    """What a user may do, as their groups and permissions grant it (before Django's rules for inactive and
    superusers, which the backend applies)."""

    roles: frozenset[str]
    user_permissions: frozenset[str]
    group_permissions: frozenset[str]
    teams: tuple[Team, ...]


def user_key(pk) -> str:
    return f"access:user:{pk}"


def user_for(pk):
    """The user with their city and access, from one cache read once kept; None if there is no such user. Built
    afresh for each call, so what a request sets on its user reaches no other request."""
    data = _data(pk)
    if data is None:
        return None
    user = instance_of(get_user_model(), data["user"])
    if data["city"] is not None:
        user.city = instance_of(City, data["city"])
    user._access = _access(data)
    return user


def access_of(user) -> Access:
    """The user's roles, permissions and teams, kept on the user object for the rest of its life (a request)."""
    access = getattr(user, "_access", None)  # not `__dict__`: request.user is a lazy object around the user
    if access is None:
        data = _data(user.pk) if user.pk is not None else None
        access = user._access = _access(data) if data else Access(frozenset(), frozenset(), frozenset(), ())
    return access


def _data(pk) -> dict | None:
    key = user_key(pk)
    data = cache.get(key)
    if data is None:
        data = _read(pk)
        if data is not None:
            cache.set(key, data, TIMEOUT)
    return data


def _read(pk) -> dict | None:
    user = get_user_model()._default_manager.select_related("city").filter(pk=pk).first()
    if user is None:
        return None
    return {
        "user": values_of(user, leaving_out=_NOT_KEPT),
        "city": values_of(user.city) if user.city_id is not None else None,
        "roles": sorted(Group.objects.filter(user=pk).values_list("name", flat=True)),
        "user_permissions": _codes(Permission.objects.filter(user=pk)),
        "group_permissions": _codes(Permission.objects.filter(group__user=pk)),
        "teams": [values_of(team) for team in Team.objects.filter(members=pk)],
    }


def _codes(permissions) -> list[str]:
    return sorted(
        {f"{app}.{codename}" for app, codename in permissions.values_list("content_type__app_label", "codename")}
    )


def _access(data: dict) -> Access:
    return Access(
        roles=frozenset(data["roles"]),
        user_permissions=frozenset(data["user_permissions"]),
        group_permissions=frozenset(data["group_permissions"]),
        teams=tuple(instance_of(Team, values) for values in data["teams"]),
    )


# ---------------------------------------------------------------------------- keeping the entries true
def _keys(pks) -> list[str]:
    return [user_key(pk) for pk in pks]


def _of_user(user) -> list[str]:
    return [user_key(user.pk)]


def _of_city(city) -> list[str]:
    return _keys(get_user_model()._default_manager.filter(city=city.pk).values_list("pk", flat=True))


def _of_team(team) -> list[str]:
    return _keys(team.members.values_list("pk", flat=True))


def _of_group(group) -> list[str]:
    return _keys(group.user_set.values_list("pk", flat=True))


def _of_groups(group_pks) -> list[str]:
    users = get_user_model()._default_manager.filter(groups__in=list(group_pks))
    return _keys(users.values_list("pk", flat=True).distinct())


def _of_permission(permission) -> list[str]:
    users = get_user_model()._default_manager.filter(
        models.Q(user_permissions=permission.pk) | models.Q(groups__permissions=permission.pk)
    )
    return _keys(users.values_list("pk", flat=True).distinct())


def _of_user_link(field: str):
    """Keys of a change to one of the user's many-to-many fields, made from the user's side or the other."""

    def keys(instance, pk_set) -> list[str]:
        if isinstance(instance, get_user_model()):
            return _of_user(instance)
        if pk_set is not None:
            return _keys(pk_set)
        return _keys(get_user_model()._default_manager.filter(**{field: instance.pk}).values_list("pk", flat=True))

    keys.__qualname__ = f"of_user_{field}"
    return keys


def _of_group_permissions(instance, pk_set) -> list[str]:
    if isinstance(instance, Group):
        return _of_group(instance)
    return _of_groups(pk_set if pk_set is not None else instance.group_set.values_list("pk", flat=True))


def connect() -> None:
    user = get_user_model()
    forget_on_change(user, _of_user, ignored_fields=_NOT_KEPT)
    forget_on_change(City, _of_city, on_delete=False)  # a city with users is protected
    forget_on_change(Team, _of_team)
    forget_on_change(Group, _of_group)
    forget_on_change(Permission, _of_permission)
    for field in ("groups", "user_permissions", "teams"):
        forget_on_m2m_change(getattr(user, field).through, _of_user_link(field))
    forget_on_m2m_change(Group.permissions.through, _of_group_permissions)
