"""Reads of the inbox's own rows beside its entries (`inbox.py`): the saved filters a user may pick."""

from django.core.cache import cache

from keyaccounts.core.access import teams_of
from keyaccounts.core.caching import TIMEOUT, forget_on_change, instance_of, values_of
from keyaccounts.core.models import Team

from .models import SavedFilter


def own_key(user_pk) -> str:
    return f"inbox:saved-filters:{user_pk}"


def team_key(team_pk) -> str:
    return f"inbox:saved-filters:team:{team_pk}"


def saved_filters_for(user) -> list[SavedFilter]:
    """The user's own filters and those shared with one of their teams, each with the team it is shared with (the
    page names it), by name. Kept in the cache per owner and per team until a filter or its team changes (every
    inbox page lists them): one cache read once kept."""
    keys = {own_key(user.pk): {"owner": user.pk}, **{team_key(team.pk): {"team": team.pk} for team in teams_of(user)}}
    kept = cache.get_many(list(keys))
    missing = {key: _read(**keys[key]) for key in keys.keys() - kept.keys()}
    if missing:
        cache.set_many(missing, TIMEOUT)
    found = {}
    for rows in (*kept.values(), *missing.values()):
        for row in rows:
            if row["filter"]["id"] not in found:
                found[row["filter"]["id"]] = _saved_filter(row)
    return sorted(found.values(), key=lambda saved: saved.name)


def _read(**lookup) -> list[dict]:
    return [
        {"filter": values_of(saved), "team": values_of(saved.team) if saved.team_id else None}
        for saved in SavedFilter.objects.filter(**lookup).select_related("team")
    ]


def _saved_filter(row: dict) -> SavedFilter:
    saved = instance_of(SavedFilter, row["filter"])
    if row["team"] is not None:
        saved.team = instance_of(Team, row["team"])
    return saved


def _keys_of_filter(saved: SavedFilter) -> list[str]:
    return [own_key(saved.owner_id), *([team_key(saved.team_id)] if saved.team_id else [])]


def _keys_of_team(team: Team) -> list[str]:
    """The team's list, and its members' own lists of filters shared with it: both name the team."""
    owners = SavedFilter.objects.filter(team=team.pk).values_list("owner_id", flat=True).distinct()
    return [team_key(team.pk), *(own_key(owner) for owner in owners)]


def connect() -> None:
    forget_on_change(SavedFilter, _keys_of_filter, before_save=True)
    forget_on_change(Team, _keys_of_team, on_delete=False)  # a team's filters are deleted with it, keys and all
