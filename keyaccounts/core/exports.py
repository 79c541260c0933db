"""Table exports people open in Excel: every export view hands its translated headers and rows to `export_table`,
which writes them as XLSX or as CSV in UTF-8 with a byte-order mark (without it Excel reads Chinese as the
system's code page)."""

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"


def export_format(value: str | None) -> str:
    """The format a request asks for (`?format=xlsx`), CSV when it names none or another."""
    return value if value in FORMATS else CSV


def _cell(value):
    """A value as a spreadsheet holds it: moments in the reader's time zone without an offset (Excel has none),
    lazy translations as text, nothing for None."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Promise):
        return str(value)
    return "" if value is None else value


def cell_text(value) -> str:
    """A value as a text file or a printed table writes it: moments in the reader's time zone to the minute."""
    value = _cell(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def download_disposition(*, name: str, title, extension: str, day: date | None = None) -> str:
    """`attachment` named "`title` `day`.`extension`" in the reader's language (RFC 5987 `filename*`), with
    "`name`-`day`" for the few clients that read only the plain ASCII `filename`."""
    day = day or timezone.localdate()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{name}-{day.isoformat()}.{extension}")
    title = " ".join(re.sub(r'[\\/:*?"<>|]', " ", str(title)).split())  # characters no file system takes
    readable = quote(f"{title} {day.isoformat()}.{extension}", safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{readable}"


def _sheet_title(title) -> str:
    """Excel refuses some characters and more than 31 in a sheet's name."""
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31]


def export_table(*, name: str, title, headers: Sequence, rows: Iterable[Sequence], fmt: str = CSV) -> HttpResponse:
    """The table as a download titled `title` (translated) and dated today in the reader's zone, `name` (ASCII,
    without extension) its plain fallback; `headers` are translated, the first names the first column."""
    if export_format(fmt) == XLSX:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=_sheet_title(title))
        bold = Font(bold=True)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=str(header))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([_cell(value) for value in row])
        content = BytesIO()
        book.save(content)
        response = HttpResponse(content.getvalue(), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write(BOM)
        writer = csv.writer(response)
        writer.writerow([str(header) for header in headers])
        writer.writerows([cell_text(value) for value in row] for row in rows)
    response["Content-Disposition"] = download_disposition(name=name, title=title, extension=export_format(fmt))
    return response
