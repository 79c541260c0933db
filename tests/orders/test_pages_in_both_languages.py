"""The pages people read name things: steps, states and element values by their translated names, timelines as
sentences, no code, Python value or ISO timestamp, in English and in Simplified Chinese."""

import datetime as dt
import html
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import strip_tags

from keyaccounts.catalogue.demo import seed_demo_elements, seed_demo_products
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import Team
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for, timeline_record
from orders import services
from orders.flows import OrderFlow
from orders.services import ItemInput
from provisioning.timeline import WorkOrderAction
from sla.demo import seed_demo_policies
from sla.timeline import SlaAction
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

ELEMENTS = {
    "contact_name": "王工",
    "contact_phone": "13912345678",
    "contract_no": "JL2026112301",
    "monthly_fee": "8000",
    "sla_grade": "silver",
    "member_count": 30,
    "package": "VPMN-58",
}
STEP_CODE = re.compile(r"\b(?:customer|opportunity|order|launch|assurance)\.[a-z_]+\b")
TMF_STATE = re.compile(r"\b(?:inProgress|acknowledged|assessingCancellation|pendingCancellation)\b")
PYTHON_VALUE = re.compile(r"\b(?:True|False|None)\b(?! [a-z])")  # "None yet." is a sentence
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d")


def visible_text(response) -> str:
    """What a reader sees of the page's main part: its text, without markup, scripts or the chart."""
    page = response.content.decode()
    assert response.status_code == 200
    main = page[page.index("<main") :] if "<main" in page else page
    main = re.sub(r"<(script|style|svg)\b.*?</\1>", "", main, flags=re.S)
    return html.unescape(strip_tags(main))


def assert_reads_as_words(text: str) -> None:
    assert not STEP_CODE.findall(text), STEP_CODE.findall(text)
    assert not TMF_STATE.findall(text), TMF_STATE.findall(text)
    assert not PYTHON_VALUE.findall(text), PYTHON_VALUE.findall(text)
    assert "{" not in text, text
    assert "[" not in text, text
    assert not ISO_MOMENT.findall(text)


@pytest.fixture
def order_at_acceptance(manager, customer, city):
    """A VPMN order (instant activation) with the demo's elements, waiting for the acceptance team."""
    seed_demo_products()
    seed_demo_elements()
    seed_demo_policies()
    order = services.order_create(
        user=manager,
        customer=customer,
        items=[ItemInput(product=Product.objects.get(code="vpmn"), elements=ELEMENTS)],
    )
    order.billing_account = customer.billing_accounts.get()
    order.save()
    return services.order_submit(user=manager, order=order, version=order.version)


@pytest.fixture
def acceptance_team_member(user_in_role, city):
    team = TeamFactory(city=city, kind=Team.Kind.ORDER_ACCEPTANCE)
    return user_in_role(Role.BACK_OFFICE, city=city, teams=[team], username="bo_accept")


def in_language(client, language: str) -> None:
    client.post(reverse("set_language"), {"language": language, "next": "/"})


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["订单受理", "草稿 → 已受理", "商务要素", "月费", "8000 元/月", "银牌", "VPMN-58", "无需审批"]),
        ("en", ["Order acceptance", "Draft → Acknowledged", "Commercial elements", "8000 CNY/month", "Silver"]),
    ],
)
def test_the_order_its_task_and_the_inbox_read_as_words(
    client, order_at_acceptance, acceptance_team_member, language, words
):
    order = order_at_acceptance
    task = order.process.task_set.get(flow_task=OrderFlow.accept)
    client.force_login(acceptance_team_member)
    in_language(client, language)

    detail = visible_text(client.get(reverse("orders:detail", args=[order.pk])))
    task_page = visible_text(client.get(reverse("orders:task", args=[order.pk, task.pk])))
    inbox = visible_text(client.get(reverse("inbox"), {"view": "queue"}))

    for text in (detail, task_page, inbox):
        assert_reads_as_words(text)
    for word in words:
        assert word in detail
    assert words[0] in task_page  # the step's name
    assert words[0] in inbox  # the step column and the step filter
    assert words[3] in task_page  # the elements the acceptance team checks


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["订单受理"]),
        ("en", ["Order acceptance"]),
    ],
)
def test_the_sla_dashboard_names_its_steps(
    client, order_at_acceptance, acceptance_team_member, user_in_role, city, language, words
):
    task = order_at_acceptance.process.task_set.get(flow_task=OrderFlow.accept)
    services.order_accept(user=acceptance_team_member, task_pk=task.pk, decision=services.APPROVE)
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=city, username="sup"))
    in_language(client, language)

    dashboard = visible_text(client.get(reverse("sla:dashboard")))

    assert_reads_as_words(dashboard)
    assert words[0] in dashboard


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["已受理 → 处理中", "里程碑: configured", "VPMN集团虚拟网 → T1 即时开通", "订单受理", "到期"]),
        ("en", ["Acknowledged → In progress", "Milestone: configured", "→ T1 instant activation", "Due"]),
    ],
)
def test_a_timeline_is_written_as_sentences(order_at_acceptance, acceptance_team_member, settings, language, words):
    order = order_at_acceptance
    task = order.process.task_set.get(flow_task=OrderFlow.accept)
    services.order_accept(user=acceptance_team_member, task_pk=task.pk, decision=services.APPROVE)
    at = timezone.now() - dt.timedelta(hours=1)
    # The lines a peer's events and the SLA sweep write, with their data as those writers keep it.
    timeline_record(
        subject=order,
        action=WorkOrderAction.STATE_CHANGED,
        from_state="acknowledged",
        to_state="inProgress",
        data={"work_order": f"{order.number}-00001-1"},
    )
    timeline_record(
        subject=order,
        action=WorkOrderAction.MILESTONE,
        data={"work_order": "W-1", "at": at.isoformat(), "milestone": [{"name": "configured"}], "note": None},
    )
    timeline_record(
        subject=order,
        action=SlaAction.WARNED,
        data={"step": "order.acceptance", "due": at.isoformat(), "level": 1},
    )

    with translation.override(language):
        text = html.unescape(strip_tags(render_to_string("includes/timeline.html", {"events": timeline_for(order)})))
        shown_at = date_format(timezone.localtime(at), "DATETIME_FORMAT")  # the page's zone, the locale's format

    assert_reads_as_words(text)
    for word in words:
        assert word in text
    assert text.count(shown_at) == 2  # the milestone's moment and the step's due time


def test_the_checks_findings_read_in_the_readers_language_whoever_ran_it(client, manager, customer, city):
    # given an order the check refused while a Chinese reader's request ran it
    seed_demo_products()
    seed_demo_elements()
    order = services.order_create(
        user=manager, customer=customer, items=[ItemInput(Product.objects.get(code="vpmn"), elements={})]
    )
    order.billing_account = customer.billing_accounts.get()
    order.save()
    with translation.override("zh-hans"):
        order = services.order_submit(user=manager, order=order, version=order.version)
    order.refresh_from_db()
    (finding, *_others) = order.check_findings
    assert set(finding) == {"en", "zh-hans"}
    client.force_login(manager)

    # then the order page, its correction page and its timeline word them in each reader's language
    for language in ("en", "zh-hans"):
        in_language(client, language)
        for url in (reverse("orders:detail", args=[order.pk]), reverse("orders:edit", args=[order.pk])):
            text = visible_text(client.get(url))
            assert all(html.unescape(f[language]) in text for f in order.check_findings), (language, url)
            other = "zh-hans" if language == "en" else "en"
            assert finding[other] not in text, (language, url)

    # and findings kept as one text before (or a reviewer's own words) still read as they were
    order.check_findings = ["客户要求先签合同"]
    order.save(update_fields=["check_findings"])
    in_language(client, "en")
    assert "客户要求先签合同" in visible_text(client.get(reverse("orders:detail", args=[order.pk])))
