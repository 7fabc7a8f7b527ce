"""A provider's products from a spreadsheet: the Annex 5 table as CSV or XLSX.

Headers may be Chinese (as in the application template and our export) or the API's English
field names; unknown columns (序号, 状态 …) are ignored. A CSV may be UTF-8 (with or without the BOM
Excel writes) or GBK, which Excel on a Chinese Windows writes by default.

Rows are numbered as the spreadsheet shows them: the header is row 1 (or the row it is on, when a
title row comes first), the first product row 2. Every bad row is reported with every bad field;
the real run saves all rows as drafts in one transaction, or nothing.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator

from catalog import products, rules
from adapters import spreadsheets
from catalog.errors import ValidationError
from kernel import text as safe_text

MAX_ROWS = 2000
HEADER_SEARCH_ROWS = 10  # the official template has a title row or two above the header
# Bounds on what one import may make us read, checked before and while parsing, never after:
# 2,000 rows of the 12 Annex 5 columns are about 1 MB of CSV and less as XLSX; the limits leave
# room for long texts and for the blank or formatted rows spreadsheets carry below their data.
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_COLUMNS = 64
MAX_SCAN_ROWS = 10_000
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_XLSX_ENTRIES = 200

# field, Chinese header (what the export writes), accepted spellings, required
COLUMNS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("name", "产品名称", ("name",), True),
    ("provider", "产品单位", ("provider",), False),
    ("scenario", "应用场景", ("scenario",), True),
    ("modules", "功能模块", ("modules",), True),
    ("expected_effect", "预期效果", ("expected_effect",), True),
    ("standard", "奖补标准", ("standard",), True),
    ("item_kind", "产品类型", ("产品类别", "item_kind"), True),
    ("unit", "计量单位", ("单位", "unit"), True),
    ("unit_price", "单价（元）", ("单价", "unit_price"), True),
    ("valid_from", "有效期起", ("有效期开始", "valid_from"), True),
    ("valid_to", "有效期止", ("有效期结束", "valid_to"), True),
)
HEADER_OF = {f: zh for f, zh, _, _ in COLUMNS}


def _norm_header(text: Any) -> str:
    text = "" if text is None else str(text)
    return (text.replace("\ufeff", "").replace(" ", "").replace("\u3000", "").replace("（", "(")
            .replace("）", ")").strip().lower())


_FIELD_BY_HEADER = {_norm_header(alias): f for f, zh, aliases, _ in COLUMNS for alias in (zh, *aliases)}


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    ok: bool
    rows: int
    errors: tuple[RowError, ...]
    format: str
    encoding: str | None
    dry_run: bool
    created: tuple[int, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "dry_run": self.dry_run, "format": self.format,
                "encoding": self.encoding, "created": list(self.created),
                "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in self.errors]}


def _file_error(message: str, **details: Any) -> ValidationError:
    return ValidationError(message, field="file", details=details or None)


# ------------------------------------------------------------------------------------------
# Reading the file into numbered rows
# ------------------------------------------------------------------------------------------

def _decode_csv(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _file_error(f"the file starts with a UTF-8 BOM but byte {exc.start} is not UTF-8") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _file_error("the file is UTF-16 text (Excel's 'Unicode text'); save it as 'CSV UTF-8' or CSV")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        as_utf8 = exc
    try:
        return data.decode("gb18030"), "gbk"  # GB18030 reads every GBK file and a little more
    except UnicodeDecodeError as exc:
        as_gbk = exc
    # Point at the bad byte of the reading that got further: that is the encoding the file was meant to have.
    worst, name = (as_utf8, "UTF-8") if as_utf8.start >= as_gbk.start else (as_gbk, "GBK")
    raise _file_error(
        f"the file is neither UTF-8 nor GBK text (read as {name}, byte 0x{data[worst.start]:02x} at offset "
        f"{worst.start} is invalid); save it from Excel as 'CSV UTF-8' or as .xlsx", offset=worst.start)


def _csv_rows(data: bytes) -> tuple[Iterator[list[Any]], str]:
    text, encoding = _decode_csv(data)

    def rows() -> Iterator[list[Any]]:
        try:
            for row in csv.reader(io.StringIO(text, newline="")):
                yield row[:MAX_COLUMNS]
        except csv.Error as exc:
            raise _file_error(f"the CSV cannot be read: {exc}") from None
    return rows(), encoding


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    """The first sheet's rows, one at a time, at most ``MAX_COLUMNS`` wide, within the size bounds."""
    stream = io.BytesIO(data)
    try:
        spreadsheets.check_size(stream, max_parts=MAX_XLSX_ENTRIES, max_unpacked=MAX_XLSX_UNPACKED_BYTES)
        yield from spreadsheets.first_sheet_rows(stream, max_columns=MAX_COLUMNS)
    except spreadsheets.WorkbookRefused as exc:
        if exc.unpacked is None:
            raise _file_error(str(exc)) from None
        raise _file_error(f"the workbook unpacks to {exc.unpacked} bytes in {exc.parts} parts; an Annex 5 table of "
                          f"{MAX_ROWS} products needs far less (limit {MAX_XLSX_UNPACKED_BYTES} bytes)") from None


def read_table(filename: str, data: bytes) -> tuple[str, str | None, list[tuple[int, dict[str, Any]]]]:
    """``(format, encoding, [(row number, {field: cell})])`` or VALIDATION_ERROR on ``file``.

    Bounded before and while parsing: at most ``MAX_FILE_BYTES``, rows read one at a time, no
    further than ``MAX_SCAN_ROWS`` down and ``MAX_COLUMNS`` across, whatever the file declares."""
    if not data:
        raise _file_error("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(f"the file has {len(data)} bytes; import at most {MAX_FILE_BYTES} bytes at a time",
                          limit=MAX_FILE_BYTES)
    name = (filename or "").lower()
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _file_error("this is an old Excel .xls workbook; save it as .xlsx or as CSV")
    if data.startswith(b"PK\x03\x04"):
        fmt, encoding, grid = "xlsx", None, _xlsx_rows(data)
    elif name.endswith((".xlsx", ".xlsm")):
        raise _file_error("the file is named .xlsx but is not an XLSX workbook")
    else:
        fmt, (grid, encoding) = "csv", _csv_rows(data)
    try:
        return (fmt, encoding) + (_records(grid),)
    finally:
        getattr(grid, "close", lambda: None)()  # stop the reader (and close the workbook) early


def _records(grid: Iterator[list[Any]]) -> list[tuple[int, dict[str, Any]]]:
    head: list[list[Any]] = []
    for cells in grid:
        head.append(cells)
        if len(head) == HEADER_SEARCH_ROWS:
            break
    header_at, columns = _find_header(head)
    rows = []
    for index, cells in enumerate(itertools.chain(head[header_at + 1:], grid), start=header_at + 1):
        if index >= MAX_SCAN_ROWS:
            raise _file_error(f"the sheet goes on past row {MAX_SCAN_ROWS}; import at most {MAX_ROWS} products "
                              "at a time, with nothing below them", limit=MAX_SCAN_ROWS)
        record = {f: cells[i] if i < len(cells) else None for i, f in columns.items()}
        if all(_blank(v) for v in record.values()):
            continue  # spreadsheets end with empty rows
        rows.append((index + 1, record))
        if len(rows) > MAX_ROWS:
            raise _file_error(f"the file has more than {MAX_ROWS} product rows; import at most {MAX_ROWS} at a time",
                              limit=MAX_ROWS)
    if not rows:
        raise _file_error("the file has a header but no product rows")
    return rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find_header(grid: list[list[Any]]) -> tuple[int, dict[int, str]]:
    for index, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found = {i: _FIELD_BY_HEADER.get(_norm_header(c)) for i, c in enumerate(cells)}
        columns = {i: f for i, f in found.items() if f}
        if "name" not in columns.values():
            continue
        seen: dict[str, int] = {}
        for i, f in columns.items():
            if f in seen:
                raise _file_error(f"the column {HEADER_OF[f]} ({f}) appears twice in the header", column=f)
            seen[f] = i
        missing = [f for f, _, _, required in COLUMNS if required and f not in seen]
        if missing:
            raise _file_error("missing columns: " + ", ".join(f"{HEADER_OF[f]} ({f})" for f in missing),
                              missing=missing, header_row=index + 1)
        return index, columns
    raise _file_error("no header row found: the first rows must name the columns, e.g. "
                      + ", ".join(zh for _, zh, _, req in COLUMNS if req))


# ------------------------------------------------------------------------------------------
# Cells into product fields
# ------------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MODULE_SPLIT = re.compile(r"[、;；,，\n]+")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def _money(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    text = _text(value).replace(",", "").replace("，", "").removesuffix("元").strip()
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount such as 1000.00") from None
    if not d.is_finite():
        raise ValueError(f"{text!r} is not an amount such as 1000.00")
    return d


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    m = _DATE_RE.match(text)
    try:
        if not m:
            raise ValueError
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f"{text!r} is not a date such as 2026-01-01") from None


def _row_spec(raw: dict[str, Any], provider_name: str) -> tuple[rules.ProductSpec | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = [(f, safe_text.NUL_MESSAGE) for f, v in raw.items()
                                       if isinstance(v, str) and "\x00" in v]
    kind_text = _text(raw.get("item_kind"))
    item_kind = rules.item_kind_code(kind_text) if kind_text else None
    if item_kind is None:
        problems.append(("item_kind", f"unknown item kind {kind_text!r}; write a code such as mec_server or a "
                                      "name such as 边缘计算MEC服务器" if kind_text else "产品类型 item kind is required"))
    unit = _text(raw.get("unit"))
    values: dict[str, Any] = {}
    for f, parse in (("unit_price", _money), ("valid_from", _date), ("valid_to", _date)):
        if _blank(raw.get(f)):
            problems.append((f, f"{HEADER_OF[f]} {f} is required"))
            continue
        try:
            values[f] = parse(raw.get(f))
        except ValueError as exc:
            problems.append((f, f"{HEADER_OF[f]}: {exc}"))
    standard: Any = None
    try:
        standard = rules.parse_standard_text(_text(raw.get("standard")), unit)
    except ValidationError as exc:
        problems.append(("standard", exc.message))
    given_provider = _text(raw.get("provider"))
    if given_provider and given_provider != provider_name:
        problems.append(("provider", f"产品单位 is {given_provider!r} but you import as {provider_name!r}"))
    modules = [m.strip() for m in _MODULE_SPLIT.split(_text(raw.get("modules"))) if m.strip()]
    spec, checked = rules.check_product(
        name=_text(raw.get("name")), item_kind=item_kind, unit=unit, unit_price=values.get("unit_price"),
        scenario=_text(raw.get("scenario")), modules=modules, expected_effect=_text(raw.get("expected_effect")),
        standard=standard, valid_from=values.get("valid_from"), valid_to=values.get("valid_to"))
    already = {f for f, _ in problems}
    problems += [(p.field, p.message) for p in checked if p.field not in already]
    return (spec if not problems else None), problems


def import_products(uow, *, actor: products.Actor, filename: str, data: bytes, dry_run: bool) -> ImportReport:
    """Check every row; unless ``dry_run``, save them all as drafts (one commit) or raise
    VALIDATION_ERROR with the report in ``details`` and save nothing."""
    s = uow.session
    provider = products.provider_of(s, actor)
    fmt, encoding, rows = read_table(filename, data)
    taken = products.names_in_use(s, provider.id)
    first_row_of: dict[str, int] = {}
    errors: list[RowError] = []
    specs: list[rules.ProductSpec] = []
    for number, raw in rows:
        spec, problems = _row_spec(raw, provider.name)
        if spec is not None:
            if spec.name in taken:
                problems.append(("name", f"you already list a product named {spec.name}"))
            elif spec.name in first_row_of:
                problems.append(("name", f"{spec.name} is also on row {first_row_of[spec.name]}"))
            else:
                first_row_of[spec.name] = number
        errors += [RowError(number, f, m) for f, m in problems]
        if not problems:
            specs.append(spec)
    report = ImportReport(ok=not errors, rows=len(rows), errors=tuple(errors), format=fmt, encoding=encoding,
                          dry_run=dry_run)
    if dry_run:
        return report
    if errors:
        bad_rows = len({e.row for e in errors})
        raise ValidationError(f"{bad_rows} of {len(rows)} rows have errors; nothing was saved",
                              details=report.as_dict())
    created = tuple(products.add_draft(s, provider_id=provider.id, spec=spec, actor=actor).product_id
                    for spec in specs)
    uow.commit()
    return ImportReport(ok=True, rows=len(rows), errors=(), format=fmt, encoding=encoding, dry_run=False,
                        created=created)
