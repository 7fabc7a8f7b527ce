"""How values read in reports, and which rows a report refuses."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.document import Column, Kind, Table, date_zh, money_text


@pytest.mark.parametrize("fen, text", [(0, "0.00"), (5, "0.05"), (-5, "-0.05"), (100, "1.00"), (123456, "1,234.56"),
                                       (-123456789, "-1,234,567.89"), (10**17, "1,000,000,000,000,000.00")])
def test_money_reads_with_thousands_separators_and_two_decimals(fen, text):
    assert money_text(fen) == text


@given(st.integers(-10**20, 10**20))
def test_money_text_is_exact_for_any_amount(fen):
    text = money_text(fen)
    sign = -1 if text.startswith("-") else 1
    whole, cents = text.lstrip("-").replace(",", "").split(".")
    assert sign * (int(whole) * 100 + int(cents)) == fen and len(cents) == 2


def test_dates_read_the_way_official_documents_write_them():
    assert date_zh(dt.date(2026, 11, 25)) == "2026年11月25日"
    assert date_zh(dt.date(2026, 1, 5)) == "2026年1月5日"


def test_a_totals_row_may_put_its_label_in_any_column_but_must_fit_the_columns():
    Table([Column("序号", Kind.INT), Column("金额", Kind.MONEY)], [], totals=("合计", 100))
    with pytest.raises(ValueError):
        Table([Column("序号", Kind.INT), Column("金额", Kind.MONEY)], [], totals=("合计",))
    with pytest.raises(TypeError):
        Table([Column("序号", Kind.INT), Column("金额", Kind.MONEY)], [], totals=("合计", 1.5))


def test_a_table_needs_a_column():
    with pytest.raises(ValueError):
        Table([], [])
