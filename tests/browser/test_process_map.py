"""The launch's process map is legible: at a desktop's and a phone's width, in English and in Chinese, every step is
named by its translated title, no two steps overlap and nothing scrolls sideways."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import Page, expect

from provisioning.flows import LaunchFlow
from provisioning.models import Launch
from tests.browser.test_layout import overflow
from tests.browser.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_launch_map_names_every_step_and_none_overlaps(page: Page, live_server, demo, language):
    base = live_server.url
    launch = Launch.objects.exclude(process=None).order_by("pk").first()
    with translation.override(language):
        titles = {node.name: str(node.task_title) for node in LaunchFlow.instance.nodes()}
    sign_in(page, base, "sup_province")
    expect(page.get_by_test_id("whoami")).to_be_attached()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/processes/{launch.process_id}/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        nodes = page.get_by_test_id("chart").locator("[data-node]")
        expect(nodes).to_have_count(len(titles))
        boxes = {}
        for node in nodes.all():
            name = node.get_attribute("data-node")
            expect(node.get_by_test_id("node-title")).to_have_text(titles[name])
            boxes[name] = node.bounding_box()
            assert 0 <= boxes[name]["x"] <= boxes[name]["x"] + boxes[name]["width"] <= width, (width, name)
        assert set(boxes) == set(titles)
        crowded = [(a, b) for a in boxes for b in boxes if a < b and overlap(boxes[a], boxes[b])]
        assert not crowded, (width, crowded)
        assert overflow(page) == 0, width


def test_the_check_finds_overlapping_steps():
    """The check can fail: two boxes sharing a corner's area overlap, two side by side do not."""
    box = {"x": 0, "y": 0, "width": 100, "height": 50}
    assert overlap(box, {"x": 90, "y": 40, "width": 100, "height": 50})
    assert not overlap(box, {"x": 100, "y": 0, "width": 100, "height": 50})
