"""The month's availability budget of a running service: interrupting faults count from report to restoration;
at 80 % of the budget the account manager is told once; beyond it, and when a restoration breaches its contracted
time, the customer is credited exactly once (TMF623 consequence). The customer's monthly SLA report and its Excel
download show the outage, its causes and the credits; another city sees none of it."""

import datetime as dt
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from assurance.availability import availability_sweep, budget_minutes
from assurance.demo import seed_demo_planned_configuration
from assurance.models import AvailabilityBudget, SlaCredit, TroubleTicket
from keyaccounts.core.models import Notification
from keyaccounts.core.roles import Role
from sla.models import QualityGrade, SlaClock
from sla.services import sla_clocks_stop_many
from sla.sweep import sla_sweep

from .conftest import report, running_service

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI)
MINUTE, HOUR = dt.timedelta(minutes=1), dt.timedelta(hours=1)
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture
def gold(configured, catalogue, customer):
    """A gold internet line (99.99 % a month: 4.46 minutes of outage in December) and the demo's credit rules
    (restoration late: 5 % of the monthly fee; availability missed: 10 %)."""
    seed_demo_planned_configuration()
    QualityGrade.objects.create(code="gold", name_en="Gold", name_zh="金牌", monthly_availability="99.990")
    return running_service(customer, catalogue["T2"], sla_grade="gold")


def fault(manager, customer, line, *, down: dt.timedelta) -> TroubleTicket:
    """A fault that interrupted the line, restored `down` after it was reported (EOMS's resolution)."""
    ticket = report(manager, customer, kind="fault", services=[line], interruption=True, description="Line down")
    TroubleTicket.objects.filter(pk=ticket.pk).update(
        status=TroubleTicket.Status.RESOLVED, resolved_at=ticket.created_at + down
    )
    ticket.refresh_from_db()
    return ticket


def warnings_to(user) -> int:
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.AVAILABILITY_BUDGET).count()


def test_the_budget_warns_the_account_manager_once_and_a_missed_month_is_credited_once(gold, manager, customer, client):
    assert budget_minutes(Decimal("99.990"), DECEMBER) == Decimal("4.46")
    with time_machine.travel(T0, tick=False) as clock:
        fault(manager, customer, gold, down=4 * MINUTE)  # 90 % of the budget
        clock.shift(HOUR)
        availability_sweep()
        availability_sweep()
        budget = AvailabilityBudget.objects.get(service=gold, month=DECEMBER)
        assert (budget.used_minutes, budget.target, budget.warned_at) == (Decimal("4.00"), Decimal("99.990"), T0 + HOUR)
        assert warnings_to(manager) == 1
        assert not SlaCredit.objects.exists()  # within the budget

        fault(manager, customer, gold, down=2 * MINUTE)  # 6 minutes: the target is missed
        clock.shift(HOUR)
        availability_sweep()
        availability_sweep()
        assert warnings_to(manager) == 1  # once a month
        (credit,) = SlaCredit.objects.all()
        assert (credit.customer, credit.service, credit.month, credit.reason, credit.percent) == (
            customer,
            gold,
            DECEMBER,
            "availability",
            Decimal("10.00"),
        )
    client.force_login(manager)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    credits = page[page.index('data-testid="credits"') :].split("</section>")[0]
    assert "Monthly availability below target" in credits
    assert gold.number in credits


def test_a_restoration_late_by_less_than_a_sweep_is_credited_all_the_same(gold, manager, customer):
    with time_machine.travel(T0, tick=False) as clock:
        ticket = report(manager, customer, kind="fault", services=[gold], interruption=True, description="Line down")
        clock.shift(4 * HOUR + MINUTE)  # level 1: 4 hours; restored a minute late, before the sweep saw it due
        sla_clocks_stop_many(model=TroubleTicket, subject_ids=[ticket.pk], steps=["assurance.fault_level1"])
        TroubleTicket.objects.filter(pk=ticket.pk).update(
            status=TroubleTicket.Status.RESOLVED, resolved_at=T0 + 4 * HOUR + MINUTE
        )
        availability_sweep()
    assert SlaCredit.objects.get(reason="restore_time").ticket == ticket


def test_a_restoration_later_than_contracted_is_credited_once_and_the_report_and_excel_show_it(
    gold, manager, customer, supervisor, user_in_role, other_city, client
):
    with time_machine.travel(T0, tick=False) as clock:
        ticket = report(manager, customer, kind="fault", services=[gold], interruption=True, description="Line down")
        clock.shift(5 * HOUR)  # the demo's level-2 restoration is 8 hours; level 1 is 4
        sla_sweep()
        clock.shift(4 * HOUR)
        sla_sweep()
        clocks = SlaClock.objects.filter(subject_id=ticket.pk, step__startswith="assurance.fault_")
        assert clocks.exclude(breached_at=None).count() == 1  # the restoration breached its contracted time
        TroubleTicket.objects.filter(pk=ticket.pk).update(
            status=TroubleTicket.Status.RESOLVED, resolved_at=T0 + 9 * HOUR
        )
        availability_sweep()
        availability_sweep()
    restore = SlaCredit.objects.get(reason="restore_time")
    assert (restore.ticket, restore.service, restore.month, restore.percent) == (
        ticket,
        gold,
        DECEMBER,
        Decimal("5.00"),
    )
    # 540 minutes down also misses the month's target: one credit of each kind.
    assert SlaCredit.objects.filter(reason="availability").count() == 1
    assert SlaCredit.objects.count() == 2

    client.force_login(manager)
    url = reverse("assurance:sla_report", args=[customer.pk])
    page = client.get(url, {"month": "2026-12"}).content.decode()
    assert f"Fault {ticket.number}" in page
    assert "540" in page  # the outage in minutes
    assert "Restoration later than contracted" in page
    assert "Monthly availability below target" in page
    assert "98.79" in page  # availability achieved: 1 − 540 / 44 640

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    download = client.get(url, {"month": "2026-12", "format": "xlsx"})
    # Titled in the reader's language (the plain fallback: the report's month, then the day it was taken).
    assert download["Content-Disposition"].startswith(f'attachment; filename="sla-{customer.pk}-2026-12-')
    assert quote(f"月度 SLA 报告 {customer.name} 2026-12 ") in download["Content-Disposition"]
    sheet = load_workbook(BytesIO(download.content)).active
    header, *rows = list(sheet.values)
    assert header[0] == "业务"
    assert "中断时长（分钟）" in header
    (row,) = rows
    assert row[0] == gold.number
    assert Decimal(str(row[4])) == Decimal("540")
    assert f"故障 {ticket.number}" in row[5]
    assert "修复超时" in row[6]

    # The city's supervisor sees the credits and the budget at risk; another city's sees none of them.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(supervisor)
    page = client.get(reverse("assurance:availability"), {"month": "2026-12"}).content.decode()
    assert customer.name in page[page.index('data-testid="budgets-at-risk"') :]
    far = user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_jilin")
    client.force_login(far)
    page = client.get(reverse("assurance:availability"), {"month": "2026-12"}).content.decode()
    assert customer.name not in page
    assert "No availability budget at risk." in page
    assert "No credit in these months." in page
    assert client.get(url).status_code == 404


def pdf_text(download) -> str:
    """The PDF's text with its line breaks as spaces (a cell wraps where its column ends)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(download.content)).pages)


def test_the_monthly_report_downloads_as_a_pdf_in_the_readers_language(
    gold, manager, customer, supervisor, user_in_role, other_city, client
):
    # given a December fault of 9 minutes on the gold line: its 4.46 minutes are missed and the month credited
    with time_machine.travel(T0, tick=False) as clock:
        ticket = fault(manager, customer, gold, down=9 * MINUTE)
        clock.shift(HOUR)
        availability_sweep()
    url = reverse("assurance:sla_report", args=[customer.pk])

    # when the account manager follows the report page's PDF link
    client.force_login(manager)
    page = client.get(url, {"month": "2026-12"}).content.decode()
    assert 'href="?month=2026-12&format=pdf"' in page
    download = client.get(url, {"month": "2026-12", "format": "pdf"})

    # then the file is a PDF named like the Excel one, with the title and the table in English
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith(f'attachment; filename="sla-{customer.pk}-2026-12-')
    assert quote(f"Monthly SLA report {customer.name} 2026-12 ") in download["Content-Disposition"]
    text = pdf_text(download)
    assert f"Monthly SLA report {customer.name} 2026-12" in text
    assert "Outage (minutes)" in text
    assert gold.number in text
    assert f"Fault {ticket.number} 2026-12-15 10:00–10:09" in text  # in the reader's zone
    assert "Monthly availability below target" in text

    # and in Chinese for a reader of Chinese (Chinese wraps anywhere: compared without the breaks)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    download = client.get(url, {"month": "2026-12", "format": "pdf"})
    assert quote(f"月度 SLA 报告 {customer.name} 2026-12 ") in download["Content-Disposition"]
    text = pdf_text(download).replace(" ", "")
    assert f"月度SLA报告{customer.name}2026-12" in text
    assert "中断时长（分钟）" in text
    assert gold.number in text
    assert f"故障{ticket.number}" in text
    assert "月度可用率低于目标" in text
    assert "Monthly" not in text

    # the city's supervisor may take it too; another city's gets what the page gives, nothing
    client.force_login(supervisor)
    assert client.get(url, {"month": "2026-12", "format": "pdf"})["Content-Type"] == "application/pdf"
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_jilin"))
    assert client.get(url, {"month": "2026-12"}).status_code == 404
    assert client.get(url, {"month": "2026-12", "format": "pdf"}).status_code == 404
