"""Reads for the shell pages: the organisation in the user's scope, the home page's figures."""

from django.db.models import Prefetch, Q, QuerySet

from . import generations
from .access import sees_all_cities, teams_of
from .models import City, SavedFilter, Team, User


def team_list_for(user) -> QuerySet[Team]:
    """Teams of the user's city plus the provincial teams; every team for provincial roles."""
    teams = Team.objects.select_related("city", "lead").prefetch_related(
        Prefetch("members", queryset=User.objects.filter(is_active=True).order_by("username"))
    )
    if sees_all_cities(user):
        return teams
    return teams.filter(Q(city_id=user.city_id) | Q(city__isnull=True)) if user.city_id else teams.none()


def city_list_for(user) -> QuerySet[City]:
    if sees_all_cities(user):
        return City.objects.all()
    return City.objects.filter(pk=user.city_id)


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
