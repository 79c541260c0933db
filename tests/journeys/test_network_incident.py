"""Issue 24: a network incident that takes a running line down, from EOMS's event to the customer's monthly SLA
report, in English and in Chinese. EOMS finds a cut fibre where the line is installed and tells us (a signed
ServiceProblemCreateEvent through the stub, as the real EOMS would); the city supervisor finds the incident with the
customer and their child ticket, and resolves it; the account manager records the customer's confirmation on the
child ticket; the customer's monthly SLA report shows the outage, caused by that ticket, and the credit owed for a
restoration later than contracted. (The administrator contracts this product's restoration within a second: a
journey cannot spend the hours of a real contract.)"""

import re
import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.core.test_pages_in_chinese import english_in_chinese
from tests.factories import credit_code
from tests.journeys import pages
from tests.text import visible_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CUSTOMER = "长春一汽物流有限公司"
# What the ticket page quotes as the customer's message holds it: the survey's link.
LINK = re.compile(r"https?://\S+/assurance/survey/[\w-]+/")
STREET = "长春市绿园区西安大路"
ADDRESS = f"{STREET} 1888 号"

# What the pages say, in the language of the run (the steps themselves find nothing by words).
WORDS = {
    "en": {
        "customers": "Customers",
        "incidents": "Incidents",
        "incident": "Fibre cut on Xi'an Avenue",
        "acknowledged": "Acknowledged",
        "incident resolved": "Resolved",
        "resolution": "Fault repaired",
        "notes": "Fibre spliced at the Xi'an Avenue manhole",
        "children": "Affected customers and their tickets",
        "resolved": "Resolved: waiting for the customer",
        "closed": "Closed",
        "acceptance": "赵磊 confirms the line is back",
        "report": "Monthly SLA report",
        "fault": "Fault {number}",
        "min": "min",
        "restoration": "Level 1 fault restoration",
        "product": "Internet dedicated line",
        "credit": "Restoration later than contracted: 5 %",
    },
    "zh-hans": {
        "customers": "客户",
        "incidents": "网络故障",
        "incident": "西安大路光缆中断",
        "acknowledged": "已受理",
        "incident resolved": "已恢复",
        "resolution": "故障已修复",
        "notes": "已在西安大路人井熔接光缆",
        "children": "受影响客户及其工单",
        "resolved": "已解决：等待客户确认",
        "closed": "已关闭",
        "acceptance": "赵磊确认专线已恢复",
        "report": "月度 SLA 报告",
        "fault": "故障 {number}",
        "min": "分钟",
        "restoration": "一级故障修复",
        "product": "互联网专线",
        "credit": "修复超时（超过合同约定时限）: 5 %",
    },
}


def reads_in(page: Page, language: str) -> None:
    """A Chinese page holds no English word, code or raw value (what the Chinese people and EOMS wrote, and
    the survey link the ticket quotes, aside)."""
    if language == "zh-hans":
        found = english_in_chinese(LINK.sub(" ", visible_text(page.locator("main").inner_html())))
        assert found == [], f"{page.url}: {found}"


def eoms_raises_an_incident(stub_server: str, *, name: str, product: str, place: str) -> None:
    """EOMS's operator finds the cut fibre: the stub, as EOMS, tells its listeners (ServiceProblemCreateEvent)."""
    answer = requests.post(
        f"{stub_server}/eoms/serviceProblem",
        json={
            "externalId": f"EOMS-SP-{uuid.uuid4().hex[:8]}",  # EOMS's own, new each run: the stub outlives a test
            "name": name,
            "category": "fibreCut",
            "characteristic": [{"name": "product", "value": product}],
            "affectedLocation": [{"role": "install_address", "name": place}],
        },
        timeout=5,
    )
    assert answer.status_code == 201, answer.text


def open_the_customer(page: Page, words: dict) -> None:
    """The menu's customers, in the language of the run → the customer."""
    # The entry's icon is part of its name; the brand's name ends in the same word in Chinese (集团客户).
    page.get_by_role("link", name=re.compile(rf"(^|\s){words['customers']}$")).click()
    page.get_by_role("link", name=CUSTOMER).click()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_incident_from_eoms_resolved_confirmed_and_read_on_the_monthly_sla_report(
    page: Page, configured, stub_server, language
):
    base = configured
    words = WORDS[language]
    line = pages.a_running_line(page, base, customer=CUSTOMER, credit_code=credit_code(2424), address=ADDRESS)
    if language != "en":
        pages.switch_language(page, language)
    pages.sign_out(page)

    # The administrator contracts the line's restoration (a second here, for the journey's sake).
    pages.sign_in(page, base, "admin")
    pages.contract_the_restoration_time(
        page, base, step=words["restoration"], product=words["product"], limit="0:00:01"
    )
    page.goto(base)
    pages.sign_out(page)

    # EOMS raises an incident on internet lines along the street; the city supervisor finds it among the open ones.
    eoms_raises_an_incident(stub_server, name=words["incident"], product="internet-line", place=STREET)
    pages.sign_in(page, base, "sup_changchun")
    page.get_by_role("link", name=words["incidents"]).click()
    incidents = page.get_by_test_id("incidents")
    pages.until_shown(page, lambda: incidents, words["incident"])
    expect(incidents.locator("tr", has_text=words["incident"]).get_by_test_id("customer-count")).to_have_text("1")
    reads_in(page, language)
    incidents.get_by_role("link", name=re.compile(r"^SP\d+$")).click()

    # The incident names the customer, with the child ticket opened for them.
    expect(page.get_by_text(words["children"])).to_be_visible()
    child = page.get_by_test_id("incident-children").locator("tr", has_text=CUSTOMER)
    expect(child).to_contain_text(words["acknowledged"])
    number = child.get_by_role("link").inner_text()
    expect(page.get_by_test_id("incident-status")).to_have_text(words["acknowledged"])
    reads_in(page, language)

    # The supervisor resolves it from its page: the child ticket is resolved with it, waiting for the customer.
    form = page.get_by_test_id("incident-resolve")
    form.locator("#id_resolution").select_option(label=words["resolution"])
    form.locator("#id_notes").fill(words["notes"])
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("incident-status")).to_have_text(words["incident resolved"])
    expect(page.get_by_test_id("incident-resolution")).to_contain_text(words["notes"])
    expect(child).to_contain_text(words["resolved"])
    reads_in(page, language)
    pages.sign_out(page)

    # The account manager opens the child ticket from the customer page and records the customer's confirmation.
    pages.sign_in(page, base, "am_changchun")
    open_the_customer(page, words)
    page.get_by_test_id("tickets").get_by_role("link", name=number).click()
    expect(page.get_by_test_id("ticket-services")).to_contain_text(line)
    pages.ticket_is(page, words["resolved"])  # once the worker has moved its flow on to the confirmation
    pages.record_the_customers_acceptance_of_the_repair(page, note=words["acceptance"])
    expect(page.get_by_test_id("ticket-status")).to_have_text(words["closed"])
    reads_in(page, language)

    # The month's report: the line's outage, in minutes, caused by the child ticket, and the credit owed for its
    # late restoration, once beat's availability sweep has counted the month.
    pages.beat(["availability-sweep"])
    open_the_customer(page, words)
    page.get_by_test_id("sla-report-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(words["report"])
    row = page.get_by_test_id("sla-report").get_by_test_id("report-service").filter(has_text=line)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("outage-minutes")).to_have_text(re.compile(r"^\s*(0\.\d+|[1-9][\d.]*)\b"))
    causes = row.get_by_test_id("outage-causes")
    expect(causes.get_by_role("link", name=words["fault"].format(number=number))).to_be_visible()
    expect(causes).to_contain_text(words["min"])
    pages.until_shown(page, lambda: row.get_by_test_id("service-credits"), words["credit"])
    expect(row.get_by_test_id("service-credits").get_by_role("link", name=number)).to_be_visible()
    reads_in(page, language)

    # The same report as a workbook, titled in the reader's language.
    with page.expect_download() as download:
        page.get_by_test_id("report-xlsx").click()
    assert download.value.suggested_filename.startswith(f"{words['report']} {CUSTOMER} "), download.value
    assert download.value.suggested_filename.endswith(".xlsx")

    # The customer page lists the credit with the month's others (its timeline quotes what people typed in English).
    open_the_customer(page, words)
    credits = page.get_by_test_id("credits")
    expect(credits.get_by_test_id("credit")).to_contain_text(words["credit"])
    if language == "zh-hans":
        assert english_in_chinese(visible_text(credits.inner_html())) == []
