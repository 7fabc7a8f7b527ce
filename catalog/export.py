"""The approved catalogue as the Annex 5 table (产业集群企业服务券应用产品方案表), CSV or XLSX.

The six Annex 5 columns come first, as in the application template; the columns after them
(kind, unit, price, validity) are what a contract needs and make the file importable again.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

from catalog import products
from catalog.importer import HEADER_OF
from kernel.money import format_fen
from kernel.text import spreadsheet_safe

ANNEX5_FIELDS = ("name", "provider", "scenario", "modules", "expected_effect", "standard")
EXTRA_FIELDS = ("item_kind", "unit", "unit_price", "valid_from", "valid_to")
HEADER = ("序号",) + tuple(HEADER_OF[f] for f in ANNEX5_FIELDS + EXTRA_FIELDS)
SHEET_TITLE = "产品方案表"


def annex5_rows(session, *, provider_id: int | None = None, item_kind: str | None = None,
                valid_on: dt.date | None = None, provider_ids: list[int] | None = None) -> list[list[str]]:
    """Header and one row per approved product (its newest approved version), in product order."""
    views: list[products.ProductView] = []
    after = 0
    while True:  # the list query pages; an export wants everything
        batch = products.list_page(session, viewer=None, provider_id=provider_id, item_kind=item_kind,
                                   valid_on=valid_on, after=after, limit=500, provider_ids=provider_ids)
        views += batch
        if len(batch) < 500:
            break
        after = batch[-1].id
    rows = [list(HEADER)]
    for n, v in enumerate(views, start=1):
        rows.append([str(n), v.name, v.provider_name, v.scenario, "、".join(v.modules), v.expected_effect,
                     v.standard_text, v.item_kind_label, v.unit, format_fen(v.unit_price),
                     v.valid_from.isoformat(), v.valid_to.isoformat()])
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with a BOM: without it Excel on Windows opens Chinese text as mojibake. No cell
    starts like a formula (``spreadsheet_safe``)."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows([[spreadsheet_safe(c) for c in row] for row in rows])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    for row in rows:
        ws.append(row)  # every cell as text: money stays exactly "1000.00", never a float
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # openpyxl takes a text starting with "=" for a formula
                cell.value = spreadsheet_safe(cell.value)
                cell.data_type = "s"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = {"A": 6, "B": 28, "C": 28, "D": 40, "E": 36, "F": 40, "G": 48, "H": 18, "I": 10, "J": 14,
              "K": 12, "L": 12}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def render(rows: list[list[str]], fmt: str) -> tuple[bytes, str]:
    """The file and its content type, for ``fmt`` ``csv`` or ``xlsx``."""
    return (to_xlsx(rows) if fmt == "xlsx" else to_csv(rows)), MIME[fmt]
