"""Bank statements, generically: read a statement as banks export it and decide what each line
means against the payment that was expected under its reference. Knows nothing of who the
payments are for.

A statement has five columns, in any order and no others, named in English or as Chinese banks
name them (``HEADERS``): bank_txn_id 交易流水号, value_date 交易日期, reference 参考号,
payee_account 收款账号, amount 金额. It is CSV (UTF-8 with or without BOM, or GBK/GB18030, which
Chinese banks' exports often are) or an XLSX workbook (its first sheet). Amounts are money with
two decimals, optionally with thousands separators (``1,234.50``); a negative amount is a payment
the bank returned; in an XLSX a number cell is taken as it was typed (at most two decimals). Dates
are ``2026-11-20``, ``2026/11/20`` or ``20261120`` (or a date cell). A header with no lines is
``STATEMENT_EMPTY``; a line that cannot be read refuses the whole file with a code naming what is
wrong (``STATEMENT_AMOUNT_INVALID``, ``STATEMENT_DATE_INVALID``, ``STATEMENT_LINE_INVALID``) and
the line.

Reading is two passes over the same file: ``scan`` reads the bytes (their SHA-256, the format, the
text's encoding, an XLSX's size), ``lines`` parses the header and each line as it yields it and
raises at the first it cannot read. An import is one transaction, so a bad line anywhere refuses
the whole file all the same. A CSV is never held in memory, an XLSX is read row by row.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO, Iterator, NamedTuple

from adapters import spreadsheets
from kernel.money import parse_money, to_fen
from kernel.text import NUL_MESSAGE
from payouts.errors import (
    StatementAmountInvalid,
    StatementDateInvalid,
    StatementEmpty,
    StatementHeaderInvalid,
    StatementLineInvalid,
)

COLUMNS = ("bank_txn_id", "value_date", "reference", "payee_account", "amount")
# Header names accepted for each column: the API's, then the Chinese a bank's export uses.
HEADERS = {
    "bank_txn_id": ("bank_txn_id", "交易流水号"),
    "value_date": ("value_date", "交易日期"),
    "reference": ("reference", "参考号"),
    "payee_account": ("payee_account", "收款账号"),
    "amount": ("amount", "金额", "金额（元）", "金额(元)"),
}
_ALIAS = {name: column for column, names in HEADERS.items() for name in names}
MAX_TEXT = 64
MAX_COLUMNS = 64
MAX_XLSX_UNPACKED_BYTES = 512 * 1024 * 1024  # a statement of 1,000,000 lines unpacks to about 200 MiB
MAX_XLSX_ENTRIES = 1000
_DATE_FORMATS = (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII), re.compile(r"^(\d{4})/(\d{2})/(\d{2})$", re.ASCII),
                 re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII))
_THOUSANDS = re.compile(r"^(-?)(\d{1,3}(?:,\d{3})+)(\.\d{2})$", re.ASCII)
_CHUNK = 1 << 16
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Outcomes of one statement line; the first two moved money and are final. ``OUTCOMES`` is every
# outcome an answer can hold (README.md names each, and a test holds them to each other).
MATCHED, RETURNED = "matched", "returned"
AMOUNT_MISMATCH, UNKNOWN_REFERENCE = "amount_mismatch", "unknown_reference"
DUPLICATE, MISSING = "duplicate", "missing"
MONEY_OUTCOMES = (MATCHED, RETURNED)
OUTCOMES = (MATCHED, AMOUNT_MISMATCH, UNKNOWN_REFERENCE, MISSING, RETURNED, DUPLICATE)

# States of an expected payment
PENDING, SENT, PAID, RETURNED_STATE = "pending", "sent", "paid", "returned"


class StatementLine(NamedTuple):
    line: int            # the file's line (CSV) or row (XLSX) number; the header is line 1
    bank_txn_id: str
    value_date: dt.date
    reference: str
    payee_account: str
    amount: int          # fen; negative: returned

    def same_as(self, other: "StatementLine") -> bool:
        return (self.value_date, self.reference, self.payee_account, self.amount) == \
            (other.value_date, other.reference, other.payee_account, other.amount)


@dataclass(frozen=True)
class Scan:
    encoding: str        # the CSV's encoding, or "xlsx"
    sha256: str


# --- rows out of the file ------------------------------------------------------------------------

def _csv_rows(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    try:
        reader = csv.reader(text, strict=True)
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise StatementLineInvalid(f"line {reader.line_num}: {exc}", details={"line": reader.line_num}) from None
    finally:
        text.detach()


def _check_xlsx(stream: BinaryIO) -> None:
    try:
        spreadsheets.check_size(stream, max_parts=MAX_XLSX_ENTRIES, max_unpacked=MAX_XLSX_UNPACKED_BYTES)
    except spreadsheets.WorkbookRefused as exc:
        if exc.unpacked is None:
            raise StatementHeaderInvalid(str(exc), details={"format": "xlsx"}) from None
        raise StatementHeaderInvalid(f"the workbook unpacks to {exc.unpacked} bytes in {exc.parts} parts "
                                     f"(limit {MAX_XLSX_UNPACKED_BYTES} bytes)", details={"format": "xlsx"}) from None


def _xlsx_rows(stream: BinaryIO) -> Iterator[tuple[int, list[Any]]]:
    """The first sheet's rows, one at a time, numbered from 1."""
    try:
        for number, row in enumerate(spreadsheets.first_sheet_rows(stream, max_columns=MAX_COLUMNS), start=1):
            cells = ["" if v is None else v for v in row]
            while cells and cells[-1] == "":
                cells.pop()  # trailing empty cells of a row are formatting, not columns
            yield number, cells
    except spreadsheets.WorkbookRefused as exc:
        raise StatementHeaderInvalid(str(exc), details={"format": "xlsx"}) from None


def _rows(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    return _xlsx_rows(stream) if encoding == "xlsx" else _csv_rows(stream, encoding)


# --- one line --------------------------------------------------------------------------------------

def _blank(row: list[Any]) -> bool:
    try:
        return not "".join(row).strip()  # a CSV row: text only
    except TypeError:  # a spreadsheet's numbers and dates
        return not any(str(c).strip() for c in row)


def _header(row: list[Any]) -> dict[str, int]:
    names = [str(c).strip().lstrip("\ufeff").strip() for c in row]
    unknown = [n for n in names if n not in _ALIAS]
    columns = [_ALIAS.get(n) for n in names]
    missing = [c for c in COLUMNS if c not in columns]
    doubled = sorted({c for c in columns if c is not None and columns.count(c) > 1})
    if unknown or missing or doubled:
        raise StatementHeaderInvalid(
            "the statement header must be exactly " + ",".join(COLUMNS) + " (or in Chinese "
            + ",".join(HEADERS[c][1] for c in COLUMNS) + "), in any order",
            details={"unknown_columns": unknown, "missing_columns": missing, "repeated_columns": doubled,
                     "expected": list(COLUMNS), "expected_zh": [HEADERS[c][1] for c in COLUMNS]})
    return {c: i for i, c in enumerate(columns)}


def _bad(line: int, field: str, value: Any, message: str, error=StatementLineInvalid) -> StatementLineInvalid:
    return error(f"line {line}: {message}", details={"line": line, "field": field, "value": str(value)[:80]})


def parse_amount(value: Any) -> int:
    """A statement's amount in fen: text ``52250.00``, ``-52,250.00`` or a number cell (at most two
    decimals). ValueError with the reason otherwise."""
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.quantize(Decimal("0.01")) or abs(value) >= Decimal(10) ** 15:
            raise ValueError(f"{value} is not an amount with at most two decimals")
        return to_fen(value.quantize(Decimal("0.01")))
    text = str(value).strip()
    grouped = _THOUSANDS.match(text)
    if grouped:
        text = grouped.group(1) + grouped.group(2).replace(",", "") + grouped.group(3)
    return parse_money(text, allow_negative=True)


def parse_date(value: Any) -> dt.date:
    """``2026-11-20``, ``2026/11/20``, ``20261120`` or a date cell. ValueError otherwise."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = str(int(value))
    text = str(value).strip()
    for pattern in _DATE_FORMATS:
        found = pattern.match(text)
        if found:
            year, month, day = (int(g) for g in found.groups())
            return dt.date(year, month, day)  # ValueError for 2026-13-01
    raise ValueError(f"{text!r} is not a date 2026-11-20, 2026/11/20 or 20261120")


def _text_cell(value: Any) -> str:
    if isinstance(value, Decimal):  # an account or a reference typed as a number in a workbook
        return str(int(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _parse(line: int, row: list[Any], cols: dict[str, int], today: dt.date) -> StatementLine:
    """One line: the common case (a CSV line of text, every field good) without the checks'
    bookkeeping; anything else through ``_parse_checked``, which names what is wrong."""
    if len(row) == len(cols) and all(type(v) is str for v in row) and "\x00" not in "".join(row):
        txn, ref, account = (row[cols["bank_txn_id"]].strip(), row[cols["reference"]].strip(),
                             row[cols["payee_account"]].strip())
        if txn and len(txn) <= MAX_TEXT and len(ref) <= MAX_TEXT and len(account) <= MAX_TEXT:
            try:
                value_date, amount = parse_date(row[cols["value_date"]]), parse_amount(row[cols["amount"]])
            except ValueError:
                pass
            else:
                if value_date <= today and amount != 0:
                    return StatementLine(line, txn, value_date, ref, account, amount)
    return _parse_checked(line, row, cols, today)


def _parse_checked(line: int, row: list[Any], cols: dict[str, int], today: dt.date) -> StatementLine:
    if len(row) != len(cols):
        raise _bad(line, "columns", ",".join(map(str, row)), f"expected {len(cols)} columns, found {len(row)}")
    get = {name: row[i] for name, i in cols.items()}
    for name, value in get.items():
        if isinstance(value, str) and "\x00" in value:
            raise _bad(line, name, value.replace("\x00", "\\0"), NUL_MESSAGE)
    text = {name: _text_cell(get[name]) for name in ("bank_txn_id", "reference", "payee_account")}
    for name, value in text.items():
        if len(value) > MAX_TEXT:
            raise _bad(line, name, value, f"{name} is longer than {MAX_TEXT} characters")
    if not text["bank_txn_id"]:
        raise _bad(line, "bank_txn_id", "", "bank_txn_id is empty")
    try:
        value_date = parse_date(get["value_date"])
    except ValueError as exc:
        raise _bad(line, "value_date", get["value_date"], str(exc), StatementDateInvalid) from None
    if value_date > today:
        raise _bad(line, "value_date", value_date.isoformat(), f"value date {value_date} is in the future",
                   StatementDateInvalid)
    try:
        amount = parse_amount(get["amount"])
    except ValueError as exc:
        raise _bad(line, "amount", get["amount"], str(exc), StatementAmountInvalid) from None
    if amount == 0:
        raise _bad(line, "amount", get["amount"], "an amount of zero moves nothing", StatementAmountInvalid)
    return StatementLine(line, text["bank_txn_id"], value_date, text["reference"], text["payee_account"], amount)


def _each(stream: BinaryIO, encoding: str, today: dt.date) -> Iterator[StatementLine]:
    cols = None
    count = 0
    for line, row in _rows(stream, encoding):
        if _blank(row):
            continue  # blank lines (a trailing newline, Excel's empty rows) carry nothing
        if cols is None:
            cols = _header(row)
            continue
        count += 1
        yield _parse(line, row, cols, today)
    if cols is None:
        raise StatementEmpty("the statement is empty: no header and no lines",
                             details={"expected": list(COLUMNS), "lines": 0})
    if count == 0:
        raise StatementEmpty("the statement has a header and no lines: nothing to reconcile", details={"lines": 0})


def _format(stream: BinaryIO) -> list[str]:
    stream.seek(0)
    head = stream.read(8)
    if head.startswith(XLS_MAGIC):
        raise StatementHeaderInvalid("this is an old Excel .xls workbook; save it as .xlsx or as CSV",
                                     details={"format": "xls"})
    if head.startswith(XLSX_MAGIC):
        _check_xlsx(stream)
        return ["xlsx"]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise StatementHeaderInvalid("the file is UTF-16 text; save it as CSV (UTF-8 or GBK) or as .xlsx",
                                     details={"encoding": "utf-16"})
    return ["utf-8-sig", "gb18030"]  # GB18030 reads every GBK file and a little more


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    stream.seek(0)
    try:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def scan(stream: BinaryIO) -> Scan:
    """Read the bytes: their SHA-256, the format and the text's encoding (the first of UTF-8 and
    GB18030 that decodes the whole file). ``lines`` parses them."""
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
    for encoding in _format(stream):
        if encoding == "xlsx" or _decodes(stream, encoding):
            name = encoding if encoding == "xlsx" else codecs.lookup(encoding).name
            return Scan(name, digest.hexdigest())
    raise StatementHeaderInvalid("the statement is neither UTF-8 nor GBK text, nor an XLSX workbook",
                                 details={"encoding": None})


def lines(stream: BinaryIO, scanned: Scan, *, today: dt.date) -> Iterator[StatementLine]:
    """Each line, parsed as it is read; raises at the header, or at the first line it cannot read
    (``STATEMENT_EMPTY`` after a header with no lines)."""
    return _each(stream, scanned.encoding, today)


# --- deciding ----------------------------------------------------------------------------------

class Expected(NamedTuple):
    """The payment sent under a reference, as its owner sees it now."""
    reference: str
    amount: int
    payee_account: str
    state: str  # pending (not sent yet) | sent (in transit) | paid | returned


class Decision(NamedTuple):
    outcome: str
    reason: str | None = None
    moves_from: str | None = None  # for a return: "in_transit" (never matched) or "disbursed"


def decide(line: StatementLine, expected: Expected | None) -> Decision:
    """What a statement line means. Only ``matched`` and ``returned`` move money."""
    if expected is None:
        return Decision(UNKNOWN_REFERENCE)
    if expected.state == PENDING:
        return Decision(UNKNOWN_REFERENCE, "not_sent")
    if abs(line.amount) != expected.amount:
        return Decision(AMOUNT_MISMATCH, "amount")
    if line.payee_account != expected.payee_account:
        return Decision(AMOUNT_MISMATCH, "payee_account")
    if expected.state == RETURNED_STATE:
        return Decision(AMOUNT_MISMATCH, "already_returned")
    if line.amount > 0:
        if expected.state == PAID:
            return Decision(AMOUNT_MISMATCH, "already_paid")
        return Decision(MATCHED)
    return Decision(RETURNED, moves_from="disbursed" if expected.state == PAID else "in_transit")


def seen_before(line: StatementLine, prior: StatementLine, prior_outcome: str) -> str:
    """A bank transaction id met again: ``duplicate`` (same line: nothing to do), ``conflict``
    (it moved money and now says something else) or ``reevaluate`` (it moved nothing: a corrected
    statement may correct it)."""
    if line.same_as(prior):
        return "duplicate"
    return "conflict" if prior_outcome in MONEY_OUTCOMES else "reevaluate"
