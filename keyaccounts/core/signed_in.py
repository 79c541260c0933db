"""The signed-in user of a request with their city, roles, permissions and teams, kept by each web worker while
the access token stays (`keyaccounts.core.generations`): every page needs them, and reading them was three
queries a request. Whatever changes them moves the token in the change's own transaction (the models connected
below), so the next request in every worker reads them afresh."""

import copy

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from . import generations
from .access import teams_of
from .models import City, Team
from .roles import load_access


def user_for(pk: int):
    """The user with their city, roles, permissions and teams read, or None. Each request gets its own copy
    of the user, so what a request sets on it (an unsaved form's values) reaches no other request."""
    user = generations.kept(generations.Kind.ACCESS, ("user", pk), lambda: _read(pk))
    return None if user is None else copy.copy(user)


def _read(pk: int):
    user = get_user_model()._default_manager.select_related("city").filter(pk=pk).first()
    if user is not None:
        load_access(user)
        user.get_all_permissions()  # kept on the user, as Django's backend keeps them for a request
        teams_of(user)
    return user


def connect() -> None:
    user = get_user_model()
    generations.moves_with(
        generations.Kind.ACCESS,
        user,
        Team,
        City,
        Group,
        Permission,
        through=(user.groups.through, user.user_permissions.through, user.teams.through, Group.permissions.through),
    )
