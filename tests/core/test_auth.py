import pytest
from django.urls import reverse

from keyaccounts.core.roles import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_lands_on_the_home_page(client, user_in_role):
    user = user_in_role(Role.ACCOUNT_MANAGER)
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == user


def test_a_wrong_password_says_so_and_signs_nobody_in(client, user_in_role):
    user = user_in_role(Role.ACCOUNT_MANAGER)
    response = _login(client, user.username, "wrong")
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, user_in_role, settings):
    user = user_in_role(Role.ACCOUNT_MANAGER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, "wrong")
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_lockout_is_per_username_so_a_colleague_can_still_sign_in(client, user_in_role, settings):
    victim, colleague = user_in_role(Role.ACCOUNT_MANAGER), user_in_role(Role.ACCOUNT_MANAGER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, victim.username, "wrong")
    assert _login(client, colleague.username, PASSWORD).status_code == 302


def test_logout_ends_the_session(client, user_in_role):
    client.force_login(user_in_role(Role.BACK_OFFICE))
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
