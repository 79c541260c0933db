"""Every page a demo role reaches reads as Chinese: no step code, TMF state, Python value, ISO timestamp or
English UI word in the zh-hans text of its pages and exports (reference data included).

The pages are those the crawler reaches from the home page (`test_crawl.crawl`); the English pass of the same
crawl is `test_crawl`'s, which holds each page to opening.
"""

import io
import re

import pytest
from django.conf import settings

from keyaccounts.core import registry
from tests.core.test_crawl import DEMO_USERS, crawl
from tests.text import raw_values, visible_text

pytestmark = pytest.mark.django_db

CAMEL_CASE = re.compile(r"\b[a-z]+[A-Z][A-Za-z]*\b")  # TMF states on the wire: inProgress, jeopardyAlert
STEP_CODE = re.compile(r"\b[a-z]+\.[a-z_]+\b")
LITERAL = re.compile(r"""[{\[]\s*['"]|['"]\s*:\s|\(\s*['"]""")  # {'a': …}, ['a', …], ('a', …)
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}|\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})\b")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*")

# What is rightly Latin in a Chinese page: acronyms of the trade, units, brands, business numbers.
LATIN_ALLOWED = {
    # the trade's acronyms and product codes
    *(
        "SLA",
        "SI",
        "EOMS",
        "API",
        "VPMN",
        "IDC",
        "CDN",
        "IoT",
        "ICT",
        "IT",
        "VPN",
        "MPLS",
        "IP",
        "SMS",
        "SIM",
        "ID",
        "APN",
    ),
    *("CSV", "XLSX", "PDF", "TMF", "OK", "KPI", "MAS", "ADC", "OTA", "T1", "T2", "T3", "T4"),
    # brands
    *("Excel",),
    # units
    *("Mbps", "Gbps", "kbps", "GB", "TB", "MB", "km", "h", "min"),
}
# Numbers and codes people quote: OP000123, PO000123, TT000123, a channel's PORTAL-42, e-mail addresses, and
# dotted names typed into order elements (an APN such as cciot.jl, a mail domain).
LATIN_NUMBER = re.compile(
    r"\b[A-Z]{1,4}-?\d[\w-]*\b|\b[A-Z]+(-[A-Z0-9]+)+\b|\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b|\b[a-z0-9-]+(\.[a-z0-9-]+)+\b"
)
# The Django admin edits the data itself: codes, both languages' names and the framework's own tables.
NOT_CHECKED = ("/admin/",)


def _text(response) -> str:
    """What a reader reads of a response: a page's visible text, a CSV's cells, a workbook's text cells, a PDF's
    text."""
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        return visible_text(response.content)
    if content_type.startswith("text/csv"):
        return response.content.decode("utf-8-sig")
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(
            cell
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, str)
        )
    if content_type == "application/pdf":
        from pypdf import PdfReader

        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return ""


def english_in_chinese(text: str, usernames=frozenset(DEMO_USERS)) -> list[str]:
    """What should not be in a Chinese page's text, each as it appears."""
    step_codes = {str(code) for code in registry._step_names}
    found = [code for code in STEP_CODE.findall(text) if code in step_codes]
    found += CAMEL_CASE.findall(text)
    found += raw_values(text)
    found += [match.group() for match in LITERAL.finditer(text)]
    found += [match.group() for match in ISO_TIMESTAMP.finditer(text)]
    latin = LATIN_NUMBER.sub(" ", text)
    found += [
        word
        for word in LATIN_WORD.findall(latin)
        if word not in LATIN_ALLOWED and word not in usernames and word not in step_codes and len(word) > 1
    ]
    return found


def test_the_checker_finds_what_a_chinese_page_should_not_show():
    """The check can fail: each kind of left-over is found, the legitimately Latin is not."""
    text = (
        "步骤 order.acceptance 已受理 → inProgress needs_approval: False {'internet-line': 'T2'} "
        "2026-03-01T08:00:00+00:00 Accept the order · 订单 PO000123 专线 100 Mbps VPMN am_changchun"
    )
    found = set(english_in_chinese(text))
    assert {"order.acceptance", "inProgress", "False", "{'", "2026-03-01T08:00:00", "Accept", "the"} <= found
    assert not {"PO000123", "Mbps", "VPMN", "am_changchun"} & found
    assert english_in_chinese("订单 PO000123 专线 100 Mbps VPMN am_changchun 2026年3月1日 16:00") == []


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_page_a_demo_user_reaches_reads_as_chinese(seeded, client, django_user_model, username):
    # given a demo user signed in, reading Chinese
    client.force_login(django_user_model.objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    found: dict[str, list[str]] = {}

    def read(url, response):
        if url.startswith(NOT_CHECKED):
            return
        if left_over := english_in_chinese(_text(response)):
            found[url] = sorted(set(left_over))

    # when they open every page and export reachable from the home page
    visited, _refusals = crawl(client, on_page=read)

    # then none shows the system's insides or English
    assert len(visited) > 1
    assert not found, f"{username}: English or codes in Chinese pages:\n" + "\n".join(
        f"{url}: {words}" for url, words in found.items()
    )
