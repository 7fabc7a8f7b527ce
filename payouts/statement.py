"""Bank statements, generically: read a statement CSV and decide what each line means against the
payment that was expected under its reference. Knows nothing of who the payments are for.

A statement is ``bank_txn_id,value_date,reference,payee_account,amount`` (columns in any order,
no others), UTF-8 (with or without BOM) or GB18030, which Chinese banks' exports often are.
Amounts are money with exactly two decimals; a negative amount is a payment the bank returned.
Reading is two passes over the same file: ``scan`` checks every line (an import is all or
nothing), ``lines`` yields them again; neither holds the file in memory.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from kernel.money import parse_money
from kernel.text import NUL_MESSAGE
from payouts.errors import StatementHeaderInvalid, StatementLineInvalid

COLUMNS = ("bank_txn_id", "value_date", "reference", "payee_account", "amount")
MAX_TEXT = 64
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHUNK = 1 << 16

# Outcomes of one statement line; the first two moved money and are final.
MATCHED, RETURNED = "matched", "returned"
AMOUNT_MISMATCH, UNKNOWN_REFERENCE = "amount_mismatch", "unknown_reference"
DUPLICATE, MISSING = "duplicate", "missing"
MONEY_OUTCOMES = (MATCHED, RETURNED)

# States of an expected payment
PENDING, SENT, PAID, RETURNED_STATE = "pending", "sent", "paid", "returned"


@dataclass(frozen=True, slots=True)
class StatementLine:
    line: int            # the file's line number; the header is line 1
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
    encoding: str
    lines: int
    sha256: str


def _text(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    stream.seek(0)
    return io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")


def _rows(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, list[str]]]:
    text = _text(stream, encoding)
    try:
        reader = csv.reader(text, strict=True)
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise StatementLineInvalid(f"line {reader.line_num}: {exc}", details={"line": reader.line_num}) from None
    finally:
        text.detach()


def _header(row: list[str]) -> dict[str, int]:
    names = [c.strip().lstrip("\ufeff").strip() for c in row]
    unknown = [n for n in names if n not in COLUMNS]
    missing = [c for c in COLUMNS if c not in names]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if unknown or missing or doubled:
        raise StatementHeaderInvalid(
            "the statement header must be exactly " + ",".join(COLUMNS),
            details={"unknown_columns": unknown, "missing_columns": missing, "repeated_columns": doubled,
                     "expected": list(COLUMNS)})
    return {n: i for i, n in enumerate(names)}


def _bad(line: int, field: str, value: str, message: str) -> StatementLineInvalid:
    return StatementLineInvalid(f"line {line}: {message}",
                                details={"line": line, "field": field, "value": value[:80]})


def _parse(line: int, row: list[str], cols: dict[str, int], today: dt.date) -> StatementLine:
    if len(row) != len(cols):
        raise _bad(line, "columns", ",".join(row), f"expected {len(cols)} columns, found {len(row)}")
    get = {name: row[i].strip() for name, i in cols.items()}
    for name, value in get.items():
        if "\x00" in value:
            raise _bad(line, name, value.replace("\x00", "\\0"), NUL_MESSAGE)
    for name in ("bank_txn_id", "reference", "payee_account"):
        if len(get[name]) > MAX_TEXT:
            raise _bad(line, name, get[name], f"{name} is longer than {MAX_TEXT} characters")
    if not get["bank_txn_id"]:
        raise _bad(line, "bank_txn_id", "", "bank_txn_id is empty")
    raw_date = get["value_date"]
    try:
        if not _DATE_RE.match(raw_date):
            raise ValueError
        value_date = dt.date.fromisoformat(raw_date)
    except ValueError:
        raise _bad(line, "value_date", raw_date, f"{raw_date!r} is not a date YYYY-MM-DD") from None
    if value_date > today:
        raise _bad(line, "value_date", raw_date, f"value date {raw_date} is in the future")
    try:
        amount = parse_money(get["amount"], allow_negative=True)
    except ValueError as exc:
        raise _bad(line, "amount", get["amount"], str(exc)) from None
    if amount == 0:
        raise _bad(line, "amount", get["amount"], "an amount of zero moves nothing")
    return StatementLine(line, get["bank_txn_id"], value_date, get["reference"], get["payee_account"], amount)


def _each(stream: BinaryIO, encoding: str, today: dt.date) -> Iterator[StatementLine]:
    cols = None
    for line, row in _rows(stream, encoding):
        if cols is None:
            if not any(c.strip() for c in row):
                continue
            cols = _header(row)
            continue
        if not any(c.strip() for c in row):
            continue  # blank lines (a trailing newline, Excel's empty rows) carry nothing
        yield _parse(line, row, cols, today)
    if cols is None:
        raise StatementHeaderInvalid("the statement is empty; it needs the header " + ",".join(COLUMNS),
                                     details={"expected": list(COLUMNS), "missing_columns": list(COLUMNS),
                                              "unknown_columns": [], "repeated_columns": []})


def scan(stream: BinaryIO, *, today: dt.date) -> Scan:
    """Check every line; raise naming the first bad one. Returns the encoding for ``lines``."""
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            count = sum(1 for _ in _each(stream, encoding, today))
        except UnicodeDecodeError:
            continue
        return Scan(codecs.lookup(encoding).name, count, digest.hexdigest())
    raise StatementHeaderInvalid("the statement is neither UTF-8 nor GB18030 text", details={"encoding": None})


def lines(stream: BinaryIO, scanned: Scan, *, today: dt.date) -> Iterator[StatementLine]:
    return _each(stream, scanned.encoding, today)


# --- deciding ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    """The payment sent under a reference, as its owner sees it now."""
    reference: str
    amount: int
    payee_account: str
    state: str  # pending (not sent yet) | sent (in transit) | paid | returned


@dataclass(frozen=True)
class Decision:
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
