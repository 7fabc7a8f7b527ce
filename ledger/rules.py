"""Pure ledger rules: journal validation, balance limits, the canonical encoding and hash chain.

Standard library only. Amounts are signed integer fen: a positive amount increases the
account's balance, a negative one decreases it; every journal's amounts sum to zero.

The chain: everything the ledger asserts (an account and its flags, a journal with its postings, a
period close, a reservation opening and its outcome) is one chain entry. An entry's content hash
covers every column of its rows in a canonical encoding; its hash covers the previous entry's hash,
its sequence number, its type and subject, and that content hash.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from typing import Iterable, Mapping, NamedTuple

from ledger.errors import InvalidJournal, NegativeBalance, UnbalancedJournal

GENESIS_HASH = "0" * 64

# Chain entry types: what the ledger asserts. The entry's subject is the row's id (a month for a period).
ACCOUNT = "account"
JOURNAL = "journal"
PERIOD = "period"
RESERVATION_OPEN = "reservation_open"
RESERVATION_CLOSE = "reservation_close"
ENTRY_TYPES = (ACCOUNT, JOURNAL, PERIOD, RESERVATION_OPEN, RESERVATION_CLOSE)
_SEPARATORS = re.compile(r"[\x00-\x1f]")
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")  # ASCII digits: "２０２６-０１" is not a month


class Leg(NamedTuple):
    account: str  # account code
    amount: int   # signed fen


class JournalSpec(NamedTuple):
    key: str
    kind: str
    effective_date: dt.date
    legs: tuple[Leg, ...]
    memo: str = ""
    ref: str | None = None
    reverses: int | None = None


def _text(name: str, value: str | None, limit: int, *, required: bool) -> None:
    if value is None or value == "":
        if required:
            raise InvalidJournal(f"journal {name} is required", field=name)
        return
    if not isinstance(value, str) or len(value) > limit or _SEPARATORS.search(value):
        raise InvalidJournal(f"journal {name} must be text of at most {limit} characters without control characters",
                             field=name)


def _plain(spec: JournalSpec) -> bool:
    """The common case, checked at once: every text field a short enough string, none with a
    control character (a ledger posts 100,000 journals for one bank statement)."""
    key, kind, memo, ref = spec.key, spec.kind, spec.memo, spec.ref
    return (type(key) is str and type(kind) is str and type(memo) is str and (ref is None or type(ref) is str)
            and 0 < len(key) <= 200 and 0 < len(kind) <= 40 and len(memo) <= 500 and len(ref or "") <= 120
            and all(type(leg.account) is str and 0 < len(leg.account) <= 120 for leg in spec.legs)
            and not _SEPARATORS.search("".join((key, kind, memo, ref or "", *(leg.account for leg in spec.legs)))))


def validate(spec: JournalSpec) -> None:
    """Refuse a journal that could not be posted whatever the balances."""
    plain = _plain(spec)
    if not plain:  # find the field to name
        _text("key", spec.key, 200, required=True)
        _text("kind", spec.kind, 40, required=True)
        _text("memo", spec.memo, 500, required=False)
        _text("ref", spec.ref, 120, required=False)
    if not isinstance(spec.effective_date, dt.date) or isinstance(spec.effective_date, dt.datetime):
        raise InvalidJournal("effective_date must be a date", field="effective_date")
    if len(spec.legs) < 2:
        raise InvalidJournal("a journal needs at least two postings", details={"key": spec.key})
    seen = set()
    for leg in spec.legs:
        if not plain:
            _text("account", leg.account, 120, required=True)
        if isinstance(leg.amount, bool) or not isinstance(leg.amount, int):
            raise InvalidJournal("posting amounts are integer fen", details={"key": spec.key, "account": leg.account})
        if leg.amount == 0:
            raise InvalidJournal("a posting of zero moves nothing", details={"key": spec.key, "account": leg.account})
        if leg.account in seen:
            raise InvalidJournal("an account appears twice in one journal",
                                 details={"key": spec.key, "account": leg.account})
        seen.add(leg.account)
    total = sum(leg.amount for leg in spec.legs)
    if total != 0:
        raise UnbalancedJournal(f"postings sum to {total} fen, not zero",
                                details={"key": spec.key, "sum_fen": total})


def content_hash(kind: str, effective_date: dt.date, memo: str, ref: str | None, reverses: int | None,
                 legs: Iterable[tuple[str, int]]) -> str:
    """SHA-256 of what a journal says, independent of where it sits in the chain.

    Idempotency compares it; the chain hashes it. Fields are joined by ASCII unit/record
    separators, which ``validate`` forbids inside the fields, so the encoding is unambiguous.
    """
    body = "\x1f".join((
        kind, effective_date.isoformat(), memo or "", ref or "", "" if reverses is None else str(reverses),
        "\x1e".join(f"{code}\x1d{amount}" for code, amount in legs),
    ))
    return hashlib.sha256(body.encode()).hexdigest()


def spec_content_hash(spec: JournalSpec) -> str:
    return content_hash(spec.kind, spec.effective_date, spec.memo, spec.ref, spec.reverses,
                        ((leg.account, leg.amount) for leg in spec.legs))


# --- the chain's canonical encoding ----------------------------------------------------------------
# Each entry's content is a JSON array of its column values in a fixed order: JSON keeps NULL and ''
# apart, escapes every character (ensure_ascii), and an array needs no field names, so one row has
# exactly one encoding. Timestamps are UTC with microseconds, which both databases store exactly.

@functools.lru_cache(maxsize=256)  # the journals of one batch share one timestamp
def stamp(value: dt.datetime) -> str:
    """A stored timestamp as UTC ISO 8601 with microseconds. SQLite hands back naive UTC values."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_encode = json.JSONEncoder(separators=(",", ":")).encode  # one encoder: json.dumps builds one per call


def _digest(values: list) -> str:
    return hashlib.sha256(_encode(values).encode()).hexdigest()


def account_content(account_id: int, code: str, name: str, no_negative: bool, created_at: dt.datetime) -> str:
    """An account as opened. Its balance is a cache of its postings and is not part of it."""
    return _digest([account_id, code, name, bool(no_negative), stamp(created_at)])


def journal_content(journal_id: int, key: str, kind: str, effective_date: dt.date, memo: str, ref: str | None,
                    reverses_id: int | None, chash: str, created_at: dt.datetime,
                    postings: Iterable[tuple[int, int, int, int, int]]) -> str:
    """A journal row and its postings ``(id, journal_id, idx, account_id, amount)`` in ``idx`` order."""
    return _digest([journal_id, key, kind, effective_date.isoformat(), memo, ref, reverses_id, chash,
                    stamp(created_at), list(postings)])


def period_content(month: str, closed_at: dt.datetime, closed_by: str, head_seq: int, head_hash: str) -> str:
    """A period close and the chain head it closed on."""
    return _digest([month, stamp(closed_at), closed_by, head_seq, head_hash])


def reservation_open_content(reservation_id: int, key: str, source_account_id: int, hold_account_id: int,
                             amount: int, open_journal_id: int, created_at: dt.datetime) -> str:
    """What a reservation holds, from where, on which account, opened by which journal."""
    return _digest([reservation_id, key, source_account_id, hold_account_id, amount, open_journal_id,
                    stamp(created_at)])


def reservation_close_content(reservation_id: int, status: str, posted_amount: int, close_journal_id: int) -> str:
    """How a reservation ended: posted (in part) or voided, by which journal."""
    return _digest([reservation_id, status, posted_amount, close_journal_id])


def chain_hash(prev_hash: str, seq: int, entry_type: str, subject: str, content: str) -> str:
    """The link: hex hashes, a number, a known type and an id or month contain no separator."""
    return hashlib.sha256(f"{prev_hash}\x1f{seq}\x1f{entry_type}\x1f{subject}\x1f{content}".encode()).hexdigest()


def apply_legs(balances: dict[str, int], no_negative: Mapping[str, bool], spec: JournalSpec) -> None:
    """Apply a journal to ``balances`` in place, refusing to take a protected account below zero.

    Checks every leg before changing anything, so a refused journal leaves ``balances`` as it was.
    """
    for leg in spec.legs:
        after = balances[leg.account] + leg.amount
        if after < 0 and no_negative[leg.account]:
            raise NegativeBalance(
                f"account {leg.account} would go below zero",
                details={"account": leg.account, "balance_fen": balances[leg.account], "change_fen": leg.amount,
                         "key": spec.key},
            )
    for leg in spec.legs:
        balances[leg.account] += leg.amount


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str) -> tuple[int, int]:
    if not isinstance(text, str) or not _MONTH.fullmatch(text):
        raise InvalidJournal(f"{text!r} is not a month YYYY-MM", field="month")
    return int(text[:4]), int(text[5:])


def reversal_legs(legs: Iterable[tuple[str, int]]) -> tuple[Leg, ...]:
    return tuple(Leg(code, -amount) for code, amount in legs)
