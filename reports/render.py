"""Lay a ``Report`` out as PDF (reportlab), XLSX (openpyxl, write-only) or CSV.

- ``pdf(doc) -> bytes``: A4, the embedded CJK font (``reports/fonts/``), tables that break across
  pages with the header row repeated, cells that wrap instead of being cut off, a footer
  "第 N 页 / 共 M 页", and ``invariant=1``: the same report gives the same bytes.
- ``xlsx(doc) -> Iterator[bytes]``: one sheet per table; rows stream into a write-only workbook
  (openpyxl keeps them in a temporary file, not in memory) and the finished file is read back in
  chunks. Money is a number formatted ``#,##0.00`` made from an exact ``Decimal``; dates are dates.
- ``csv(doc) -> Iterator[bytes]``: UTF-8 with a BOM (Excel on Chinese Windows reads it as UTF-8),
  CRLF, money as ``1234.56``, dates as ``2026-11-25``; the data only (no title or meta lines).

Every text cell of a CSV or XLSX goes through ``document.spreadsheet_safe``.
"""
from __future__ import annotations

import contextlib
import csv as _csv
import datetime as dt
import io
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from xml.sax.saxutils import escape

from kernel.money import format_fen, from_fen
from reports.document import Column, Kind, Report, Table, check_row, date_zh, money_text, spreadsheet_safe

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
FONT_SUBFONT_INDEX = 0  # the .ttc holds Micro Hei (0) and Micro Hei Mono (1)

_font_lock = threading.Lock()


def register_font() -> str:
    """Register the CJK font with reportlab once per process; return its name."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE), subfontIndex=FONT_SUBFONT_INDEX))
            for bold in (0, 1):  # the font has no bold or italic face: <b> must not fall back to Helvetica
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME


# === PDF =========================================================================================

_FONT_SIZE = 9
_PAD = 4  # cell padding left and right, points
_CELL_STYLE = {Kind.TEXT: "cell", Kind.MONEY: "number", Kind.INT: "number", Kind.DATE: "date"}
# the narrowest a number column gets, so that an empty table looks like a full one
_TYPICAL = {Kind.MONEY: money_text(99_999_999), Kind.DATE: date_zh(dt.date(2026, 12, 31)), Kind.INT: "0000"}


def pdf(doc: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font = register_font()
    st = _styles(font)
    laid = [_LaidTable(t, st) for t in doc.tables]  # consumes each table's rows once
    margin = 15 * mm
    turn = doc.landscape
    if turn is None:  # upright unless some table's number columns and narrowest text cannot fit
        turn = any(t.min_width > A4[0] - 2 * margin for t in laid)
    pagesize = landscape(A4) if turn else A4
    width = pagesize[0] - 2 * margin

    story: list[Any] = [Paragraph(_para_text(doc.title), st["title"])]
    if doc.subtitle:
        story.append(Paragraph(_para_text(doc.subtitle), st["subtitle"]))
    if doc.meta:
        story.append(_meta_table(doc.meta, width, st))
    if doc.cover:
        story.append(PageBreak())
    for heading, body in doc.sections:
        if heading:
            story.append(Paragraph(_para_text(heading), st["heading"] if body else st["section"]))
        if body:
            story.append(Paragraph(_para_text(body), st["note"]))
    for t in laid:
        story.append(Spacer(1, 4 * mm))
        # a table's title stays with its first rows: start a new page when fewer than ~5 rows fit
        # (keepWithNext would move a long table whole to the next page)
        story.append(CondPageBreak(30 * mm))
        if t.table.title:
            story.append(Paragraph(_para_text(t.table.title), st["heading"]))
        story.append(t.flowable(width, colors))
    if doc.notes:
        story.append(Spacer(1, 4 * mm))
        story.append(KeepTogether([Paragraph("说明", st["heading"])]
                                  + [Paragraph(f"{n}. {_para_text(note)}", st["note"])
                                     for n, note in enumerate(doc.notes, start=1)]))

    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=margin, rightMargin=margin,
                                 topMargin=margin, bottomMargin=margin + 5 * mm, title=doc.title,
                                 author="云券 yunquan", creator="yunquan reports", invariant=1,
                                 initialFontName=font, initialFontSize=_FONT_SIZE)  # no Helvetica reference
    template.build(story, canvasmaker=_page_numbering_canvas(font))
    return out.getvalue()


def _styles(font: str) -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("cell", fontName=font, fontSize=_FONT_SIZE, leading=_FONT_SIZE * 1.3,
                          wordWrap="CJK")  # CJK wrapping breaks between any two characters: nothing is cut off
    return {
        "cell": base,
        "number": ParagraphStyle("number", parent=base, alignment=TA_RIGHT),
        "date": ParagraphStyle("date", parent=base, alignment=TA_CENTER),
        "header": ParagraphStyle("header", parent=base, alignment=TA_CENTER),
        "empty": ParagraphStyle("empty", parent=base, alignment=TA_CENTER, textColor="#555555"),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=TA_CENTER,
                                spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15, alignment=TA_CENTER,
                                   spaceAfter=4),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11, leading=15, alignment=TA_LEFT,
                                  spaceBefore=2, spaceAfter=3),
        "note": ParagraphStyle("note", parent=base, leading=_FONT_SIZE * 1.5),
        "section": ParagraphStyle("section", parent=base, fontSize=13, leading=18, alignment=TA_LEFT,
                                  spaceBefore=6, spaceAfter=4),
        "meta_label": ParagraphStyle("meta_label", parent=base, alignment=TA_RIGHT, textColor="#444444"),
    }


def _para_text(text: str) -> str:
    """Plain text as Paragraph markup: escaped, line breaks kept."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def _pdf_cell(kind: Kind, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # a text column, or a label in a totals row
        return _para_text(value)
    if kind is Kind.MONEY:
        return money_text(value)
    if kind is Kind.DATE:
        return date_zh(value)
    return str(value)


def _text_width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return stringWidth(text, font, size)


class _LaidTable:
    """One table's cells as formatted text, and the widths its columns need."""

    def __init__(self, table: Table, st: dict[str, Any]):
        self.table = table
        self.st = st
        cols = table.columns
        self.body: list[list[str]] = []
        for n, row in enumerate(table.rows, start=1):
            row = tuple(row)
            check_row(cols, row, where=f"row {n}")
            self.body.append([_pdf_cell(c.kind, v) for c, v in zip(cols, row)])
        self.totals = [_pdf_cell(c.kind, v) for c, v in zip(cols, table.totals)] if table.totals else None
        font = st["cell"].fontName
        shown = self.body + ([self.totals] if self.totals else [])
        self.need: list[float] = []  # width of number columns: the widest value on one line
        for i, col in enumerate(cols):
            if col.kind is Kind.TEXT:
                self.need.append(0.0)
                continue
            widest = max((_text_width(r[i], font, _FONT_SIZE) for r in shown),
                         default=_text_width(_TYPICAL[col.kind], font, _FONT_SIZE))
            header = min(_text_width(col.header, font, _FONT_SIZE), 4 * _FONT_SIZE)  # headers may wrap
            self.need.append(max(widest, header, 2 * _FONT_SIZE) + 2 * _PAD + 1)
        text_min = 4 * _FONT_SIZE + 2 * _PAD  # a text column at least four characters wide
        self.min_width = sum(self.need) + text_min * sum(1 for c in cols if c.kind is Kind.TEXT)

    def widths(self, width: float) -> list[float]:
        cols = self.table.columns
        text = [i for i, c in enumerate(cols) if c.kind is Kind.TEXT]
        if self.min_width > width:  # even the turned page is too narrow: share it out; cells wrap
            scale = width / self.min_width
            text_min = 4 * _FONT_SIZE + 2 * _PAD
            return [(n if c.kind is not Kind.TEXT else text_min) * scale for n, c in zip(self.need, cols)]
        if not text:  # only number columns: spread the spare width evenly
            spare = (width - sum(self.need)) / len(cols)
            return [n + spare for n in self.need]
        left = width - sum(self.need)
        total_weight = sum(cols[i].weight for i in text)
        return [left * c.weight / total_weight if c.kind is Kind.TEXT else n for n, c in zip(self.need, cols)]

    def flowable(self, width: float, colors):
        from reportlab.platypus import Paragraph
        from reportlab.platypus import Table as RLTable
        from reportlab.platypus import TableStyle

        st, cols = self.st, self.table.columns
        styles = [st[_CELL_STYLE[c.kind]] for c in cols]
        header = [Paragraph(_para_text(c.header), st["header"]) for c in cols]
        data = [header]
        commands: list[tuple] = [
            ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e8ee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if not self.body:
            data.append([Paragraph(_para_text(self.table.empty_message), st["empty"])] + [""] * (len(cols) - 1))
            commands.append(("SPAN", (0, 1), (-1, 1)))
        for r in self.body:
            data.append([Paragraph(text, style) for text, style in zip(r, styles)])
        if self.totals:
            data.append([Paragraph(text, style) for text, style in zip(self.totals, styles)])
            commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f2f2f2")))
        return RLTable(data, colWidths=self.widths(width), repeatRows=1, style=TableStyle(commands), hAlign="LEFT")


def _meta_table(meta: Sequence[tuple[str, str]], width: float, st: dict[str, Any]):
    """Label-value pairs, two pairs to a line, no grid."""
    from reportlab.platypus import Paragraph
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    cells = [(Paragraph(_para_text(k) + "：", st["meta_label"]), Paragraph(_para_text(v), st["cell"]))
             for k, v in meta]
    rows = []
    for i in range(0, len(cells), 2):
        pair = list(cells[i]) + (list(cells[i + 1]) if i + 1 < len(cells) else ["", ""])
        rows.append(pair)
    # the labels' column as wide as the widest label (one line each), within a fifth of the page
    font = st["meta_label"].fontName
    widest = max((_text_width(k + "：", font, _FONT_SIZE) for k, _ in meta), default=0.0)
    label = min(max(widest + 5, 4 * _FONT_SIZE), width * 0.2)
    value = width / 2 - label
    return RLTable(rows, colWidths=[label, value, label, value], hAlign="LEFT",
                   style=TableStyle([("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
                                     ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                     ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                                     ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))


def _page_numbering_canvas(font: str):
    """A canvas that holds each finished page until the document is complete, then stamps every page
    "第 N 页 / 共 M 页": the total is known only after the last page is laid out."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    class PageNumberingCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                width = self._pagesize[0]
                self.setFont(font, 9)
                self.setFillColorRGB(0.3, 0.3, 0.3)
                self.drawCentredString(width / 2, 10 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页")
                canvas.Canvas.showPage(self)
            canvas.Canvas.save(self)

    return PageNumberingCanvas


# === cells for spreadsheets ======================================================================

def _wrong(col: Column, value: Any, wanted: str):
    raise TypeError(f"column {col.header!r} takes {wanted}, got {type(value).__name__}: {value!r}")


def _csv_converter(col: Column) -> Callable[[Any], str]:
    """Value -> CSV text for one column; refuses a value of the wrong type (a float as money)."""
    kind = col.kind
    if kind is Kind.MONEY:
        def conv(v):
            if v is None:
                return ""
            if type(v) is not int:
                _wrong(col, v, "int fen")
            return format_fen(v)
    elif kind is Kind.INT:
        def conv(v):
            if v is None:
                return ""
            if type(v) is not int:
                _wrong(col, v, "int")
            return str(v)
    elif kind is Kind.DATE:
        def conv(v):
            if v is None:
                return ""
            if type(v) is not dt.date and (isinstance(v, dt.datetime) or not isinstance(v, dt.date)):
                _wrong(col, v, "a date")
            return v.isoformat()
    else:
        def conv(v):
            if v is None:
                return ""
            if type(v) is not str:
                _wrong(col, v, "text")
            return spreadsheet_safe(v)
    return conv


def _rows_checked(table: Table) -> Iterator[tuple]:
    width = len(table.columns)
    for n, row in enumerate(table.rows, start=1):
        if len(row) != width:
            raise ValueError(f"row {n} of table {table.title!r} has {len(row)} cells for {width} columns")
        yield row


# === CSV =========================================================================================

BOM = "\ufeff".encode()


def csv(doc: Report, *, flush_every: int = 1000) -> Iterator[bytes]:
    """Stream the tables as CSV. With several tables, each starts with its title on a line of its own
    and tables are separated by an empty line. An empty table is its header and its empty message."""
    yield BOM
    buf = io.StringIO()
    writer = _csv.writer(buf, lineterminator="\r\n")

    def drain() -> bytes:
        data = buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
        return data

    several = len(doc.tables) > 1
    for i, table in enumerate(doc.tables):
        if several:
            if i:
                writer.writerow([])
            writer.writerow([spreadsheet_safe(table.title or f"表{i + 1}")])
        writer.writerow([spreadsheet_safe(c.header) for c in table.columns])
        convs = [_csv_converter(c) for c in table.columns]
        empty = True
        for n, row in enumerate(_rows_checked(table), start=1):
            empty = False
            writer.writerow([conv(v) for conv, v in zip(convs, row)])
            if n % flush_every == 0:
                yield drain()
        if empty:
            writer.writerow([spreadsheet_safe(table.empty_message)])
        if table.totals:
            writer.writerow([spreadsheet_safe(v) if isinstance(v, str) else conv(v)
                             for conv, v in zip(convs, table.totals)])
        yield drain()


# === XLSX ========================================================================================

MONEY_FORMAT = "#,##0.00"
EXCEL_MAX_ROWS = 1_048_576  # rows in one sheet; a longer table goes on on a sheet named "… (2)"
DATE_FORMAT = "yyyy-mm-dd"
_XLSX_WIDTH = {Kind.TEXT: 28, Kind.MONEY: 16, Kind.DATE: 12, Kind.INT: 10}


def xlsx(doc: Report, *, preamble: bool = True, chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """Stream the report as an XLSX file, one sheet per table.

    With ``preamble`` each sheet starts with the title, subtitle and meta lines and a blank line
    before the header row; notes follow the table. Without it the header is row 1 (for files that a
    program reads back). Nothing is built until the first chunk is asked for."""
    from openpyxl import Workbook

    with tempfile.TemporaryFile() as spool:
        wb = Workbook(write_only=True)
        try:
            _fill_workbook(wb, doc, preamble=preamble)
            wb.save(spool)
        except BaseException:
            _discard(wb)
            raise
        spool.seek(0)
        while chunk := spool.read(chunk_size):
            yield chunk


def xlsx_bytes(doc: Report, **kwargs) -> bytes:
    return b"".join(xlsx(doc, **kwargs))


def _discard(wb) -> None:
    """Close a half-written workbook and delete its sheets' temporary files, which openpyxl would
    otherwise keep until the process exits (a bad row in a long-running server)."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
        with contextlib.suppress(Exception):
            if ws._writer is not None:
                ws._writer.cleanup()


def _fill_workbook(wb, doc: Report, *, preamble: bool) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb.properties.title = doc.title
    wb.properties.creator = "yunquan"
    tables = doc.tables or (Table(columns=(Column(""),), rows=(), title=doc.title),)
    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    header_fill = PatternFill("solid", fgColor="E4E8EE")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    used_names: set[str] = set()

    def text(value: str) -> str:
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))

    def start_sheet(table: Table, index: int, part: int):
        """A new sheet with the preamble and the header row; returns it and the rows it has used."""
        title = table.title or doc.title
        ws = wb.create_sheet(_sheet_name(title if part == 0 else f"{title} ({part + 1})", index, used_names))
        for c, col in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(c)].width = _XLSX_WIDTH[col.kind] * max(col.weight, 0.5) \
                if col.kind is Kind.TEXT else _XLSX_WIDTH[col.kind]
        lines: list[list] = []
        if preamble:
            heading = WriteOnlyCell(ws, value=text(doc.title))
            heading.font = title_font
            lines.append([heading])
            if doc.subtitle:
                lines.append([text(doc.subtitle)])
            if table.title and table.title != doc.title:
                lines.append([text(table.title + (f"（续{part}）" if part else ""))])
            lines.extend([text(k), text(v)] for k, v in doc.meta)
            lines.append([])
        ws.freeze_panes = f"A{len(lines) + 2}"  # keep the header row in view
        for line in lines:
            ws.append(line)
        header = []
        for col in table.columns:
            cell = WriteOnlyCell(ws, value=text(col.header))
            cell.font, cell.fill, cell.alignment = bold, header_fill, centre
            header.append(cell)
        ws.append(header)
        return ws, len(lines) + 1

    # what follows the last row on the last sheet: totals, a blank line, 说明 and the notes
    tail = 1 + (2 + len(doc.notes) if preamble and doc.notes else 0)
    for i, table in enumerate(tables):
        part = 0
        ws, used = start_sheet(table, i, part)
        convs = [_xlsx_converter(ws, col, text) for col in table.columns]
        empty = True
        for row in _rows_checked(table):
            if used + tail >= EXCEL_MAX_ROWS:  # a sheet holds 1,048,576 rows: go on on the next one
                part += 1
                ws, used = start_sheet(table, i, part)
                convs = [_xlsx_converter(ws, col, text) for col in table.columns]
            empty = False
            ws.append([conv(v) for conv, v in zip(convs, row)])
            used += 1
        if empty:
            ws.append([text(table.empty_message)])
        if table.totals:
            totals = [text(v) if isinstance(v, str) else conv(v) for conv, v in zip(convs, table.totals)]
            for n, cell in enumerate(totals):
                if not isinstance(cell, Cell):
                    totals[n] = cell = WriteOnlyCell(ws, value=cell)
                cell.font = bold
            ws.append(totals)
        if preamble and doc.notes:
            ws.append([])
            ws.append([text("说明")])
            for n, note in enumerate(doc.notes, start=1):
                ws.append([text(f"{n}. {note}")])


def _xlsx_converter(ws, col: Column, text: Callable[[str], str]) -> Callable[[Any], Any]:
    from openpyxl.cell import WriteOnlyCell

    kind = col.kind
    if kind is Kind.MONEY:
        def conv(v):
            if v is None:
                return None
            if type(v) is not int:
                _wrong(col, v, "int fen")
            yuan = from_fen(v)  # exact Decimal: 123456 -> Decimal("1234.56")
            cell = WriteOnlyCell(ws, value=yuan)  # a number cell...
            # ...whose text is the Decimal's own digits: openpyxl would write "%.16g" % value, a float
            cell._value = str(yuan)
            cell.number_format = MONEY_FORMAT
            return cell
    elif kind is Kind.DATE:
        def conv(v):
            if v is None:
                return None
            if type(v) is not dt.date and (isinstance(v, dt.datetime) or not isinstance(v, dt.date)):
                _wrong(col, v, "a date")
            cell = WriteOnlyCell(ws, value=v)
            cell.number_format = DATE_FORMAT
            return cell
    elif kind is Kind.INT:
        def conv(v):
            if v is not None and type(v) is not int:
                _wrong(col, v, "int")
            return v
    else:
        def conv(v):
            if v is None:
                return None
            if type(v) is not str:
                _wrong(col, v, "text")
            return text(v)
    return conv


def _sheet_name(title: str, index: int, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'").strip() or f"表{index + 1}"
    name = name[:31]
    candidate, n = name, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = name[:31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate
