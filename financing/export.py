"""A loan's repayment schedule as a spreadsheet (``GET /loans/{id}/schedule.xlsx``)."""
from __future__ import annotations

import io

from kernel.money import from_fen

HEADER = ("期数 period", "还款日 due_on", "本金 principal", "利息 interest", "应还 payment", "剩余本金 balance",
          "已还 paid", "未还 owed", "状态 state")
MONEY_KEYS = ("principal", "interest", "payment", "balance", "paid", "owed")
MONEY_FORMAT = "#,##0.00"
STATES = {"paid": "已还清", "overdue": "逾期", "due": "今日到期", "partly_paid": "部分已还", "upcoming": "未到期"}


def schedule_xlsx(title: str, facts: list[tuple[str, str]], rows: list[dict]) -> bytes:
    """``facts``: label/value lines above the table (loan, parties, terms); ``rows``: the
    instalments as ``loans.schedule_rows`` gives them (money in fen). Money cells are numbers
    formatted ``#,##0.00``: the workbook stores each as the exact decimal text of at most 15
    digits, which a spreadsheet reads back to the fen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = "还款计划"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    for label, value in facts:
        ws.append([label, value])
    ws.append([])
    ws.append(list(HEADER))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row["period"], row["due_on"], *(from_fen(row[k]) for k in MONEY_KEYS),
                   STATES.get(row["state"], row["state"])])
        for cell in ws[ws.max_row][2:2 + len(MONEY_KEYS)]:
            cell.number_format = MONEY_FORMAT
        ws.cell(ws.max_row, 2).number_format = "yyyy-mm-dd"
    total = ws.max_row + 1
    ws.cell(total, 1, "合计 total").font = Font(bold=True)
    for offset, key in enumerate(("principal", "interest", "payment")):
        cell = ws.cell(total, 3 + offset, from_fen(sum(r[key] for r in rows)))
        cell.number_format = MONEY_FORMAT
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGHI", (14, 14, 16, 14, 16, 18, 16, 16, 12)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
