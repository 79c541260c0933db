"""Who sees what: roles gate pages, cities scope rows, refusals are 403 pages that say so."""

import pytest
from django.urls import reverse

from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_anonymous_users_are_sent_to_the_login_page(client):
    for name in ("home", "organisation"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.BACK_OFFICE, Role.SI_PARTNER])
def test_roles_without_the_permission_get_a_403_page(client, user_in_role, role, caplog):
    client.force_login(user_in_role(role))
    response = client.get(reverse("organisation"))
    assert response.status_code == 403
    assert "You are not allowed to see this page" in response.content.decode()
    assert any(r.message == "access denied" for r in caplog.records)


def test_a_city_supervisor_sees_own_city_and_provincial_teams_only(client, user_in_role, city, other_city):
    own = TeamFactory(city=city, name_en="Own audit")
    provincial = TeamFactory(city=None, kind=Team.Kind.PRESALES, name_en="Provincial presales")
    foreign = TeamFactory(city=other_city, name_en="Foreign audit")
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city))

    teams = list(client.get(reverse("organisation")).context["teams"])

    assert own in teams
    assert provincial in teams
    assert foreign not in teams


def test_a_provincial_supervisor_sees_every_city(client, user_in_role, city, other_city):
    TeamFactory(city=city)
    TeamFactory(city=other_city)
    client.force_login(user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None))
    response = client.get(reverse("organisation"))
    assert {t.city for t in response.context["teams"]} == {city, other_city}


def test_the_navigation_shows_only_what_the_role_may_open(client, user_in_role):
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER))
    names = [e.url_name for e in client.get(reverse("home")).context["nav_entries"]]
    assert "organisation" not in names
    assert "admin:index" not in names
    client.force_login(user_in_role(Role.CITY_SUPERVISOR))
    assert "organisation" in [e.url_name for e in client.get(reverse("home")).context["nav_entries"]]


def test_the_admin_site_is_closed_to_non_staff(client, user_in_role):
    client.force_login(user_in_role(Role.CITY_SUPERVISOR))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_administrators_edit_the_organisation_in_the_admin(client, user_in_role):
    admin = user_in_role(Role.ADMINISTRATOR, is_staff=True)
    client.force_login(admin)
    assert client.get(reverse("admin:core_team_changelist")).status_code == 200
    assert client.get(reverse("admin:catalogue_product_add")).status_code == 200
    assert client.get(reverse("admin:sla_businesscalendar_add")).status_code == 200
    assert client.get(reverse("admin:core_user_changelist")).status_code == 200


@pytest.mark.parametrize(
    ("role", "titles"),
    [
        (
            Role.ACCOUNT_MANAGER,
            [
                "My tasks",
                "Opportunity steps",
                "Service launch steps",
                "My customers",
                "My drafts",
                "Open opportunities",
            ],
        ),
        (Role.BACK_OFFICE, ["My inbox", "My teams' queue"]),
        (
            Role.CITY_SUPERVISOR,
            ["Waiting for my approval", "Discounts to approve", "Orders to approve", "SLA overview"],
        ),
        (
            Role.PROVINCIAL_SUPERVISOR,
            ["Waiting for my approval", "Discounts to approve", "Orders to approve", "SLA overview"],
        ),
        (Role.SI_PARTNER, ["My work orders"]),
        (Role.ADMINISTRATOR, ["Configuration"]),
    ],
)
def test_each_role_lands_on_its_own_home_page(client, user_in_role, role, titles):
    client.force_login(user_in_role(role))
    panels = client.get(reverse("home")).context["panels"]
    assert [str(p.title) for p in panels] == titles


def test_a_user_without_a_role_is_told_to_ask_for_one(client, user_in_role):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert "You have no role yet" in client.get(reverse("home")).content.decode()


def test_unknown_addresses_get_the_404_page(client, user_in_role):
    client.force_login(user_in_role(Role.BACK_OFFICE))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_the_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    assert "Something went wrong on our side" in render_to_string("500.html")
