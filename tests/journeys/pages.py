"""What people do on the pages, one small step each, in the words the pages use. A journey strings them
together; nothing here writes a business record except through a page."""

import datetime as dt
import re
import time

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from keyaccounts.celery import app
from keyaccounts.core.management.commands.seed_demo import DEMO_PASSWORD

# What beat sends the worker every few seconds that a journey waits on (peers, surveys, launches, the bell).
BEAT_TASKS = ("outbox-sweep", "surveys-reconcile", "events-sweep", "launch-sweep", "notifications-sweep")


# ---------------------------------------------------------------------------- the clock and the waiting
def beat(names=BEAT_TASKS) -> None:
    """Beat's tick: the periodic tasks go to the real worker, as beat would send them."""
    for name in names:
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        app.send_task(entry["task"], args=entry.get("args", ()))


def until_shown(page: Page, where, text: str, *, timeout: float = 40) -> None:
    """Reload the page, beat ticking, until `where()` (a locator) shows `text`: the worker's work shows up."""
    deadline = time.monotonic() + timeout
    while True:
        beat()
        try:
            expect(where()).to_contain_text(text, timeout=1500)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def field(scope: Locator | Page, label: str) -> Locator:
    """The form field of exactly this label ("Site contact", not "Site contact phone"), a required one's mark
    aside."""
    words = re.escape(label).replace("\\ ", " ")  # JavaScript reads the pattern: no escaped spaces
    return scope.get_by_label(re.compile(rf"^\s*{words}\s*\*?\s*$"))


# ---------------------------------------------------------------------------- signing in and the inbox
def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("whoami")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_test_id("log-out").click()  # in either language


def inbox_row(page: Page, customer: str, task: str) -> Locator:
    return page.get_by_test_id("inbox").locator("tr", has_text=customer).filter(has_text=task)


def wait_in_team_queue(page: Page, base: str, customer: str, task: str) -> None:
    """The team queue, reloaded while the worker and the peers move the work on, until the task is there."""
    page.goto(f"{base}/inbox/?view=queue")
    until_shown(page, lambda: page.get_by_test_id("inbox"), task)
    expect(inbox_row(page, customer, task)).to_have_count(1)


def take_from_the_queue(page: Page, base: str, customer: str, task: str) -> None:
    """Inbox → Team queue → claim the task of this customer → open it from My tasks."""
    wait_in_team_queue(page, base, customer, task)
    row = inbox_row(page, customer, task)
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("alert")).to_contain_text("Claimed")
    open_my_task(page, base, customer, task)


def open_my_task(page: Page, base: str, customer: str, task: str) -> None:
    page.goto(f"{base}/inbox/?view=mine")
    until_shown(page, lambda: page.get_by_test_id("inbox"), task)
    inbox_row(page, customer, task).get_by_role("link", name=task).click()


# ---------------------------------------------------------------------------- customers
def register_customer(page: Page, *, name: str, credit_code: str, address: str, level: str = "B") -> None:
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="Register a customer").click()
    page.fill("#id_name", name)
    page.fill("#id_credit_code", credit_code)
    page.select_option("#id_industry", "manufacturing")
    page.select_option("#id_size", "medium")
    page.fill("#id_address", address)
    page.select_option("#id_proposed_level", level)
    page.fill("#id_contacts-0-name", "赵磊")
    page.fill("#id_contacts-0-role", "IT manager")
    page.fill("#id_contacts-0-phone", "13604317707")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("Initialized")


def approve_the_customer_record(page: Page, base: str, name: str) -> None:
    take_from_the_queue(page, base, name, "Review the customer record")
    expect(page.get_by_test_id("decision-facts")).to_contain_text("赵磊 · IT manager · 13604317707")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("Validated")


def open_customer(page: Page, name: str) -> None:
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("link", name=name).click()


def open_a_billing_account(page: Page, *, payer: str) -> None:
    """From the customer page: the account manager opens the account an order is charged to."""
    page.get_by_test_id("billing-accounts").get_by_role("link", name="Open a billing account").click()
    page.fill("#id_payer_name", payer)
    page.select_option("#id_payment_method", "bankTransfer")
    page.fill("#id_credit_limit", "5000")
    page.get_by_role("button", name="Open the account").click()
    expect(page.get_by_test_id("billing-accounts")).to_contain_text(payer)


def archive_a_customer(page: Page, base: str, *, name: str, credit_code: str, address: str) -> None:
    """E1's first part, which every later scenario needs first: registered, audited, with a billing account."""
    sign_in(page, base, "am_changchun")
    register_customer(page, name=name, credit_code=credit_code, address=address)
    sign_out(page)
    sign_in(page, base, "bo_changchun")
    approve_the_customer_record(page, base, name)
    sign_out(page)
    sign_in(page, base, "am_changchun")
    open_customer(page, name)
    open_a_billing_account(page, payer=f"{name}财务部")


# ---------------------------------------------------------------------------- opportunities
def record_an_opportunity(page: Page, *, customer: str, products: list[str], value: str, description: str) -> None:
    page.get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name="Record an opportunity").click()
    page.select_option("#id_customer", label=customer)
    for product in products:
        page.get_by_label(product).check()
    page.fill("#id_contact_name", "赵磊")
    page.fill("#id_contact_phone", "13604317707")
    page.fill("#id_estimated_value", value)
    page.fill("#id_expected_close_date", (timezone.localdate() + dt.timedelta(days=90)).isoformat())
    page.fill("#id_description", description)
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("plan")).to_be_visible()


def open_the_opportunity_step(page: Page, step: str) -> None:
    """From the opportunity page, once its open step is `step` (the worker and EOMS may still be on it)."""
    until_shown(page, lambda: page.get_by_test_id("open-tasks"), step)
    page.get_by_test_id("open-tasks").get_by_role("link", name="Open").click()


def qualify(page: Page, *, installation_address: str = "") -> None:
    expect(page.get_by_test_id("demand")).to_contain_text("赵磊 · 13604317707")
    if installation_address:
        page.fill("#id_installation_address", installation_address)
    page.get_by_role("button", name="Complete the step").click()


def quote(page: Page, *, discount: str, justification: str = "") -> None:
    """Every product at this discount off its list price (quantity one)."""
    for box in page.locator("[name^=discount_]").all():
        box.fill(discount)
    if justification:
        page.get_by_label("Why the discount").fill(justification)
    page.get_by_role("button", name="Complete the step").click()


def win(page: Page) -> None:
    """The customer accepted: the message links to the draft order, which opens."""
    page.get_by_role("button", name="The customer accepted: won").click()
    page.get_by_test_id("draft-order-link").click()
    expect(page.get_by_test_id("order-form")).to_be_visible()


# ---------------------------------------------------------------------------- orders
def enter_an_order(page: Page, *, products: list[str]) -> None:
    """From the customer page: a draft of standard products (E3)."""
    page.get_by_test_id("enter-order").click()
    for product in products:
        page.get_by_label(product).check()
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_test_id("order-form")).to_be_visible()


def fill_item(page: Page, product: str, values: dict[str, str]) -> None:
    """One item's order elements, by their labels; a list's value is chosen."""
    item = page.get_by_test_id("order-item").filter(has_text=product)
    for label, value in values.items():
        control = field(item, label)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


COMMON_ELEMENTS = {
    "Site contact": "赵磊",
    "Site contact phone": "13604317707",
    "Contract number": "JL2026120701",
    "Monthly fee (CNY/month)": "3000",
    "SLA grade": "gold",
}


def submit_the_order(page: Page, *, contract: str = "JL2026120701") -> None:
    field(page, "Contract reference").fill(contract)
    page.get_by_role("button", name=re.compile("^Submit the (corrected )?order$")).click()
    expect(page.get_by_test_id("order-status")).to_have_text("Acknowledged")


def accept_the_order(page: Page, base: str, customer: str) -> None:
    """The order-acceptance team takes the order from its queue and, having read what it rests on, accepts."""
    take_from_the_queue(page, base, customer, "Accept the order")
    facts = page.get_by_test_id("decision-facts")
    expect(facts.get_by_test_id("billing-account")).to_contain_text(f"{customer}财务部")
    expect(facts.get_by_test_id("contract-reference")).not_to_have_text("none given")
    page.get_by_label("Accept / approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Decision recorded.")
    expect(page.get_by_test_id("timeline")).to_contain_text("Accepted")


def pass_the_acceptance_test(page: Page, base: str, customer: str) -> None:
    take_from_the_queue(page, base, customer, "Test against the acceptance criteria")
    page.get_by_label("Passed: the criteria are met").check()
    page.fill("#id_note", "Measured as contracted")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("acceptance-test")).to_contain_text("passed")


def record_the_customers_acceptance(page: Page, base: str, customer: str) -> None:
    open_my_task(page, base, customer, "Record the customer's acceptance")
    page.fill("#id_note", "Acceptance form signed by 赵磊")
    page.get_by_role("button", name="Record").click()


def order_is(page: Page, status: str) -> None:
    """The order page, reloaded while the worker finishes the launch, until the order has this status."""
    until_shown(page, lambda: page.get_by_test_id("order-status"), status)


def launch_the_order(page: Page, base: str, customer: str) -> None:
    """A filled draft, submitted by the account manager, to a running service: the back office accepts the order,
    EOMS and SI complete their work orders, the provisioning team tests, the customer accepts; the account manager
    is signed in at the end, on the completed order."""
    submit_the_order(page)
    sign_out(page)
    sign_in(page, base, "bo_changchun")
    accept_the_order(page, base, customer)
    sign_out(page)
    sign_in(page, base, "ops_changchun")
    pass_the_acceptance_test(page, base, customer)
    sign_out(page)
    sign_in(page, base, "am_changchun")
    record_the_customers_acceptance(page, base, customer)
    order_is(page, "Completed")


LINE = "Internet dedicated line"


def a_running_line(page: Page, base: str, *, customer: str, credit_code: str, address: str) -> str:
    """A new customer's internet dedicated line, archived, ordered from its page and launched (E1 with a direct
    order); returns the line's service number, read on the customer page, where the account manager is left."""
    archive_a_customer(page, base, name=customer, credit_code=credit_code, address=address)
    enter_an_order(page, products=[LINE])
    fill_item(
        page,
        LINE,
        {**COMMON_ELEMENTS, "Installation address": address, "Bandwidth": "100M", "Public IPv4 addresses": "4"},
    )
    launch_the_order(page, base, customer)
    open_customer(page, customer)
    line = page.get_by_test_id("services").locator("li", has_text=f"{LINE} × 1")
    expect(line).to_have_count(1)
    return line.inner_text().split("·")[0].strip()


# ---------------------------------------------------------------------------- the SI partner's portal
def open_the_work_order_in_the_portal(page: Page, customer: str) -> None:
    """My work orders → the open one of this customer (it arrives once the order is transferred)."""
    page.get_by_role("link", name="My work orders").click()
    page.get_by_label("State").select_option(label="Open: to work on")
    page.get_by_role("button", name="Filter").click()
    until_shown(page, lambda: page.get_by_test_id("si-work-orders"), customer)
    page.get_by_test_id("si-work-orders").locator("tr", has_text=customer).get_by_role("link").click()


def report_progress(page: Page, *, state: str, note: str) -> None:
    form = page.get_by_test_id("progress-form")
    form.get_by_label("New state").select_option(label=state)
    form.get_by_label("Note").fill(note)
    form.get_by_role("button", name="Report progress").click()
    expect(page.get_by_role("alert")).to_contain_text("Progress recorded.")


# ---------------------------------------------------------------------------- assurance
# These steps run in either language: they find what they click by test id, field name or role, never by words.
def switch_language(page: Page, language: str) -> None:
    """The top bar's language switcher; the choice stays with the browser across signing out and in."""
    page.get_by_test_id("language-switcher").locator("select").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)


def contract_the_restoration_time(page: Page, base: str, *, step: str, product: str, limit: str) -> None:
    """The administrator, in the admin: `product`'s restoration of `step` (both by name) is contracted within
    `limit` (H:MM:SS), by the calendar."""
    page.goto(f"{base}/admin/sla/slapolicy/add/")
    page.locator("#id_step").select_option(label=step)
    page.locator("#id_product").select_option(label=product)
    page.locator("#id_limit").fill(limit)
    page.locator("#id_time_basis").select_option("calendar")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_have_count(1)


def report_an_interruption(page: Page, *, service: str, contact: str, description: str) -> str:
    """From the customer page: the account manager reports that this running service is down; returns the ticket's
    number, from the ticket page the report lands on."""
    page.get_by_test_id("report-ticket").click()
    form = page.get_by_test_id("report-form")
    form.locator("#id_type").select_option("fault")
    form.get_by_role("checkbox", name=service).check()
    form.locator("#id_interruption").check()
    form.locator("#id_description").fill(description)
    form.locator("#id_contact").select_option(label=contact)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("ticket-details")).to_be_visible()
    return page.get_by_test_id("ticket-number").inner_text()


def ticket_is(page: Page, status: str) -> None:
    """The ticket page, reloaded while the worker and EOMS move the ticket on, until it has this status."""
    until_shown(page, lambda: page.get_by_test_id("ticket-status"), status)


def record_the_customers_acceptance_of_the_repair(page: Page, *, note: str) -> None:
    """From the ticket page: the open step (the customer's confirmation) → the customer accepts the repair."""
    page.get_by_test_id("open-tasks").get_by_role("link").click()
    form = page.get_by_test_id("task-form")
    form.locator("input[name=accepted][value=yes]").check()
    form.locator("#id_note").fill(note)
    form.locator("button[type=submit]").click()


def answer_the_survey(page: Page, link: str, *, score: int, comment: str) -> None:
    """The customer, not signed in, opens the message's link and gives every question the same score."""
    page.goto(link)
    form = page.get_by_test_id("survey-form")
    for choice in form.locator(f"input[type=radio][value='{score}']").all():
        choice.check()
    form.locator("#id_comment").fill(comment)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()
