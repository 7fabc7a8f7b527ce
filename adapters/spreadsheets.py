"""Reading an uploaded XLSX workbook safely: one home for what the catalogue import and the bank
statement import both need (openpyxl is imported only when a workbook is read)."""
from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from typing import Any, BinaryIO, Iterator


class WorkbookRefused(ValueError):
    """The file is not a readable workbook, or unpacks beyond the caller's bounds; the caller turns
    it into its own error (``str(exc)`` says why, ``exc.unpacked``/``exc.parts`` when too big)."""

    def __init__(self, message: str, *, unpacked: int | None = None, parts: int | None = None):
        super().__init__(message)
        self.unpacked, self.parts = unpacked, parts


def cell(value: Any) -> Any:
    """A cell's value as the importers read text: dates as dates, numbers as ``Decimal``. Excel
    stores numbers as doubles; ``repr`` is the shortest text that reads back as the same double,
    i.e. what was typed, and from here on it is Decimal (never a float)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def check_size(stream: BinaryIO, *, max_parts: int, max_unpacked: int) -> None:
    """Bound what parsing may unpack before parsing starts: a few kilobytes can declare gigabytes."""
    stream.seek(0)
    try:
        entries = zipfile.ZipFile(stream).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookRefused(f"the file is not a readable XLSX workbook ({exc.__class__.__name__})") from None
    unpacked = sum(e.file_size for e in entries)
    if len(entries) > max_parts or unpacked > max_unpacked:
        raise WorkbookRefused("too big", unpacked=unpacked, parts=len(entries))


def first_sheet_rows(stream: BinaryIO, *, max_columns: int) -> Iterator[list[Any]]:
    """The first sheet's rows as lists of ``cell`` values, at most ``max_columns`` wide, one at a
    time. The sheet's declared dimension is ignored: it is the file's claim, and ``A1:XFD1048576``
    would make the reader pad every row to 16,384 cells before a single limit could be checked."""
    from openpyxl import load_workbook
    stream.seek(0)
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WorkbookRefused(f"the file is not a readable XLSX workbook ({exc.__class__.__name__})") from None
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        for row in ws.iter_rows(max_col=max_columns, values_only=True):
            yield [cell(v) for v in row]
    finally:
        wb.close()
