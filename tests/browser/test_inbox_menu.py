"""The inbox's actions menu, fetched when its user opens it: it works as a menu drawn with the page did, and a
task taken meanwhile says so instead of loading forever."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from customers import services as customer_services
from keyaccounts.core.models import User
from keyaccounts.core.roles import Role
from keyaccounts.inbox.inbox import inbox_claim, inbox_rows
from tests.browser.test_shell import sign_in
from tests.factories import CONTACT, customer_fields, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def test_a_rows_menu_opens_on_demand_and_says_when_a_colleague_took_the_task(page: Page, live_server, demo):
    manager, reviewer = User.objects.get(username="am_changchun"), User.objects.get(username="bo_changchun")
    first, second = (
        customer_services.customer_register(user=manager, fields=customer_fields(n), contacts=[CONTACT])
        for n in (31, 32)
    )
    colleague = make_user(Role.BACK_OFFICE, username="colleague", city=reviewer.city, teams=list(reviewer.teams.all()))
    base = live_server.url
    sign_in(page, base, "bo_changchun")
    page.goto(f"{base}/inbox/?view=queue")
    inbox = page.get_by_test_id("inbox")

    # The colleague claims the first registration's review after the page was drawn.
    taken = next(
        r.task for r in inbox_rows(colleague, view="queue") if getattr(r.record, "customer", None) == first.customer
    )
    inbox_claim(user=colleague, task_pk=taken.pk)
    row = inbox.locator("tr", has_text=first.customer.name)
    row.get_by_role("button", name="Actions").click()
    expect(row.get_by_test_id("task-actions")).to_contain_text("no longer in your inbox")
    page.keyboard.press("Escape")  # closes the menu

    row = inbox.locator("tr", has_text=second.customer.name)
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("alert")).to_contain_text("Claimed")
    expect(page).to_have_url(f"{base}/inbox/?view=queue")  # back on the page the menu was opened from

    # Now the reviewer's own: the menu offers colleagues of the team who may review.
    page.goto(f"{base}/inbox/?view=mine")
    row = page.get_by_test_id("inbox").locator("tr", has_text=second.customer.name)
    row.get_by_role("button", name="Actions").click()
    expect(row.get_by_test_id("handover").locator("select")).to_contain_text(str(colleague))
