"""No link leads to a refusal: every demo role, in both languages, follows every same-origin link it can
reach from the home page (GET only, bounded depth) and meets no 403, 404 or 500.

A link a page shows is a promise that its reader may open it; the crawler holds each role's pages to it.
"""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from viewflow.workflow.models import Task

from keyaccounts.core.management.commands.seed_demo import PEOPLE
from keyaccounts.core.workflow import OPEN_STATUSES

pytestmark = pytest.mark.django_db

DEMO_USERS = [username for username, *_ in PEOPLE]
LANGUAGES = [code for code, _name in settings.LANGUAGES]
MAX_DEPTH = 3
MAX_PAGES = 250  # per user and language: the demo's pages of one role, each of its kinds reached
MAX_VARIANTS = 8  # query-string variants of one path (the inbox's views and home's filtered queues, pages, sorts)
SKIPPED = ("/logout/", "/i18n/")  # signing out and the language switcher are POSTs behind forms
REFUSALS = {403, 404, 500}


@pytest.fixture(autouse=True)
def _default_language_after():
    """Pages activate their reader's language in the test's thread; the tests after these expect the default."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


class _Links(HTMLParser):
    """The `<a href>`s of a page, except those that act (`data-method`) rather than show."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") and "data-method" not in attrs:
            self.hrefs.append(attrs["href"])


def _same_origin_links(page_url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    links = []
    for href in parser.hrefs:
        url, _fragment = urldefrag(urljoin(f"http://testserver{page_url}", href))
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc == "testserver" and parts.path:
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def crawl(client, *, start: str = "/", max_depth: int = MAX_DEPTH, max_pages: int = MAX_PAGES, on_page=None):
    """Breadth-first over the links a signed-in client sees; returns the pages visited (their urls, in order)
    and the refusals met, each refusal as (status, url, the page that linked to it). `on_page(url, response)`
    reads each page opened."""
    seen, variants, refusals = {start}, {}, []
    queue = deque([(start, None, 0)])
    visited: list[str] = []
    while queue and len(visited) < max_pages:
        url, linked_from, depth = queue.popleft()
        response = client.get(url)
        visited.append(url)
        if response.status_code in REFUSALS:
            refusals.append((response.status_code, url, linked_from))
            continue
        if on_page is not None and response.status_code == 200:
            on_page(url, response)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if depth >= max_depth or response.status_code != 200 or not is_html:
            continue
        for link in _same_origin_links(url, response.content.decode()):
            path = urlsplit(link).path
            if link in seen or path.startswith(SKIPPED):
                continue
            if "?" in link:  # one path's filters and pages: a few stand for all
                variants[path] = variants.get(path, 0) + 1
                if variants[path] > MAX_VARIANTS:
                    continue
            seen.add(link)
            queue.append((link, url, depth + 1))
    return visited, refusals


def _open_task_pages(node, url_name: str, record_id) -> set[str]:
    """The pages that complete the open tasks of a step: `record_id(task)` names the record of the page."""
    tasks = Task.objects.filter(flow_task=node, status__in=OPEN_STATUSES)
    return {reverse(url_name, args=[record_id(task), task.pk]) for task in tasks}


def pages_to_reach(username: str) -> set[str]:
    """The pages each role works on in the demo's business, which its crawl must reach from home: the kinds of
    page the crawler would otherwise never open are held to it too (cancellations, complaints, the SI portal, a
    failed work order's manual handling and its correction)."""
    from assurance.flows import TicketFlow
    from orders.flows import OrderCancellationFlow, OrderFlow
    from provisioning.flows import LaunchFlow
    from provisioning.models import WorkOrder

    def of_order(task):
        return task.process.order.pk

    def of_launch(task):
        return task.process.launch.order_id

    def of_ticket(task):
        return task.process.ticket.pk

    def of_cancellation(task):
        return task.process.order_cancellation.order_id

    pages = {
        "bo_changchun": lambda: (
            _open_task_pages(OrderCancellationFlow.assess, "orders:task", of_cancellation)
            | _open_task_pages(OrderFlow.accept, "orders:task", of_order)
            | _open_task_pages(TicketFlow.triage, "assurance:task", of_ticket)
        ),
        "ops_changchun": lambda: _open_task_pages(LaunchFlow.manual, "provisioning:launch_task", of_launch),
        "am_changchun": lambda: _open_task_pages(LaunchFlow.correction, "provisioning:launch_task", of_launch),
        "presales": lambda: _open_task_pages(TicketFlow.handle_billing, "assurance:task", of_ticket),
        "sup_changchun": lambda: _open_task_pages(OrderFlow.approve, "orders:task", of_order),
        "si_jlsmart": lambda: {
            reverse("provisioning:si_work_order", args=[pk])
            for pk in WorkOrder.objects.filter(si_company__code="jl-smart").values_list("pk", flat=True)
        },
        "si_neiot": lambda: {
            reverse("provisioning:si_work_order", args=[pk])
            for pk in WorkOrder.objects.filter(si_company__code="ne-iot").values_list("pk", flat=True)
        },
    }
    wanted = pages[username]() if username in pages else set()
    assert wanted or username not in pages, f"the demo gives {username} nothing of what its crawl must reach"
    return wanted


@pytest.mark.parametrize("username", DEMO_USERS)
def test_no_link_a_demo_user_sees_leads_to_a_refusal(seeded, client, django_user_model, username):
    # given a demo user signed in, in each of the site's languages
    client.raise_request_exception = False  # a 500 is recorded as a refusal, with the page that linked to it
    client.force_login(django_user_model.objects.get(username=username))
    found = []
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # as the language switcher leaves it

        # when they follow every link reachable from the home page
        visited, refusals = crawl(client)

        # then each page opened, and the pages of the demo's business the role works on were among them
        assert len(visited) > 1, f"{username} ({language}) reached no page from home"
        found += [f"{status} {url} (linked from {page}) [{language}]" for status, url, page in refusals]
        missed = pages_to_reach(username) - set(visited)
        assert not missed, f"{username} ({language}) did not reach {sorted(missed)}"
    assert not found, f"{username} met refusals:\n" + "\n".join(found)


def test_the_crawler_reports_a_link_its_reader_may_not_open(seeded, client, django_user_model, monkeypatch):
    """The crawler can fail: were the navigation to ask only the permission, a back-office user outside any
    provisioning team would be shown the failed deliveries, which refuse them."""
    from keyaccounts.core import registry

    # given the navigation no longer asking the dead letters page's own access check
    monkeypatch.setattr(registry, "_page_access", {})
    client.raise_request_exception = False
    client.force_login(django_user_model.objects.get(username="bo_changchun"))

    # when the user follows the links from home
    _visited, refusals = crawl(client, max_depth=1)

    # then the crawler reports the refusal and the page that linked to it
    assert (403, reverse("provisioning:dead_letters"), "/") in refusals
