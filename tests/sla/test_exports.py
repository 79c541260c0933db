"""Exports people open in Excel: every dashboard table downloads as XLSX and as CSV, with translated headers and
names in the reader's language; the CSV starts with a byte-order mark so that Excel reads its Chinese."""

import datetime as dt
from io import BytesIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from keyaccounts.core.roles import Role
from sla.views import EXPORTS
from tests.sla.test_dashboard import clocks  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(client, user_in_role, clocks, city):  # noqa: F811
    client.force_login(user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None))
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})


def sheet_rows(response) -> list[tuple]:
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def test_a_table_as_xlsx_has_translated_headers_and_chinese_names(client, supervisor):
    response = client.get(reverse("sla:dashboard"), {"export": "by_city", "format": "xlsx"})

    rows = sheet_rows(response)
    assert rows[0] == ("地市", "已达标", "已超时", "达标率（%）")
    assert ("长春", 4, 1, 80.0) in rows
    assert ("吉林", 0, 1, 0.0) in rows
    steps = sheet_rows(client.get(reverse("sla:dashboard"), {"export": "by_step", "format": "xlsx"}))
    assert steps[0][0] == "环节"
    assert "订单受理" in [row[0] for row in steps]


def test_every_table_exports_in_both_formats_with_a_named_first_column(client, supervisor):
    for table in EXPORTS:
        xlsx = sheet_rows(client.get(reverse("sla:dashboard"), {"export": table, "format": "xlsx"}))
        csv = client.get(reverse("sla:dashboard"), {"export": table}).content.decode("utf-8")
        assert xlsx[0][0], table
        assert not any(header.isascii() for header in xlsx[0] if header), (table, xlsx[0])  # translated
        assert csv.startswith("\ufeff" + xlsx[0][0] + ","), table


def test_the_csv_starts_with_a_byte_order_mark_and_keeps_chinese(client, supervisor):
    response = client.get(reverse("sla:dashboard"), {"export": "at_risk"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "环节,地市,到期,剩余时间,已用时间（%）,状态"
    assert "长春" in text
    assert "超时" in text  # the state by its name, not "breached"


def test_the_file_is_named_in_the_readers_language_and_dated_in_their_zone(client, supervisor):
    # given a Beijing morning that is still yesterday in UTC
    with time_machine.travel(dt.datetime(2026, 12, 8, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        chinese = client.get(reverse("sla:dashboard"), {"export": "by_city", "format": "xlsx"})
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        english = client.get(reverse("sla:dashboard"), {"export": "bottlenecks"})

    # then each reads in its language, with a plain name for clients that know no RFC 5987
    assert chinese["Content-Disposition"] == (
        'attachment; filename="sla-by_city-2026-12-08.xlsx"; '
        "filename*=UTF-8''" + quote("按地市达标率 2026-12-08.xlsx")
    )
    assert load_workbook(BytesIO(chinese.content), read_only=True).sheetnames == ["按地市达标率"]
    assert english["Content-Disposition"] == (
        'attachment; filename="sla-bottlenecks-2026-12-08.csv"; '
        "filename*=UTF-8''Bottlenecks%20how%20long%20steps%20take%202026-12-08.csv"  # no colon: Windows refuses it
    )
