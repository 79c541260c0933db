"""Reads of the inbox's own rows beside its entries (`inbox.py`): the saved filters a user may pick."""

from django.db.models import Q

from keyaccounts.core import generations
from keyaccounts.core.access import teams_of

from .models import SavedFilter


def saved_filters_for(user) -> list[SavedFilter]:
    """The user's own filters and those shared with one of their teams (the teams the request has read), each
    with the team it is shared with (the page names it). Kept by each web worker until a filter or a team
    changes (every inbox page lists them). Shared: not to be changed."""
    teams = tuple(team.pk for team in teams_of(user))
    return generations.kept(
        generations.Kind.SAVED_FILTERS,
        ("saved filters", user.pk, teams),
        lambda: list(SavedFilter.objects.filter(Q(owner=user) | Q(team__in=teams)).select_related("team")),
    )
