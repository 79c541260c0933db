"""English and Simplified Chinese both ship: every string translated and compiled, pages render in both."""

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from keyaccounts.core.roles import Role

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_the_chinese_catalogue_has_no_untranslated_or_fuzzy_entry():
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(["msgattrib", flag, "--no-wrap", str(PO)], capture_output=True, text=True, check=True)
        entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
        assert entries == [], f"{flag}: {entries}"


def test_the_catalogue_is_compiled():
    assert PO.with_suffix(".mo").exists(), "run `make messages`"


@pytest.mark.django_db
def test_pages_render_in_chinese_after_switching_language(client, user_in_role):
    client.force_login(user_in_role(Role.BACK_OFFICE))
    assert "My inbox" in client.get(reverse("home")).content.decode()

    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    page = client.get(reverse("home")).content.decode()

    assert 'lang="zh-hans"' in page
    assert "我的待办" in page
    assert "My inbox" not in page


@pytest.mark.django_db
def test_reference_data_shows_its_name_in_the_readers_language(city):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(city) == "长春"
    with translation.override("en"):
        assert str(city) == "Changchun"
