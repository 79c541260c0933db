"""The layout fits: at a desktop's, a tablet's and a phone's width, in English and in Chinese, the top bar and the
inbox need no sideways scrolling, at a desktop's width the top bar keeps to one line, and at a phone's the inbox's
rows read as cards."""

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 768, 390)
LANGUAGES = ("en", "zh-hans")
PAGES = ("/", "/inbox/?view=queue", "/inbox/?view=all")
ONE_LINE = 72  # px: a Bootstrap navbar of one row is about 56 px high; two rows are over 90


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


# The roles with the longest top bars (most menu entries, longest role names) and an inbox.
@pytest.mark.parametrize("username", ["sup_province", "bo_changchun", "presales"])
def test_the_top_bar_and_the_inbox_fit_every_width_in_both_languages(page: Page, live_server, demo, username):
    base = live_server.url
    sign_in(page, base, username)
    expect(page.get_by_test_id("whoami")).to_be_attached()
    found = []
    for language in LANGUAGES:
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in PAGES:
                page.goto(f"{base}{path}")
                expect(page.locator("html")).to_have_attribute("lang", language)
                if (extra := overflow(page)) > 0:
                    found.append(f"{path} at {width} px in {language}: {extra} px too wide")
                height = page.locator("nav.navbar").bounding_box()["height"]
                if width >= 1280 and height > ONE_LINE:
                    found.append(f"{path} at {width} px in {language}: the top bar wraps ({height:.0f} px high)")
    assert not found, "\n".join(found)
    # and Chinese is set in a CJK face where the platform has one
    assert "Noto Sans CJK SC" in page.evaluate("getComputedStyle(document.body).fontFamily")


def inside(part: dict, card: dict) -> bool:
    return (
        part["x"] >= card["x"] - 1
        and part["x"] + part["width"] <= card["x"] + card["width"] + 1
        and part["y"] >= card["y"] - 1
        and part["y"] + part["height"] <= card["y"] + card["height"] + 1
    )


LABELS = {"en": ("Amount (CNY per year)", "Time left"), "zh-hans": ("金额（元/年）", "剩余时间")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_at_a_phones_width_the_inbox_rows_read_as_cards(page: Page, live_server, demo, language):
    base = live_server.url
    sign_in(page, base, "sup_province")  # every city's business: orders with numbers, products and amounts
    expect(page.get_by_test_id("whoami")).to_be_attached()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{base}/inbox/?view=all")
    expect(page.locator("html")).to_have_attribute("lang", language)
    inbox = page.get_by_test_id("inbox")
    expect(inbox.locator("thead")).to_be_hidden()
    numbered = inbox.locator("tr[data-task]").filter(has=page.get_by_test_id("number"))
    assert numbered.count() > 0

    for card in numbered.all()[:6]:
        box = card.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
        title, amount = card.get_by_test_id("title"), card.get_by_test_id("amount")
        parts = [title, card.get_by_test_id("number"), card.get_by_test_id("products"), amount]
        parts += [card.get_by_test_id("time-left"), card.get_by_test_id("task-actions")]
        for part in parts:
            expect(part).to_be_visible()
            assert inside(part.bounding_box(), box), (card.get_attribute("data-task"), part)
        # stacked, not side by side: the amount sits below the title; city, step and waiting time are left out
        assert amount.bounding_box()["y"] >= title.bounding_box()["y"] + title.bounding_box()["height"] - 1
        assert card.locator("td:visible").count() < card.locator("td").count()
        # the figures are labelled in the reader's language, since the header row is gone
        labels = [
            page.evaluate("(e) => getComputedStyle(e, '::before').content", part.element_handle())
            for part in (amount, card.get_by_test_id("time-left"))
        ]
        assert labels == [f'"{label} "' for label in LABELS[language]]

    # and at a desktop's width the same rows are a table again: one line, the header back
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(inbox.locator("thead")).to_be_visible()
    first = numbered.first
    assert (
        abs(first.get_by_test_id("amount").bounding_box()["y"] - first.get_by_test_id("title").bounding_box()["y"]) < 40
    )


def test_the_administrators_top_bar_wraps_rather_than_widen_the_page(page: Page, live_server, demo):
    """Every menu entry (the administrator's) takes a second row at 1280 px in English, never a bar past the page."""
    base = live_server.url
    sign_in(page, base, "admin")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert overflow(page) == 0
    switcher = page.get_by_test_id("language-switcher").bounding_box()
    assert switcher["x"] + switcher["width"] <= 1280


def test_the_check_finds_a_page_too_wide(page: Page, live_server, demo):
    """The check can fail: a table wider than a phone makes the page scroll sideways."""
    sign_in(page, live_server.url, "bo_changchun")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/inbox/?view=queue")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<div style=\"width:800px\">x</div>')"
    )
    assert overflow(page) > 0
