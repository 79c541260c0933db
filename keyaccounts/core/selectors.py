"""Reads for the shell pages: the organisation in the user's scope."""

from django.db.models import Prefetch, Q, QuerySet

from .access import sees_all_cities
from .models import City, Team, User


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
