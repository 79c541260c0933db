"""The shell of the application in Debian's chromium: each role signs in and lands on its home page."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from keyaccounts.core.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_BY_USER = {
    "am_changchun": ("My customers", "我的客户"),
    "bo_jilin": ("My inbox", "我的待办"),
    "sup_changchun": ("SLA overview", "SLA 概览"),
    "sup_province": ("SLA overview", "SLA 概览"),
    "si_jlsmart": ("My work orders", "我的工单"),
    "admin": ("Configuration", "配置"),
}


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.parametrize("username", list(HOME_BY_USER))
def test_each_role_signs_in_and_sees_its_home_page_in_both_languages(page: Page, live_server, demo, username):
    english, chinese = HOME_BY_USER[username]
    sign_in(page, live_server.url, username)
    expect(page.get_by_test_id("whoami")).to_be_visible()
    expect(page.get_by_test_id("home-panels")).to_contain_text(english)

    page.get_by_test_id("language-switcher").locator("select").select_option("zh-hans")
    expect(page.get_by_test_id("home-panels")).to_contain_text(chinese)
    expect(page.locator("nav")).to_contain_text("退出")


def test_a_wrong_password_is_refused_with_a_message(page: Page, live_server, demo):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "am_changchun")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("login-form")).to_contain_text("correct username and password")


def test_an_account_manager_opening_a_supervisor_page_gets_a_403_page(page: Page, live_server, demo):
    sign_in(page, live_server.url, "am_changchun")
    expect(page.get_by_test_id("home-panels")).to_be_visible()
    response = page.goto(f"{live_server.url}/organisation/")
    assert response.status == 403
    expect(page.get_by_test_id("error-403")).to_be_visible()
