"""Issue 23: a level-1 fault of a running line, from its report to the supervisors' dashboard, in English and in
Chinese. The account manager reports the line's interruption from the customer page (level 1 by the fault-level
rules); the worker sends it to EOMS, which restores it; the account manager records the customer's acceptance; the
customer answers the survey from the link in the message the gateway received, without logging in; the city
supervisor reads the restoration time on the dashboard and drills down to the ticket."""

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from assurance.models import TroubleTicket
from keyaccounts.messaging.events import MessageEvent
from keyaccounts.messaging.selectors import messages_of
from keyaccounts.peers.models import OutboxMessage
from stubs.scripts import RESTORED
from tests.core.test_pages_in_chinese import english_in_chinese
from tests.factories import credit_code
from tests.journeys import pages
from tests.processes import wait_for
from tests.text import visible_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春光华电子有限公司"
ADDRESS = "长春市朝阳区前进大街 88 号"
LINK = re.compile(r"https?://\S+/assurance/survey/[\w-]+/")

# What the pages say, in the language of the run (the steps themselves find nothing by words).
WORDS = {
    "en": {
        "level 1": "Level 1 fault",
        "resolved": "Resolved: waiting for the customer",
        "closed": "Closed",
        "survey": "Satisfaction survey",
        "dashboard": "SLA dashboard",
        "by level": "Time to restore by fault level",
        "restore time": re.compile(r"^0 h \d\d min$"),
        "restored": "Faults restored",
        "description": "No traffic on the line since 9:00",
        "acceptance": "赵磊 confirms the line is back",
        "comment": "Restored within the hour",
    },
    "zh-hans": {
        "level 1": "一级故障",
        "resolved": "已解决：等待客户确认",
        "closed": "已关闭",
        "survey": "满意度调查",
        "dashboard": "SLA看板",
        "by level": "按故障级别的恢复时长",
        "restore time": re.compile(r"^0 小时 \d\d 分$"),
        "restored": "已恢复的故障",
        "description": "专线从 9:00 起无流量",
        "acceptance": "赵磊确认专线已恢复",
        "comment": "一小时内恢复，很满意",
    },
}
BROWSER_LOCALE = {"en": "en-US", "zh-hans": "zh-CN"}


def survey_link_at_the_gateway(stub_server: str, number: str) -> str:
    """The survey's address as the message the gateway received holds it (the token is nowhere else): read over
    HTTP from the gateway once the worker has delivered the message."""
    ticket = TroubleTicket.objects.get(pk=int(number.removeprefix("TT")))
    sent = []

    def delivered() -> bool:
        pages.beat()
        survey = messages_of(ticket).filter(event=MessageEvent.SURVEY_REQUESTED).first()
        if survey is not None:
            sent[:] = OutboxMessage.objects.filter(external_id=f"{survey.reference}-{survey.attempts}").exclude(
                remote_id=""
            )
        return bool(sent)

    wait_for(delivered, timeout=30)
    message = requests.get(f"{stub_server}/gateway/communicationMessage/{sent[0].remote_id}", timeout=5).json()
    link = LINK.search(message["content"])
    assert link, message["content"]
    return link[0]


# What the pages quote as others wrote it: EOMS's resolution note and the survey's link in the customer's message.
QUOTED = re.compile(rf"{re.escape(RESTORED[3]['resolution'])}|{LINK.pattern}")


def reads_in(page: Page, language: str) -> None:
    """A Chinese page holds no English word, code or raw value (the Chinese people typed, and what the pages quote
    of EOMS and the message, aside)."""
    if language == "zh-hans":
        text = QUOTED.sub(" ", visible_text(page.locator("main").inner_html()))  # read as the crawler reads
        found = english_in_chinese(text)
        assert found == [], f"{page.url}: {found}"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_level_1_fault_restored_accepted_surveyed_and_read_on_the_dashboard(
    page: Page, configured, stub_server, settings, language
):
    base = configured
    settings.SITE_URL = base  # the survey's link leads to this live server
    words = WORDS[language]
    line = pages.a_running_line(page, base, customer=CUSTOMER, credit_code=credit_code(2323), address=ADDRESS)
    if language != "en":
        pages.switch_language(page, language)

    # The account manager reports the line down; any interruption of the line is a level-1 fault.
    number = pages.report_an_interruption(
        page, service=line, contact="赵磊 (IT manager)", description=words["description"]
    )
    expect(page.get_by_test_id("severity")).to_have_text(words["level 1"])
    reads_in(page, language)
    expect(page.get_by_test_id("ticket-services")).to_contain_text(line)

    # The worker sends it to EOMS, which works on it and restores the line; the customer's confirmation waits.
    pages.ticket_is(page, words["resolved"])
    pages.record_the_customers_acceptance_of_the_repair(page, note=words["acceptance"])
    expect(page.get_by_test_id("ticket-status")).to_have_text(words["closed"])
    reads_in(page, language)
    pages.sign_out(page)

    # The customer answers the survey from the message's link, in a browser of their own, signed in nowhere.
    link = survey_link_at_the_gateway(stub_server, number)
    customer = page.context.browser.new_page(locale=BROWSER_LOCALE[language])
    try:
        pages.answer_the_survey(customer, link, score=5, comment=words["comment"])
        expect(customer.get_by_role("heading", level=1)).to_have_text(words["survey"])
        expect(customer.get_by_test_id("survey-ticket")).to_contain_text(number)
        reads_in(customer, language)
    finally:
        customer.context.close()

    # The city supervisor reads the restoration time by level and drills down from it to the ticket.
    pages.sign_in(page, base, "sup_changchun")
    page.get_by_role("link", name=words["dashboard"]).click()
    by_level = page.get_by_test_id("restoration_by_level")
    expect(page.get_by_text(words["by level"])).to_be_visible()
    level_1 = by_level.locator("tr", has_text=words["level 1"])
    expect(level_1.get_by_test_id("restore-time")).to_have_text(words["restore time"])
    reads_in(page, language)
    level_1.get_by_test_id("restore-time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["restored"])
    reads_in(page, language)
    page.get_by_test_id("tickets").get_by_role("link", name=number).click()
    expect(page.get_by_test_id("ticket-number")).to_have_text(number)
    expect(page.get_by_test_id("ticket-status")).to_have_text(words["closed"])
    expect(page.get_by_test_id("severity")).to_have_text(words["level 1"])
    reads_in(page, language)
