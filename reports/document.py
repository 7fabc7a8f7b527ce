"""What a report says, independent of how it is drawn: plain dataclasses, no I/O.

``reports/build.py`` (domain by domain, later) turns journals and records into a ``Report``;
``reports/render.py`` lays the same ``Report`` out as PDF, XLSX or CSV.

A table's ``rows`` may be a generator: a large export is never held in memory. Such a report can
be rendered once (the rows are consumed); build it again for a second format.

Cell values by column kind:

- ``text``: ``str`` (``None`` shows as empty)
- ``money``: ``int`` fen, signed (``None`` shows as empty). Never a float.
- ``date``: ``datetime.date`` (not a ``datetime``: a stamp needs a time zone; format it as text)
- ``int``: ``int``
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

NO_DATA = "本期无数据"


class Kind(str, enum.Enum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    INT = "int"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    # relative share of the width left for text columns in a PDF; number columns get what they need
    weight: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))


@dataclass
class Table:
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    title: str = ""
    # one value per column, e.g. ("合计", None, 123456); text (a label) may stand in any column
    totals: Sequence[Any] | None = None
    empty_message: str = NO_DATA

    def __post_init__(self) -> None:
        self.columns = tuple(self.columns)
        if not self.columns:
            raise ValueError("a table needs at least one column")
        if self.totals is not None:
            self.totals = tuple(self.totals)
            check_row(self.columns, self.totals, where="totals", labels=True)


@dataclass
class Report:
    title: str
    tables: Sequence[Table] = ()
    subtitle: str = ""
    meta: Sequence[tuple[str, str]] = ()  # label -> value, in order: ("批次编号", "12"), ("制单人", "张三")
    notes: Sequence[str] = ()
    # PDF only: True, False, or None to turn the page when a table's number columns do not fit upright
    landscape: bool | None = None
    # PDF only: headed passages of text (heading, body) printed after the meta and before the
    # tables; a heading with an empty body is a part's heading (二、实施方案), an empty heading
    # a passage without one
    sections: Sequence[tuple[str, str]] = ()
    # PDF only: the title and meta stand alone on the first page (a cover)
    cover: bool = False

    def __post_init__(self) -> None:
        self.tables = tuple(self.tables)
        self.meta = tuple((str(k), str(v)) for k, v in self.meta)
        self.notes = tuple(self.notes)
        self.sections = tuple((str(h), str(b)) for h, b in self.sections)


def check_row(columns: Sequence[Column], row: Sequence[Any], *, where: str, labels: bool = False) -> None:
    """Refuse a row that does not fit its columns: wrong length, a float as money, a stamp as a date.
    With ``labels`` (a totals row) text may stand in any column."""
    if len(row) != len(columns):
        raise ValueError(f"{where} has {len(row)} cells for {len(columns)} columns")
    for col, value in zip(columns, row):
        if value is None or (labels and isinstance(value, str)):
            continue
        if col.kind in (Kind.MONEY, Kind.INT):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{where}: column {col.header!r} takes int"
                                f"{' fen' if col.kind is Kind.MONEY else ''}, got {type(value).__name__}")
        elif col.kind is Kind.DATE:
            if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                raise TypeError(f"{where}: column {col.header!r} takes a date, got {type(value).__name__}")
        elif not isinstance(value, str):
            raise TypeError(f"{where}: column {col.header!r} takes text, got {type(value).__name__}")


# --- how values read ------------------------------------------------------------------------------

def money_text(fen: int) -> str:
    """123456 -> "1,234.56"; -5 -> "-0.05". Integer arithmetic only."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def date_zh(day: dt.date) -> str:
    """2026-11-25 -> "2026年11月25日" (no leading zeros, as official documents write it)."""
    return f"{day.year}年{day.month}月{day.day}日"


def spreadsheet_safe(text: str) -> str:
    """A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a formula: prefix it
    with an apostrophe. Every text cell of every CSV and XLSX goes through here."""
    return "'" + text if text and text[0] in "=+-@\t\r" else text
