"""Each signed-in user's city, roles, permissions and teams are kept in the cache under the user's key: a page
reads them with no query once kept, whatever changes them is seen by the next read, and a sign-in deletes no
key."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keyaccounts.core.access import teams_of
from keyaccounts.core.models import City, Team
from keyaccounts.core.roles import Role, sync_role_groups, user_roles
from keyaccounts.core.user_access import user_for, user_key
from tests.factories import PASSWORD, TeamFactory

pytestmark = pytest.mark.django_db

ACCESS_READS = tuple(
    f'FROM "{table}"' for table in ("core_user", "auth_group", "auth_permission", "core_team", "core_city")
)


def may_view_orders(user) -> bool:
    return user_for(user.pk).has_perm("orders.view_order")


def team_names(user) -> list[str]:
    return [team.name_en for team in teams_of(user_for(user.pk))]


@pytest.fixture
def member(user_in_role):
    return user_in_role(Role.BACK_OFFICE, teams=[TeamFactory(code="audit-a", name_en="Audit A")])


def test_once_kept_the_signed_in_users_access_costs_a_page_no_query(client, member, django_assert_num_queries):
    client.force_login(member)
    assert client.get(reverse("inbox")).status_code == 200
    with CaptureQueriesContext(connection) as second_page:
        assert client.get(reverse("inbox")).status_code == 200
    assert not [q["sql"] for q in second_page.captured_queries if any(read in q["sql"] for read in ACCESS_READS)]
    with django_assert_num_queries(0):
        user = user_for(member.pk)
        assert user.has_perm("orders.view_order")
        assert not user.has_perm("core.view_all_cities")
        assert user.get_all_permissions() >= {"orders.view_order", "customers.review_customer"}
        assert user_roles(user) == {str(Role.BACK_OFFICE)}
        assert [team.code for team in teams_of(user)] == ["audit-a"]
        assert user.city.name_en == member.city.name_en


def test_a_sign_in_deletes_no_key(client, member, user_in_role):
    other = user_in_role(Role.ACCOUNT_MANAGER)
    user_for(member.pk), user_for(other.pk)
    assert client.post(reverse("login"), {"username": member.username, "password": PASSWORD}).status_code == 302
    member.refresh_from_db()
    assert member.last_login is not None  # the sign-in was recorded
    assert cache.get(user_key(member.pk)) is not None
    assert cache.get(user_key(other.pk)) is not None


def test_what_a_request_sets_on_its_user_reaches_no_other_request(member):
    first = user_for(member.pk)
    first.first_name = "Typed but never saved"
    first.city.name_en = "Renamed but never saved"
    teams_of(first).clear()
    second = user_for(member.pk)
    assert (second.first_name, second.city.name_en) == (member.first_name, member.city.name_en)
    assert [team.code for team in teams_of(second)] == ["audit-a"]


def test_a_user_saved_from_a_request_keeps_the_last_sign_in(member):
    member.last_login = member.date_joined
    member.save(update_fields=["last_login"])
    user = user_for(member.pk)
    user.first_name = "Changed"
    user.save()
    member.refresh_from_db()
    assert (member.first_name, member.last_login) == ("Changed", member.date_joined)


# ---------------------------------------------------------------------------- roles and permissions
def test_losing_a_role_closes_its_pages_on_the_next_request(client, user_in_role):
    supervisor = user_in_role(Role.CITY_SUPERVISOR)
    client.force_login(supervisor)
    assert client.get(reverse("organisation")).status_code == 200
    supervisor.groups.clear()
    assert client.get(reverse("organisation")).status_code == 403


def test_group_membership_changed_from_either_side_is_seen(member):
    role = Group.objects.get(name=str(Role.BACK_OFFICE))
    assert may_view_orders(member)
    role.user_set.remove(member)
    assert not may_view_orders(member)
    member.groups.add(role)
    assert may_view_orders(member)
    role.user_set.clear()
    assert not may_view_orders(member)
    role.user_set.add(member)
    assert may_view_orders(member)


def test_a_direct_permission_given_or_taken_is_seen(member):
    permission = Permission.objects.get(codename="view_all_cities")
    assert not user_for(member.pk).has_perm("core.view_all_cities")
    member.user_permissions.add(permission)
    assert user_for(member.pk).has_perm("core.view_all_cities")
    permission.user_set.remove(member)
    assert not user_for(member.pk).has_perm("core.view_all_cities")


def test_a_roles_permissions_changed_reach_its_members_at_once(client, user_in_role):
    supervisor = user_in_role(Role.CITY_SUPERVISOR)
    client.force_login(supervisor)
    assert client.get(reverse("organisation")).status_code == 200
    role = Group.objects.get(name=str(Role.CITY_SUPERVISOR))
    permission = Permission.objects.get(codename="view_organisation")
    role.permissions.remove(permission)
    assert client.get(reverse("organisation")).status_code == 403
    permission.group_set.add(role)
    assert client.get(reverse("organisation")).status_code == 200
    role.permissions.clear()
    assert client.get(reverse("organisation")).status_code == 403
    sync_role_groups()
    assert client.get(reverse("organisation")).status_code == 200


def test_a_permission_renamed_or_deleted_is_seen(member):
    permission = Permission.objects.get(content_type__app_label="orders", codename="view_order")
    assert may_view_orders(member)
    permission.codename = "look_at_order"
    permission.save()
    assert user_for(member.pk).has_perm("orders.look_at_order")
    permission.delete()
    assert not user_for(member.pk).has_perm("orders.look_at_order")


def test_a_role_renamed_or_deleted_is_seen(member):
    role = Group.objects.get(name=str(Role.BACK_OFFICE))
    assert user_roles(user_for(member.pk)) == {str(Role.BACK_OFFICE)}
    role.name = "renamed"
    role.save()
    assert user_roles(user_for(member.pk)) == {"renamed"}
    role.delete()
    assert user_roles(user_for(member.pk)) == set()
    assert not may_view_orders(member)


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, member):
    client.force_login(member)
    assert client.get(reverse("inbox")).status_code == 200
    member.is_active = False
    member.save()
    assert client.get(reverse("inbox"))["Location"].startswith(reverse("login"))


def test_a_deleted_user_is_no_longer_found(member):
    assert user_for(member.pk) is not None
    pk = member.pk
    member.delete()
    assert user_for(pk) is None


# ---------------------------------------------------------------------------- teams and city
def test_team_membership_changed_from_either_side_is_seen(member):
    team = TeamFactory(code="orders-a", name_en="Orders A", kind=Team.Kind.ORDER_ACCEPTANCE, city=member.city)
    assert team_names(member) == ["Audit A"]
    member.teams.add(team)
    assert sorted(team_names(member)) == ["Audit A", "Orders A"]
    team.members.remove(member)
    assert team_names(member) == ["Audit A"]
    team.members.add(member)
    team.members.clear()
    assert team_names(member) == ["Audit A"]


def test_a_team_renamed_or_deleted_is_seen(member):
    team = Team.objects.get(code="audit-a")
    assert team_names(member) == ["Audit A"]
    team.name_en = "Audit B"
    team.save()
    assert team_names(member) == ["Audit B"]
    team.delete()
    assert team_names(member) == []


def test_a_city_renamed_or_changed_is_seen(member, other_city):
    city = City.objects.get(pk=member.city_id)
    assert user_for(member.pk).city.name_en == city.name_en
    city.name_en = "Renamed"
    city.save()
    assert user_for(member.pk).city.name_en == "Renamed"
    member.city = other_city
    member.save()
    assert user_for(member.pk).city == other_city
