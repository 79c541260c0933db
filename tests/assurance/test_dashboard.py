"""The assurance section of the supervisors' dashboard: time to restore by level, product and city, restorations
within their limit, the reopen rate, repeat faults, complaints per 100 running services and satisfaction, each
figure opening its tickets, scoped to the supervisor's city and exportable."""

import datetime as dt
from io import BytesIO
from urllib.parse import parse_qsl

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assurance.models import SatisfactionSurvey, TroubleTicket
from keyaccounts.core.roles import Role
from keyaccounts.core.templatetags.core_tags import hours_minutes
from sla.models import SlaClock, SlaPolicy

from .conftest import running_service

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def fault(owner, service, *, took, reopened=0, late=False, survey=None, status="closed") -> TroubleTicket:
    """A level-1 fault of `service`, restored `took` after its report a few hours ago (and closed)."""
    now = timezone.now()
    ticket = TroubleTicket.objects.create(
        type="fault",
        channel="account_manager",
        customer=owner,
        city=owner.city,
        account_manager=owner.account_manager,
        description="The line is down",
        severity="level1",
        priority="critical",
        status=status,
        resolved_at=now - H,
        closed_at=now - H / 2 if status == "closed" else None,
        reopen_count=reopened,
    )
    TroubleTicket.objects.filter(pk=ticket.pk).update(created_at=now - H - took)
    ticket.services.add(service)
    if late:
        policy = SlaPolicy.objects.get(step="assurance.fault_level1")
        SlaClock.objects.create(
            subject_type=ContentType.objects.get_for_model(TroubleTicket),
            subject_id=ticket.pk,
            step=policy.step,
            policy=policy,
            limit=policy.limit,
            time_basis=policy.time_basis,
            warn_at_percent=policy.warn_at_percent,
            warn_again_at_percent=policy.warn_again_at_percent,
            city=owner.city,
            started_at=now - H - took,
            due_at=now - H - took + policy.limit,
            breached_at=now - H - took + policy.limit,
            stopped_at=now - H,
            state=SlaClock.State.BREACHED,
        )
    if survey is not None:
        SatisfactionSurvey.objects.create(
            ticket=ticket, token_digest=f"d{ticket.pk}", sent_at=now, answered_at=now, average=survey
        )
    return ticket


@pytest.fixture
def figures(configured, customer, other_customer, catalogue):
    line = running_service(customer, catalogue["T2"])
    running_service(customer, catalogue["T2"])  # a second running service of the city, without faults
    far_line = running_service(other_customer, catalogue["T2"])
    return {
        "quick": fault(customer, line, took=2 * H, survey=5),
        "slow": fault(customer, line, took=6 * H, reopened=1, late=True, survey=2),
        "third": fault(customer, line, took=4 * H),
        "far": fault(other_customer, far_line, took=10 * H, late=True),
    }


def section(response) -> dict:
    (built,) = [s for s in response.context["sections"] if s["section"].key == "assurance"]
    return built["context"]


def tickets_at(client, link: str) -> set[str]:
    page = client.get(reverse("assurance:tickets"), dict(parse_qsl(link)))
    assert page.status_code == 200
    return {t.number for t in page.context["page"]}


def test_a_city_supervisor_sees_restoration_compliance_and_the_tickets_behind_each_figure(
    client, supervisor, figures, city
):
    client.force_login(supervisor)
    response = client.get(reverse("sla:dashboard"))
    data = section(response)
    (level1,) = data["restoration_by_level"]
    assert (level1["key"], level1["count"], level1["average"]) == ("Level 1 fault", 3, 4 * H)
    assert (level1["within"], level1["late"], level1["rate"]) == (2, 1, 66.7)
    assert [row["key"] for row in data["restoration_by_city"]] == ["Changchun"]  # not the other city's fault
    assert [row["key"] for row in data["restoration_by_product"]] == [figures["quick"].services.get().product.name]
    assert tickets_at(client, level1["link"]) == {figures[k].number for k in ("quick", "slow", "third")}
    assert tickets_at(client, level1["late_link"]) == {figures["slow"].number}
    summary = {row["testid"]: row for row in data["summary"]}
    assert summary["reopen-rate"]["value"] == 33.3
    assert tickets_at(client, summary["reopen-rate"]["link"]) == {figures["slow"].number}
    assert summary["satisfaction"]["value"] == 3.5
    assert summary["complaints-rate"]["value"] == 0  # no complaint over two running services
    (repeat,) = data["repeat_faults"]
    assert repeat["count"] == 3
    assert tickets_at(client, repeat["link"]) == {figures[k].number for k in ("quick", "slow", "third")}
    page = response.content.decode()
    assert "After-sale assurance" in page
    assert hours_minutes(4 * H) in page  # the mean time to restore, as people read a duration


def test_the_section_speaks_chinese_and_is_exported_to_excel(client, supervisor, figures):
    client.force_login(supervisor)
    page = client.get(reverse("sla:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "售后保障" in page
    assert "按故障级别的恢复时长" in page
    response = client.get(reverse("sla:dashboard"), {"export": "assurance-restoration_by_level", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[0][:2] == ("Level", "Restored")
    assert rows[1][:2] == ("Level 1 fault", 3)


def test_another_citys_tickets_are_neither_counted_nor_listed_for_a_city_supervisor(
    client, supervisor, figures, other_city, user_in_role
):
    client.force_login(supervisor)
    link = f"figure=restored&city={other_city.pk}"
    assert client.get(reverse("assurance:tickets"), dict(parse_qsl(link))).status_code == 404
    assert figures["far"].number not in tickets_at(client, "figure=restored")
    client.force_login(user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None, username="sup_province"))
    data = section(client.get(reverse("sla:dashboard"), {"city": other_city.pk}))
    (level1,) = data["restoration_by_level"]
    assert (level1["count"], level1["within"]) == (1, 0)
    client.force_login(user_in_role(Role.ACCOUNT_MANAGER, username="am_other"))
    assert client.get(reverse("assurance:tickets"), {"figure": "restored"}).status_code == 403
