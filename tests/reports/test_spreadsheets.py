"""XLSX and CSV exports: they stream, money stays exact, and no cell runs as a formula."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from reports import render
from reports.document import Column, Kind, Report, Table, spreadsheet_safe
from tests.reports.samples import COLUMNS, empty_period, payee, settlement

FORMULAS = ["=1+1", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","点我")']


def workbook(doc: Report, **kwargs) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render.xlsx_bytes(doc, **kwargs)))


def header_row(ws) -> int:
    for row in ws.iter_rows():
        if row[0].value == "序号":
            return row[0].row
    raise AssertionError("no header row")


def csv_rows(doc: Report, **kwargs) -> list[list[str]]:
    data = b"".join(render.csv(doc, **kwargs))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


class Counting:
    """Rows that count how many were taken: shows whether an export streams."""

    def __init__(self, n: int):
        self.n, self.taken = n, 0

    def __iter__(self):
        for row in settlement(self.n).tables[0].rows:
            self.taken += 1
            yield row


# --- XLSX --------------------------------------------------------------------------------------------

def test_the_xlsx_reads_back_with_its_rows_money_as_formatted_numbers_and_dates_as_dates():
    ws = workbook(settlement(3))["兑付明细"]
    top = header_row(ws)
    assert [c.value for c in ws[top]] == ["序号", "企业名称", "兑付日期", "金额（元）", "备注"]
    rows = list(ws.iter_rows(min_row=top + 1, max_row=top + 3))
    assert [r[0].value for r in rows] == [1, 2, 3]
    assert [r[1].value for r in rows] == [payee(1), payee(2), payee(3)]
    for i, r in enumerate(rows, start=1):
        money, day = r[3], r[2]
        assert money.data_type == "n" and Decimal(str(money.value)) == Decimal("1234.56") * i
        assert money.number_format == "#,##0.00"
        assert day.is_date and day.value.date() == dt.date(2026, 11, 24 + i)
    totals = list(ws.iter_rows(min_row=top + 4, max_row=top + 4))[0]
    assert totals[0].value == "合计" and Decimal(str(totals[3].value)) == Decimal("7407.36")


def test_the_xlsx_preamble_carries_the_title_and_meta_above_the_header_which_stays_in_view():
    ws = workbook(settlement(1))["兑付明细"]
    assert ws["A1"].value == "服务券兑付结算汇总表"
    values = [[c.value for c in row] for row in ws.iter_rows(max_row=header_row(ws))]
    assert ["制单人", "张三"] == values[4][:2]
    assert ws.freeze_panes == f"A{header_row(ws) + 1}"


def test_without_the_preamble_the_header_is_the_first_row():
    ws = workbook(settlement(2), preamble=False).active
    assert [c.value for c in ws[1]][:2] == ["序号", "企业名称"] and ws["A2"].value == 1


def test_xlsx_money_is_the_exact_decimal_digits_even_beyond_float_precision():
    fen = 1234567890123456789  # 12,345,678,901,234,567.89 yuan: a float would lose the last digits
    doc = Report(title="大额", tables=[Table([Column("金额", Kind.MONEY)], [(fen,), (-5,), (0,), (100,)])])
    with zipfile.ZipFile(io.BytesIO(render.xlsx_bytes(doc, preamble=False))) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    for digits in ("12345678901234567.89", "-0.05", "0.00", "1.00"):
        assert f"<v>{digits}</v>" in sheet


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_neutralised_in_xlsx(text):
    doc = Report(title="名单", tables=[Table([Column(text), Column("名称")], [(text, "甲")])])
    ws = workbook(doc, preamble=False).active
    header, cell = ws["A1"], ws["A2"]
    for c in (header, cell):
        # (XML reads a carriage return back as a line feed)
        assert c.data_type == "s" and c.value in ("'" + text, "'" + text.replace("\r", "\n"))


def test_an_empty_period_xlsx_says_so_under_its_header():
    ws = workbook(empty_period())["公示名单"]
    top = header_row(ws)
    assert ws.cell(row=top + 1, column=1).value == "本期无数据"


def test_a_table_longer_than_a_sheet_goes_on_on_the_next_sheet_with_its_header(monkeypatch):
    monkeypatch.setattr(render, "EXCEL_MAX_ROWS", 20)
    wb = workbook(settlement(40))
    assert len(wb.sheetnames) > 1
    seen = []
    for ws in wb:
        top = header_row(ws)
        for row in ws.iter_rows(min_row=top + 1):
            if isinstance(row[0].value, int):
                seen.append(row[0].value)
        assert ws.max_row <= 20
    assert seen == list(range(1, 41))


def test_the_xlsx_is_built_only_when_read_and_takes_the_rows_once():
    rows = Counting(50)
    doc = Report(title="明细", tables=[Table(COLUMNS, rows)])
    chunks = render.xlsx(doc, chunk_size=1024)
    assert rows.taken == 0
    data = b"".join(chunks)
    assert rows.taken == 50 and data[:2] == b"PK"


# --- CSV ---------------------------------------------------------------------------------------------

def test_the_csv_starts_with_a_bom_and_holds_plain_amounts_and_iso_dates():
    data = b"".join(render.csv(settlement(3)))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["序号", "企业名称", "兑付日期", "金额（元）", "备注"]
    assert rows[1] == ["1", payee(1), "2026-11-25", "1234.56", "上云上平台服务券兑付"]
    assert rows[-1] == ["合计", "", "", "7407.36", ""]
    assert b"\r\n" in data


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_neutralised_in_csv_but_negative_amounts_stay_numbers(text):
    doc = Report(title="名单", tables=[Table([Column(text), Column("金额", Kind.MONEY)], [(text, -1234)])])
    rows = csv_rows(doc)
    assert rows[0][0] == "'" + text and rows[1] == ["'" + text, "-12.34"]


def test_the_csv_streams_rows_as_it_reads_them():
    rows = Counting(100)
    stream = render.csv(Report(title="明细", tables=[Table(COLUMNS, rows)]), flush_every=10)
    assert next(stream) == b"\xef\xbb\xbf" and rows.taken == 0
    first = next(stream)
    assert 10 <= rows.taken < 100 and first.count(b"\r\n") >= 10
    list(stream)
    assert rows.taken == 100


def test_an_empty_period_csv_is_its_header_and_the_no_data_line():
    assert csv_rows(empty_period()) == [["序号", "企业名称", "兑付日期", "金额（元）", "备注"], ["本期无数据"]]


def test_a_csv_of_several_tables_names_each_before_its_rows():
    doc = Report(title="对账", tables=[Table([Column("a")], [("x",)], title="已匹配"),
                                      Table([Column("a")], [], title="未匹配")])
    assert csv_rows(doc) == [["已匹配"], ["a"], ["x"], [], ["未匹配"], ["a"], ["本期无数据"]]


@pytest.mark.parametrize("export", [lambda d: b"".join(render.csv(d)), lambda d: render.xlsx_bytes(d)])
def test_a_float_amount_is_refused_by_every_export(export):
    doc = Report(title="坏数据", tables=[Table([Column("金额", Kind.MONEY)], [(12.5,)])])
    with pytest.raises(TypeError, match="int fen"):
        export(doc)


# --- the one helper ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, safe", [("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-", "'-"), ("@x", "'@x"),
                                        ("\tx", "'\tx"), ("\rx", "'\rx"), ("", ""), ("佛山=1", "佛山=1"),
                                        ("a-b", "a-b"), ("'=1", "'=1")])
def test_spreadsheet_safe_prefixes_exactly_the_cells_a_spreadsheet_would_run(text, safe):
    assert spreadsheet_safe(text) == safe


def test_an_xlsx_export_that_fails_on_a_bad_row_leaves_no_temporary_file_behind():
    from openpyxl.worksheet import _writer
    before = list(_writer.ALL_TEMP_FILES)
    rows = [(1, payee(1), dt.date(2026, 1, 1), 1, ""), (2, payee(2), dt.date(2026, 1, 1), 2.5, "")]
    with pytest.raises(TypeError):
        render.xlsx_bytes(Report(title="坏数据", tables=[Table(COLUMNS, rows)]))
    render.xlsx_bytes(settlement(2))
    assert _writer.ALL_TEMP_FILES == before
