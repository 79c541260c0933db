"""Table reports people print or send on: `pdf_table` lays a title and a table out as a landscape A4 PDF in the
reader's language. One font, Adobe's STSong-Light, writes both English and Chinese: it is one of the CID fonts
every PDF reader ships, so the file embeds none."""

import re
from collections.abc import Iterable, Sequence
from io import BytesIO

from django.http import HttpResponse
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .exports import cell_text, download_disposition

PDF = "pdf"
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

MARGIN = 12 * mm
PADDING = 6  # points each side of a cell's text
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=20, spaceAfter=6)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12)
# Chinese has no spaces between words: a text holding it may break between any two characters.
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
BREAK_ANYWHERE = {
    style.name: ParagraphStyle(f"{style.name}_cjk", parent=style, wordWrap="CJK") for style in (TITLE, CELL)
}


def _paragraph(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    markup = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # Paragraph reads markup
    return Paragraph(markup, BREAK_ANYWHERE[style.name] if CJK.search(text) else style)


def _column_widths(columns: list[list[str]], available: float) -> list[float]:
    """Each column as wide as its longest text when it fits its fair share of the page; the columns that do not
    share what is left, and wrap."""
    natural = [
        max(pdfmetrics.stringWidth(text, FONT, CELL.fontSize) for text in column) + 2 * PADDING + 1
        for column in columns
    ]
    widths = [0.0] * len(columns)
    remaining, wide = available, list(range(len(columns)))
    while wide:
        share = remaining / len(wide)
        narrow = [i for i in wide if natural[i] <= share]
        if not narrow:
            for i in wide:
                widths[i] = share
            break
        for i in narrow:
            widths[i] = natural[i]
            remaining -= natural[i]
        wide = [i for i in wide if i not in narrow]
    return widths


def pdf_table(*, name: str, title, headers: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """The table as a PDF download headed and titled `title` (translated), named as `export_table` names its files;
    `headers` are translated and repeat at the top of every page."""
    texts = [[str(header) for header in headers], *([cell_text(value) for value in row] for row in rows)]
    page = landscape(A4)
    widths = _column_widths([list(column) for column in zip(*texts, strict=True)], page[0] - 2 * MARGIN)
    table = Table([[_paragraph(text) for text in row] for row in texts], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#adb5bd")),
            ]
        )
    )
    content = BytesIO()
    document = SimpleDocTemplate(
        content,
        pagesize=page,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=str(title),
    )
    document.build([_paragraph(str(title), TITLE), Spacer(0, 2 * mm), table])
    response = HttpResponse(content.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = download_disposition(name=name, title=title, extension=PDF)
    return response
