"""A web worker keeps each signed-in user's city, roles, permissions and teams between requests: whatever
changes them takes effect on the next request, and a request reads only the token that says so."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keyaccounts.core import signed_in
from keyaccounts.core.access import teams_of
from keyaccounts.core.roles import Role, sync_role_groups
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_a_kept_user_costs_a_request_one_small_read(user_in_role):
    team = TeamFactory()
    user = user_in_role(Role.BACK_OFFICE, teams=[team])
    signed_in.user_for(user.pk)
    with CaptureQueriesContext(connection) as queries:
        kept = signed_in.user_for(user.pk)
        assert kept.has_perm("orders.view_order")
        assert teams_of(kept) == [team]
        assert kept.city.name_en == user.city.name_en
    assert len(queries) == 1


def test_losing_a_role_closes_its_pages_on_the_next_request(client, user_in_role):
    supervisor = user_in_role(Role.CITY_SUPERVISOR)
    client.force_login(supervisor)
    assert client.get(reverse("organisation")).status_code == 200

    supervisor.groups.clear()

    assert client.get(reverse("organisation")).status_code == 403


def test_a_roles_permissions_taken_away_apply_to_its_members_at_once(client, user_in_role):
    supervisor = user_in_role(Role.CITY_SUPERVISOR)
    client.force_login(supervisor)
    assert client.get(reverse("organisation")).status_code == 200

    role = Group.objects.get(name=str(Role.CITY_SUPERVISOR))
    role.permissions.remove(Permission.objects.get(codename="view_organisation"))
    try:
        assert client.get(reverse("organisation")).status_code == 403
    finally:
        sync_role_groups()


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, user_in_role):
    user = user_in_role(Role.BACK_OFFICE)
    client.force_login(user)
    assert client.get(reverse("inbox")).status_code == 200

    user.is_active = False
    user.save()

    assert client.get(reverse("inbox"))["Location"].startswith(reverse("login"))


def test_team_and_city_changes_reach_the_kept_user(user_in_role, other_city):
    user = user_in_role(Role.BACK_OFFICE)
    team = TeamFactory(city=user.city)
    assert team not in teams_of(signed_in.user_for(user.pk))

    user.teams.add(team)  # from the user's side
    assert team in teams_of(signed_in.user_for(user.pk))
    team.members.remove(user)  # from the team's side
    assert team not in teams_of(signed_in.user_for(user.pk))

    user.city.name_en = "Renamed"
    user.city.save()
    assert signed_in.user_for(user.pk).city.name_en == "Renamed"
    user.city = other_city
    user.save()
    assert signed_in.user_for(user.pk).city == other_city


def test_what_a_request_sets_on_its_user_stays_in_that_request(user_in_role):
    user = user_in_role(Role.BACK_OFFICE)
    first = signed_in.user_for(user.pk)
    first.first_name = "Typed but never saved"

    assert signed_in.user_for(user.pk).first_name == user.first_name
