"""Attaching a document on a record's page in Debian's chromium, in both languages: a refused file says why and
is not kept, an accepted one is listed."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from opportunities.models import Opportunity
from orders.models import Order
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {  # refused, attached
    "en": ("is not allowed", "Document attached."),
    "zh-hans": ("不被允许", "附件已上传。"),
}


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("language", list(WORDS))
def test_an_account_manager_attaches_documents_to_an_order_and_an_opportunity(page: Page, live_server, demo, language):
    refused, attached = WORDS[language]
    base = live_server.url
    sign_in(page, base, "am_changchun")
    page.get_by_test_id("language-switcher").locator("select").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    order = Order.objects.filter(account_manager__username="am_changchun").order_by("pk").first()
    opportunity = Opportunity.objects.filter(account_manager__username="am_changchun").order_by("pk").first()
    for url, record in ((f"/orders/{order.pk}/", order), (f"/opportunities/{opportunity.pk}/", opportunity)):
        page.goto(base + url)
        form = page.get_by_test_id("attachment-form")
        form.locator("input[name=file]").set_input_files(
            files=[{"name": "contract.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}]
        )
        form.locator("button[type=submit]").click()
        expect(page.get_by_test_id("attachment-form")).to_contain_text(refused)
        assert not record.attachments.exists()
        page.get_by_test_id("attachment-form").locator("input[name=file]").set_input_files(
            files=[{"name": "contract.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
        )
        page.get_by_test_id("attachment-form").locator("button[type=submit]").click()
        expect(page.locator("body")).to_contain_text(attached)
        expect(page.get_by_test_id("attachments")).to_contain_text("contract")
        assert record.attachments.count() == 1
