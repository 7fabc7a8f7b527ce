"""Ledger use cases. Other domains call these inside their own unit of work and commit it
themselves: the journal lands in the same transaction as the state change it records.

Concurrency: every writer first locks the single ``ledger_head`` row (``SELECT … FOR UPDATE``).
That serialises ledger writers, which the hash chain needs anyway (each entry names its
predecessor), and makes the balance check that follows read committed, current balances: a
flagged account can never be overdrawn by two transactions that each saw the old balance.

The chain (``ledger_chain``) has one entry for everything the ledger asserts: an account opened, a
journal with its postings, a period closed, a reservation opened, a reservation's outcome. Journals
and postings get their ids from counters on the head row, so a journal is hashed whole before any of
it is written. Anchors (``ledger.anchors``) copy committed heads outside the database.
We chose row locks over SERIALIZABLE because the chain head is a single hot row either way, and
waiting on a lock is cheaper and more predictable than aborting and retrying whole transactions.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Iterator, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from adapters.tables import insert_rows, one_of, rfc3339
from kernel import clock
from ledger import anchors as anchor_file
from ledger import rules
from ledger.errors import (
    AlreadyReversed,
    IdempotencyMismatch,
    InvalidJournal,
    JournalNotFound,
    LedgerInconsistent,
    PeriodAlreadyClosed,
    PeriodClosed,
    PeriodNotEnded,
    ReservationClosed,
    ReservationExceeded,
    UnknownAccount,
)
from ledger.models import (
    LedgerAccount, LedgerChain, LedgerHead, LedgerJournal, LedgerPeriod, LedgerPosting, LedgerReservation,
)
from ledger.rules import GENESIS_HASH, JournalSpec, Leg

A = LedgerAccount.__table__
J = LedgerJournal.__table__
P = LedgerPosting.__table__
H = LedgerHead.__table__
R = LedgerReservation.__table__
PER = LedgerPeriod.__table__
C = LedgerChain.__table__

__all__ = [
    "IdempotencyMismatch",
    "Leg", "JournalSpec", "open_account", "post", "post_batch", "reverse", "reserve", "post_pending",
    "void_pending", "balance", "balance_column", "balances", "balances_as_of", "trial_balance", "close_period",
    "verify",
    "journals_for_ref", "anchor", "anchor_after_commit", "head",
]


class PostedJournal(NamedTuple):
    id: int
    key: str
    kind: str
    effective_date: dt.date
    hash: str  # the hash of the journal's chain entry
    legs: tuple[Leg, ...]
    replayed: bool = False


def _now() -> dt.datetime:
    """Now in UTC, exactly as it will be read back: SQLite stores the wall time without its offset."""
    return clock.now().astimezone(dt.timezone.utc)


class _Head(NamedTuple):
    seq: int
    hash: str
    journal_seq: int
    posting_seq: int


# The head as this transaction last locked or moved it, in ``session.info``: once locked, the row
# stays locked (FOR UPDATE; SQLite's write lock) until the transaction ends, and only this
# module moves it, so a second journal or chain entry in the same transaction (a reservation's
# entry after its journal, a claim's several journals) need not read it again. Forgotten when any
# transaction of the session ends, a savepoint's included: a rolled-back savepoint may have moved it.
_HEAD = "yq_ledger_head"


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session, _transaction) -> None:
    session.info.pop(_HEAD, None)


def _lock_head(s) -> _Head:
    known = s.info.get(_HEAD)
    if known is not None:
        return known
    q = sa.select(H.c.seq, H.c.hash, H.c.journal_seq, H.c.posting_seq).where(H.c.id == 1).with_for_update()
    row = s.execute(q).first()
    if row is None:
        s.execute(sa.insert(H).values(id=1, seq=0, hash=GENESIS_HASH, journal_seq=0, posting_seq=0))
        row = s.execute(q).first()
    s.info[_HEAD] = head_row = _Head(*row)
    return head_row


def _move_head(s, head_row: _Head) -> None:
    s.execute(sa.update(H).where(H.c.id == 1).values(**head_row._asdict()))
    s.info[_HEAD] = head_row


def _append(s, entry_type: str, subject: str, content: str) -> tuple[int, str]:
    """Add one chain entry after the head and move the head to it."""
    head_row = _lock_head(s)
    seq = head_row.seq + 1
    digest = rules.chain_hash(head_row.hash, seq, entry_type, subject, content)
    s.execute(sa.insert(C).values(seq=seq, entry_type=entry_type, subject=subject, content_hash=content,
                                  prev_hash=head_row.hash, hash=digest))
    _move_head(s, head_row._replace(seq=seq, hash=digest))
    return seq, digest


def head(session) -> tuple[int, str]:
    """The last chain entry's sequence number and hash (0 and the genesis hash on an empty ledger)."""
    row = session.execute(sa.select(H.c.seq, H.c.hash).where(H.c.id == 1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS_HASH)


def open_account(uow, *, code: str, name: str, no_negative: bool = False) -> int:
    """Create the account if it does not exist; return its id. Idempotent."""
    s = uow.session
    q = sa.select(A.c.id, A.c.no_negative).where(A.c.code == code)
    found = s.execute(q).first()
    if found is None:
        rules._text("account", code, 120, required=True)
        _lock_head(s)  # two openers of one code queue here, and the second then finds the first's account
        found = s.execute(q).first()
    if found is not None:
        if bool(found.no_negative) != no_negative:
            raise InvalidJournal(f"account {code} exists with different flags", details={"account": code})
        return found.id
    created_at = _now()
    account_id = s.execute(sa.insert(A).values(code=code, name=name, no_negative=no_negative, balance=0,
                                               created_at=created_at).returning(A.c.id)).scalar_one()
    _append(s, rules.ACCOUNT, str(account_id),
            rules.account_content(account_id, code, name, no_negative, created_at))
    return account_id


def _closed_months(s, months: set[str]) -> set[str]:
    if not months:
        return set()
    return set(s.execute(sa.select(PER.c.month).where(PER.c.month.in_(months))).scalars())


def _with_chain_hash(*columns):
    """Select journal columns and the hash of each journal's chain entry."""
    entry = sa.and_(C.c.entry_type == rules.JOURNAL, C.c.subject == sa.cast(J.c.id, sa.String))
    return sa.select(*columns, C.c.hash).select_from(J.outerjoin(C, entry))


def _existing(s, keys: list[str]) -> dict[str, sa.Row]:
    found: dict[str, sa.Row] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for row in s.execute(_with_chain_hash(J.c.id, J.c.key, J.c.kind, J.c.effective_date, J.c.content_hash)
                             .where(one_of(s, J.c.key, chunk))):
            found[row.key] = row
    return found


def _legs_of(s, journal_ids: Sequence[int]) -> dict[int, tuple[Leg, ...]]:
    out: dict[int, list[Leg]] = {}
    if not journal_ids:
        return {}
    rows = s.execute(sa.select(P.c.journal_id, A.c.code, P.c.amount).join(A, A.c.id == P.c.account_id)
                     .where(P.c.journal_id.in_(list(journal_ids))).order_by(P.c.journal_id, P.c.idx))
    for jid, code, amount in rows:
        out.setdefault(jid, []).append(Leg(code, amount))
    return {k: tuple(v) for k, v in out.items()}


def post(uow, *, key: str, kind: str, legs: Iterable[Leg | tuple[str, int]], effective_date: dt.date,
         memo: str = "", ref: str | None = None, reverses: int | None = None) -> PostedJournal:
    """Post one journal (or return the original if ``key`` was posted before with the same content)."""
    spec = JournalSpec(key=key, kind=kind, effective_date=effective_date, memo=memo, ref=ref, reverses=reverses,
                       legs=tuple(leg if isinstance(leg, Leg) else Leg(*leg) for leg in legs))
    return post_batch(uow, [spec])[0]


_JOURNAL_COLUMNS = ("id", "key", "kind", "effective_date", "memo", "ref", "reverses_id", "content_hash", "created_at")
_POSTING_COLUMNS = ("id", "journal_id", "idx", "account_id", "amount")  # the order journal_content hashes
_CHAIN_COLUMNS = ("seq", "entry_type", "subject", "content_hash", "prev_hash", "hash")


def post_batch(uow, specs: Sequence[JournalSpec]) -> list[PostedJournal]:
    """Post journals in order, all or none. The one path every journal takes."""
    s = uow.session
    s.flush()
    for spec in specs:
        rules.validate(spec)
    hashes = [rules.spec_content_hash(spec) for spec in specs]

    head_row = _lock_head(s)
    seq, prev = head_row.seq, head_row.hash

    # Idempotency: a replayed key returns the original journal; the same key with other content is refused.
    existing = _existing(s, [spec.key for spec in specs])
    results: list[PostedJournal | None] = [None] * len(specs)
    batch_keys: dict[str, str] = {}
    fresh: list[int] = []
    for i, (spec, chash) in enumerate(zip(specs, hashes)):
        prior = existing.get(spec.key)
        if prior is not None:
            if prior.content_hash != chash:
                raise IdempotencyMismatch(f"idempotency key {spec.key!r} was used for a different journal",
                                          details={"key": spec.key, "journal": prior.id})
            results[i] = PostedJournal(prior.id, prior.key, prior.kind, prior.effective_date, prior.hash, spec.legs,
                                       replayed=True)
            continue
        if spec.key in batch_keys:
            if batch_keys[spec.key] != chash:
                raise IdempotencyMismatch(f"idempotency key {spec.key!r} appears twice with different content",
                                          details={"key": spec.key})
            continue
        batch_keys[spec.key] = chash
        fresh.append(i)
    if not fresh:
        return _fill_duplicates(specs, results)

    months = {rules.month_of(specs[i].effective_date) for i in fresh}
    closed = _closed_months(s, months)
    if closed:
        bad = next(specs[i] for i in fresh if rules.month_of(specs[i].effective_date) in closed)
        raise PeriodClosed(f"period {rules.month_of(bad.effective_date)} is closed",
                           details={"key": bad.key, "month": rules.month_of(bad.effective_date)})

    reversed_ids = [specs[i].reverses for i in fresh if specs[i].reverses is not None]
    if reversed_ids:
        taken = s.execute(sa.select(J.c.reverses_id).where(J.c.reverses_id.in_(reversed_ids))).scalars().first()
        if taken is not None or len(set(reversed_ids)) != len(reversed_ids):
            raise AlreadyReversed("a journal can be reversed only once", details={"journal": taken})

    codes = sorted({leg.account for i in fresh for leg in specs[i].legs})
    accounts: dict[str, sa.Row] = {}
    for j in range(0, len(codes), 500):
        for row in s.execute(sa.select(A.c.id, A.c.code, A.c.balance, A.c.no_negative)
                             .where(A.c.code.in_(codes[j:j + 500])).order_by(A.c.id).with_for_update()):
            accounts[row.code] = row
    missing = [c for c in codes if c not in accounts]
    if missing:
        raise UnknownAccount(f"unknown account {missing[0]}", details={"accounts": missing})
    balances = {code: row.balance for code, row in accounts.items()}
    flags = {code: bool(row.no_negative) for code, row in accounts.items()}

    now = _now()
    journal_id, posting_id = head_row.journal_seq, head_row.posting_seq
    # Rows as tuples in the order of the _*_COLUMNS below: one pass hashes the chain for the whole
    # batch, and each table then takes one COPY (PostgreSQL) or one executemany (SQLite).
    journal_rows, posting_rows, chain_rows = [], [], []
    account_ids = {code: row.id for code, row in accounts.items()}
    journal_content, chain_hash, JOURNAL = rules.journal_content, rules.chain_hash, rules.JOURNAL
    for i in fresh:
        spec = specs[i]
        rules.apply_legs(balances, flags, spec)
        journal_id += 1
        postings = []
        for idx, leg in enumerate(spec.legs):
            posting_id += 1
            postings.append((posting_id, journal_id, idx, account_ids[leg.account], leg.amount))
        memo = spec.memo or ""
        content = journal_content(journal_id, spec.key, spec.kind, spec.effective_date, memo, spec.ref,
                                  spec.reverses, hashes[i], now, postings)
        seq += 1
        subject = str(journal_id)
        digest = chain_hash(prev, seq, JOURNAL, subject, content)
        journal_rows.append((journal_id, spec.key, spec.kind, spec.effective_date, memo, spec.ref, spec.reverses,
                             hashes[i], now))
        posting_rows.extend(postings)
        chain_rows.append((seq, JOURNAL, subject, content, prev, digest))
        results[i] = PostedJournal(journal_id, spec.key, spec.kind, spec.effective_date, digest, spec.legs)
        prev = digest

    # straight to the driver (COPY on PostgreSQL): with the chain entry and the guards' triggers,
    # SQLAlchemy's per-row parameter handling would be a large share of a batch's cost
    insert_rows(s, J, _JOURNAL_COLUMNS, journal_rows)
    insert_rows(s, P, _POSTING_COLUMNS, posting_rows)
    insert_rows(s, C, _CHAIN_COLUMNS, chain_rows)
    changed = [{"b_id": accounts[c].id, "b_balance": b} for c, b in balances.items() if b != accounts[c].balance]
    if changed:
        s.execute(sa.update(A).where(A.c.id == sa.bindparam("b_id")).values(balance=sa.bindparam("b_balance")),
                  changed)
    _move_head(s, _Head(seq, prev, journal_id, posting_id))
    return _fill_duplicates(specs, results)


def _fill_duplicates(specs, results):
    by_key = {r.key: r for r in results if r is not None}
    return [r if r is not None else by_key[spec.key] for spec, r in zip(specs, results)]


def get_journal(session, journal_id: int) -> PostedJournal:
    row = session.execute(_with_chain_hash(J.c.id, J.c.key, J.c.kind, J.c.effective_date)
                          .where(J.c.id == journal_id)).first()
    if row is None:
        raise JournalNotFound(f"journal {journal_id} not found", details={"journal": journal_id})
    return PostedJournal(row.id, row.key, row.kind, row.effective_date, row.hash, _legs_of(session, [row.id])[row.id])


def reverse(uow, *, journal_id: int, key: str, effective_date: dt.date, memo: str = "") -> PostedJournal:
    """Post the mirror image of a journal; the original stays as it was."""
    original = get_journal(uow.session, journal_id)
    return post(uow, key=key, kind="reversal", effective_date=effective_date, memo=memo or f"reverses {journal_id}",
                reverses=journal_id, legs=rules.reversal_legs((leg.account, leg.amount) for leg in original.legs))


def journals_for_ref(session, ref: str) -> list[PostedJournal]:
    rows = session.execute(_with_chain_hash(J.c.id, J.c.key, J.c.kind, J.c.effective_date)
                           .where(J.c.ref == ref).order_by(J.c.id)).all()
    legs = _legs_of(session, [r.id for r in rows])
    return [PostedJournal(r.id, r.key, r.kind, r.effective_date, r.hash, legs.get(r.id, ())) for r in rows]


# --- two-phase reservations ------------------------------------------------------------------

@dataclass(frozen=True)
class Reservation:
    id: int
    key: str
    amount: int
    status: str
    posted_amount: int
    source: str
    hold: str


def _reservation(s, where, *, lock: bool = False) -> Reservation | None:
    src, hold = A.alias("src"), A.alias("hold")
    q = (sa.select(R.c.id, R.c.key, R.c.amount, R.c.status, R.c.posted_amount, src.c.code.label("source"),
                   hold.c.code.label("hold"))
         .join(src, src.c.id == R.c.source_account_id).join(hold, hold.c.id == R.c.hold_account_id).where(where))
    if lock:
        q = q.with_for_update(of=R)
    row = s.execute(q).first()
    return None if row is None else Reservation(**row._mapping)


def reservation(session, reservation_id: int) -> Reservation | None:
    return _reservation(session, R.c.id == reservation_id)


def reserve(uow, *, key: str, source: str, hold: str, amount: int, effective_date: dt.date, kind: str = "reserve",
            memo: str = "", ref: str | None = None) -> Reservation:
    """Phase one: move ``amount`` from ``source`` to ``hold`` and remember it as pending."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidJournal("a reservation needs a positive amount in fen", details={"key": key})
    journal = post(uow, key=key, kind=kind, effective_date=effective_date, memo=memo, ref=ref,
                   legs=[Leg(source, -amount), Leg(hold, amount)])
    s = uow.session
    if journal.replayed:
        found = _reservation(s, R.c.key == key)
        if found is not None:
            return found
    created_at = _now()

    def account_id(code):
        return sa.select(A.c.id).where(A.c.code == code).scalar_subquery()
    # one statement: the accounts' ids looked up inside the INSERT, everything needed back by RETURNING
    row = s.execute(
        sa.insert(R).values(key=key, source_account_id=account_id(source), hold_account_id=account_id(hold),
                            amount=amount, status="pending", posted_amount=0, open_journal_id=journal.id,
                            created_at=created_at)
        .returning(R.c.id, R.c.source_account_id, R.c.hold_account_id)).one()
    _append(s, rules.RESERVATION_OPEN, str(row.id),
            rules.reservation_open_content(row.id, key, row.source_account_id, row.hold_account_id, amount,
                                           journal.id, created_at))
    return Reservation(row.id, key, amount, "pending", 0, source, hold)


def post_pending(uow, *, reservation_id: int, amount: int, destination: str, key: str, effective_date: dt.date,
                 kind: str = "consume", memo: str = "", ref: str | None = None,
                 rest_to: str | None = None) -> Reservation:
    """Phase two: post ``amount`` (part or all) to ``destination`` and return the rest to the source
    (or to ``rest_to``), in one journal. A reservation is closed exactly once.

    ``rest_to`` serves a reservation re-opened from money already spent (a claim sent back by an
    objection holds its amount from ``payable``): what it does not use is freed, not spent again."""
    s = uow.session
    res = _reservation(s, R.c.id == reservation_id, lock=True)
    if res is None:
        raise JournalNotFound(f"reservation {reservation_id} not found")
    if res.status != "pending":
        closing_key = s.execute(sa.select(J.c.key).join(R, R.c.close_journal_id == J.c.id)
                                .where(R.c.id == reservation_id)).scalar()
        if closing_key == key and res.posted_amount == amount:
            return res  # the same call replayed
        raise ReservationClosed(f"reservation {reservation_id} is already {res.status}",
                                details={"reservation": reservation_id, "status": res.status})
    held = _held_by_opening_journal(s, reservation_id)
    if held != res.amount:  # the row and its opening journal are both chained; a mismatch means tampering
        raise LedgerInconsistent(f"reservation {reservation_id} does not match its opening journal; run verify",
                                details={"reservation": reservation_id, "journal_fen": held, "row_fen": res.amount})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0 or amount > res.amount:
        raise ReservationExceeded(f"cannot post {amount} fen of a reservation of {res.amount} fen",
                                  details={"reservation": reservation_id, "amount_fen": res.amount})
    legs = [Leg(res.hold, -res.amount)]
    if amount:
        legs.append(Leg(destination, amount))
    if res.amount - amount:
        legs.append(Leg(rest_to or res.source, res.amount - amount))
    journal = post(uow, key=key, kind=kind, effective_date=effective_date, memo=memo, ref=ref, legs=legs)
    status = "posted" if amount else "voided"
    s.execute(sa.update(R).where(R.c.id == reservation_id)
              .values(status=status, posted_amount=amount, close_journal_id=journal.id))
    _append(s, rules.RESERVATION_CLOSE, str(reservation_id),
            rules.reservation_close_content(reservation_id, status, amount, journal.id))
    return _reservation(s, R.c.id == reservation_id)


def _held_by_opening_journal(s, reservation_id: int) -> int | None:
    return s.execute(sa.select(P.c.amount).join(R, sa.and_(P.c.journal_id == R.c.open_journal_id,
                                                           P.c.account_id == R.c.hold_account_id))
                     .where(R.c.id == reservation_id)).scalar()


def void_pending(uow, *, reservation_id: int, key: str, effective_date: dt.date, kind: str = "release",
                 memo: str = "", ref: str | None = None) -> Reservation:
    """Return the whole reservation to its source."""
    return post_pending(uow, reservation_id=reservation_id, amount=0, destination="", key=key,
                        effective_date=effective_date, kind=kind, memo=memo, ref=ref)


# --- balances ----------------------------------------------------------------------------------

def balance(session, code: str) -> int:
    value = session.execute(sa.select(A.c.balance).where(A.c.code == code)).scalar()
    if value is None:
        raise UnknownAccount(f"unknown account {code}", details={"accounts": [code]})
    return value


def balance_column(code: str):
    """SQL: an account's balance (NULL for an unknown account), to select beside other columns."""
    return sa.select(A.c.balance).where(A.c.code == code).scalar_subquery()


def balances(session, codes: Iterable[str]) -> dict[str, int]:
    codes = list(codes)
    found = dict(session.execute(sa.select(A.c.code, A.c.balance).where(A.c.code.in_(codes))).all())
    missing = [c for c in codes if c not in found]
    if missing:
        raise UnknownAccount(f"unknown account {missing[0]}", details={"accounts": missing})
    return found


def balances_as_of(session, day: dt.date, *, prefix: str | None = None) -> dict[str, int]:
    """Balances from the postings of journals effective on or before ``day``."""
    q = (sa.select(A.c.code, sa.func.coalesce(sa.func.sum(P.c.amount), 0))
         .select_from(A.outerjoin(P.join(J, sa.and_(J.c.id == P.c.journal_id, J.c.effective_date <= day)),
                                  P.c.account_id == A.c.id))
         .group_by(A.c.code).order_by(A.c.code))
    if prefix:
        q = q.where(A.c.code.startswith(prefix, autoescape=True))
    return {code: int(total) for code, total in session.execute(q)}


def daily_movements(session, *, prefix: str) -> list[tuple[dt.date, str, int]]:
    """``(effective_date, account code, net amount)`` of every day journals moved accounts whose
    code starts with ``prefix``, oldest first: one query, summed by the database; running totals
    of it are the balances at the end of each such day."""
    q = (sa.select(J.c.effective_date, A.c.code, sa.func.sum(P.c.amount))
         .select_from(P.join(J, J.c.id == P.c.journal_id).join(A, A.c.id == P.c.account_id))
         .where(A.c.code.startswith(prefix, autoescape=True))
         .group_by(J.c.effective_date, A.c.code).order_by(J.c.effective_date, A.c.code))
    return [(day, code, int(total)) for day, code, total in session.execute(q)]


@dataclass(frozen=True)
class ClosedPeriod:
    month: str
    head_seq: int
    head_hash: str  # the chain head the month closed on


@dataclass(frozen=True)
class TrialBalance:
    as_of: dt.date | None
    rows: list[tuple[str, str, int]]  # code, name, balance
    total_debit: int   # sum of positive balances
    total_credit: int  # sum of negative balances, as a positive number
    head_hash: str = GENESIS_HASH  # the chain head now
    closed_period: ClosedPeriod | None = None  # the latest period closed that ended on or before as_of

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit


def trial_balance(session, *, as_of: dt.date | None = None, prefix: str | None = None) -> TrialBalance:
    names = dict(session.execute(sa.select(A.c.code, A.c.name)).all())
    if as_of is None:
        q = sa.select(A.c.code, A.c.balance).order_by(A.c.code)
        if prefix:
            q = q.where(A.c.code.startswith(prefix, autoescape=True))
        values = dict(session.execute(q).all())
    else:
        values = balances_as_of(session, as_of, prefix=prefix)
    rows = [(code, names[code], bal) for code, bal in sorted(values.items())]
    return TrialBalance(as_of, rows, sum(b for *_, b in rows if b > 0), -sum(b for *_, b in rows if b < 0),
                        head(session)[1], latest_closed_period(session, as_of))


def latest_closed_period(session, as_of: dt.date | None = None) -> ClosedPeriod | None:
    """The latest closed month that ended on or before ``as_of`` (any, without it)."""
    q = sa.select(PER.c.month, PER.c.head_seq, PER.c.head_hash).order_by(PER.c.month.desc()).limit(1)
    if as_of is not None:
        q = q.where(PER.c.month < rules.month_of(as_of + dt.timedelta(days=1)))
    row = session.execute(q).first()
    return None if row is None else ClosedPeriod(row.month, row.head_seq, row.head_hash)


# --- periods ---------------------------------------------------------------------------------------

def close_period(uow, *, month: str, closed_by: str) -> None:
    """Close a month that has ended: no journal may be dated in it afterwards. The close records the
    chain head it closed on, is itself a chain entry, and is anchored once committed."""
    year, mon = rules.parse_month(month)
    today = clock.today()
    if (year, mon) >= (today.year, today.month):
        raise PeriodNotEnded(f"month {month} has not ended", details={"month": month})
    s = uow.session
    head_row = _lock_head(s)  # no journal may slip into the month while it closes
    if s.execute(sa.select(PER.c.month).where(PER.c.month == month)).first():
        raise PeriodAlreadyClosed(f"month {month} is already closed", details={"month": month})
    closed_at = _now()
    s.execute(sa.insert(PER).values(month=month, closed_at=closed_at, closed_by=closed_by,
                                    head_seq=head_row.seq, head_hash=head_row.hash))
    _append(s, rules.PERIOD, month, rules.period_content(month, closed_at, closed_by, head_row.seq, head_row.hash))
    anchor_after_commit(uow)
    uow.commit()


def closed_periods(session) -> list[str]:
    return list(session.execute(sa.select(PER.c.month).order_by(PER.c.month)).scalars())


# --- anchors ---------------------------------------------------------------------------------------

def anchor_after_commit(uow) -> None:
    """Once ``uow`` commits, append the ledger head as it then stands to the anchors file (if the unit
    of work has one). Call it after the transaction's last ledger write; the anchor names the head
    read now, which the commit makes durable, so an anchor never names an uncommitted head."""
    path = getattr(uow, "anchors", None)
    if not path:
        return
    seq, digest = head(uow.session)
    uow.after_commit(lambda: anchor_file.append(path, seq=seq, head_hash=digest, at=rfc3339(clock.now())))


def anchor(session, path) -> dict:
    """Append the committed head, as ``session`` reads it, to the anchors file at ``path``."""
    seq, digest = head(session)
    return anchor_file.append(path, seq=seq, head_hash=digest, at=rfc3339(clock.now()))


# --- verification ----------------------------------------------------------------------------

@dataclass
class VerifyReport:
    ok: bool
    journals: int
    head_hash: str
    first_bad_journal: int | None = None
    problem: str | None = None
    bad_accounts: list[str] = field(default_factory=list)
    bad_reservations: list[int] = field(default_factory=list)
    anchors_checked: int = 0
    checked_at: dt.datetime | None = None


class _Bad(Exception):
    """The first thing verify found wrong."""

    def __init__(self, problem: str, *, journal: int | None = None, accounts: Sequence[str] = (),
                 reservations: Sequence[int] = ()):
        super().__init__(problem)
        self.problem, self.journal = problem, journal
        self.accounts, self.reservations = list(accounts), list(reservations)


def verify(session, *, anchors: str | None = None, chunk: int = 20000) -> VerifyReport:
    """Walk the chain, recompute every entry from the rows it covers, every balance from the postings,
    and check that every anchored head is still in the chain.

    Names the first journal (or account, reservation, period) that does not match, and anything in
    the tables that the chain does not know. Reads in chunks, so memory stays flat however long the
    ledger; give it a snapshot session (``UowFactory.snapshot``) so journals committed meanwhile are
    neither half-seen nor taken for tampering.
    """
    checked_at = clock.now()
    # Read the anchors before the first query opens the snapshot: an anchor is written only after its
    # head committed, so every head the file names is visible to the snapshot.
    try:
        pinned, anchors_problem = list(anchor_file.read(anchors)), None
    except anchor_file.AnchorFileError as exc:
        pinned, anchors_problem = [], str(exc)
    head_row = session.execute(sa.select(H.c.seq, H.c.hash, H.c.journal_seq, H.c.posting_seq)
                               .where(H.c.id == 1)).first()
    head_hash = head_row.hash if head_row else GENESIS_HASH
    walk = _ChainWalk(session, pinned)
    try:
        walk.run(chunk)
        walk.finish(head_row)
        if anchors_problem:
            raise _Bad(anchors_problem)
    except _Bad as bad:
        return VerifyReport(False, walk.journals, head_hash, bad.journal, bad.problem, bad.accounts, bad.reservations,
                            walk.anchors_checked, checked_at)
    return VerifyReport(True, walk.journals, head_hash, anchors_checked=walk.anchors_checked, checked_at=checked_at)


class _ChainWalk:
    """One pass over the chain in sequence order, a chunk of entries at a time, with the rows each
    chunk covers fetched alongside it."""

    def __init__(self, session, pinned: list[anchor_file.Anchor]):
        self.s = session
        self.accounts = {row.id: row for row in session.execute(
            sa.select(A.c.id, A.c.code, A.c.name, A.c.no_negative, A.c.balance, A.c.created_at))}
        self.codes = {account_id: row.code for account_id, row in self.accounts.items()}
        self.sums = dict.fromkeys(self.accounts, 0)
        self.opened: set[int] = set()  # accounts whose entry the walk has passed
        self.periods = {row.month: row for row in session.execute(sa.select(PER))}
        self.closed: set[str] = set()
        self.pinned: dict[int, list[anchor_file.Anchor]] = {}
        for a in pinned:
            self.pinned.setdefault(a.seq, []).append(a)
        self.anchors_checked = 0
        self.seq, self.prev = 0, GENESIS_HASH
        self.journals = 0      # the last journal passed; journals are numbered 1, 2, 3… in chain order
        self.last_posting = 0  # the highest posting id passed
        self.opens = self.closes = 0
        self.content_hash, self.chain_hash = rules.content_hash, rules.chain_hash
        self._check_anchors(0, GENESIS_HASH)

    def _check_anchors(self, seq: int, digest: str) -> None:
        for a in self.pinned.get(seq, ()):
            if a.head_hash != digest:
                raise _Bad(f"anchor on line {a.line} names chain entry {seq} with another hash: the chain was "
                           "rewritten since it was anchored")
            self.anchors_checked += 1

    def run(self, chunk: int) -> None:
        last = 0
        while True:
            entries = self.s.execute(
                sa.select(C.c.seq, C.c.entry_type, C.c.subject, C.c.content_hash, C.c.prev_hash, C.c.hash)
                .where(C.c.seq > last).order_by(C.c.seq).limit(chunk)).all()
            if not entries:
                return
            self._chunk(entries)
            last = entries[-1].seq

    def _chunk(self, entries) -> None:
        s = self.s
        lo = self.journals + 1
        hi = self.journals + sum(1 for e in entries if e.entry_type == rules.JOURNAL)
        journals = {row[0]: tuple(row) for row in s.execute(
            sa.select(J.c.id, J.c.key, J.c.kind, J.c.effective_date, J.c.memo, J.c.ref, J.c.reverses_id,
                      J.c.content_hash, J.c.created_at).where(J.c.id >= lo, J.c.id <= hi)).all()}
        postings: dict[int, list[tuple]] = {}
        for row in s.execute(sa.select(P.c.id, P.c.journal_id, P.c.idx, P.c.account_id, P.c.amount)
                             .where(P.c.journal_id >= lo, P.c.journal_id <= hi)
                             .order_by(P.c.journal_id, P.c.idx)).all():
            postings.setdefault(row[1], []).append(tuple(row))
        wanted = sorted({int(e.subject) for e in entries
                         if e.entry_type in (rules.RESERVATION_OPEN, rules.RESERVATION_CLOSE) and e.subject.isdigit()})
        reservations = {}
        for i in range(0, len(wanted), 500):
            for row in s.execute(sa.select(R).where(one_of(s, R.c.id, wanted[i:i + 500]))):
                reservations[row.id] = row
        chain_hash, pinned = self.chain_hash, self.pinned
        for e in entries:
            entry_seq, entry_type, subject, content_hash, prev_hash, digest = e
            self.seq += 1
            if entry_seq != self.seq:
                raise _Bad(f"chain entry {self.seq} is missing", journal=self._journal_at(e))
            if prev_hash != self.prev:
                raise _Bad(f"chain entry {entry_seq} does not name its predecessor's hash",
                           journal=self._journal_at(e))
            if entry_type == rules.JOURNAL:
                content = self._journal(e, journals, postings)
            elif entry_type == rules.ACCOUNT:
                content = self._account(e)
            elif entry_type == rules.PERIOD:
                content = self._period(e)
            elif entry_type in (rules.RESERVATION_OPEN, rules.RESERVATION_CLOSE):
                content = self._reservation(e, reservations)
            else:
                raise _Bad(f"chain entry {entry_seq} is of an unknown type")
            if chain_hash(self.prev, entry_seq, entry_type, subject, content) != digest:
                raise _Bad("journal hash does not match" if entry_type == rules.JOURNAL
                           else f"chain entry {entry_seq} hash does not match",
                           journal=self.journals if entry_type == rules.JOURNAL else None)
            self.prev = digest
            if entry_seq in pinned:
                self._check_anchors(entry_seq, digest)

    def _journal_at(self, entry) -> int | None:
        """The journal to name for a broken link: the one this entry should be, or the next one."""
        return self.journals + 1 if entry.entry_type == rules.JOURNAL else None

    def _journal(self, e, journals, postings) -> str:
        jid = self.journals + 1
        if e.subject != str(jid):
            raise _Bad(f"chain entry {e.seq} names journal {e.subject} where journal {jid} is due", journal=jid)
        row = journals.get(jid)
        if row is None:
            raise _Bad(f"journal {jid} is missing", journal=jid)
        _, key, kind, effective_date, memo, ref, reverses_id, chash, created_at = row
        legs = postings.get(jid, ())
        codes, opened = self.codes, self.opened
        coded, total = [], 0
        for _, _, _, account_id, amount in legs:
            if account_id not in opened:
                raise _Bad("posting to an account that does not exist" if account_id not in codes
                           else "posting to an account the chain had not opened yet", journal=jid)
            coded.append((codes[account_id], amount))
            total += amount
        if len(legs) < 2 or total != 0:
            raise _Bad("postings do not sum to zero", journal=jid)
        if self.content_hash(kind, effective_date, memo, ref, reverses_id, coded) != chash:
            raise _Bad("content does not match its hash", journal=jid)
        content = rules.journal_content(jid, key, kind, effective_date, memo, ref, reverses_id, chash, created_at,
                                        legs)
        if content != e.content_hash:
            raise _Bad("content does not match the chain", journal=jid)
        sums = self.sums
        for posting_id, _, _, account_id, amount in legs:
            sums[account_id] += amount
            if posting_id > self.last_posting:
                self.last_posting = posting_id
        self.journals = jid
        return content

    def _account(self, e) -> str:
        row = self.accounts.get(int(e.subject)) if e.subject.isdigit() else None
        if row is None:
            raise _Bad(f"account {e.subject} is missing")
        content = rules.account_content(row.id, row.code, row.name, row.no_negative, row.created_at)
        if content != e.content_hash or row.id in self.opened:
            raise _Bad(f"account {row.code} does not match the chain", accounts=[row.code])
        self.opened.add(row.id)
        return content

    def _period(self, e) -> str:
        row = self.periods.get(e.subject)
        if row is None:
            raise _Bad(f"period {e.subject} is missing")
        content = rules.period_content(row.month, row.closed_at, row.closed_by, row.head_seq, row.head_hash)
        if content != e.content_hash or (row.head_seq, row.head_hash) != (e.seq - 1, self.prev):
            raise _Bad(f"period {row.month} does not match the chain")
        self.closed.add(row.month)
        return content

    def _reservation(self, e, reservations) -> str:
        row = reservations.get(int(e.subject)) if e.subject.isdigit() else None
        if row is None:
            raise _Bad(f"reservation {e.subject} is missing",
                       reservations=[int(e.subject)] if e.subject.isdigit() else [])
        if e.entry_type == rules.RESERVATION_OPEN:
            content = rules.reservation_open_content(row.id, row.key, row.source_account_id, row.hold_account_id,
                                                     row.amount, row.open_journal_id, row.created_at)
            self.opens += 1
        else:
            content = rules.reservation_close_content(row.id, row.status, row.posted_amount, row.close_journal_id)
            self.closes += 1
        if content != e.content_hash:
            raise _Bad(f"reservation {row.id} does not match the chain", reservations=[row.id])
        return content

    def finish(self, head_row) -> None:
        """What the walk alone cannot see: rows the chain does not know, the head, balances, anchors
        beyond the end of the chain."""
        s = self.s
        for seq in sorted(q for q in self.pinned if q > self.seq):
            a = self.pinned[seq][0]
            raise _Bad(f"anchor on line {a.line} names chain entry {seq}, but the chain ends at {self.seq}: "
                       "entries were removed since it was anchored")
        head_seq, head_hash, journal_seq, posting_seq = (
            (head_row.seq, head_row.hash, head_row.journal_seq, head_row.posting_seq) if head_row
            else (0, GENESIS_HASH, 0, 0))
        if (head_seq, head_hash) != (self.seq, self.prev) or journal_seq != self.journals:
            raise _Bad("the chain head does not match the last chain entry",
                       journal=self.journals + 1 if journal_seq > self.journals else None)
        stray = s.execute(sa.select(sa.func.min(J.c.id)).where(sa.or_(J.c.id > self.journals, J.c.id < 1))).scalar()
        if stray is not None:
            raise _Bad(f"journal {stray} is not in the chain", journal=stray)
        stray = s.execute(sa.select(sa.func.min(P.c.journal_id))
                          .where(sa.or_(P.c.journal_id > self.journals, P.c.journal_id < 1))).scalar()
        if stray is not None:
            raise _Bad(f"postings of journal {stray} are not in the chain", journal=stray)
        if posting_seq != self.last_posting:
            raise _Bad("the head's posting counter does not match the last posting")
        unopened = sorted(row.code for row in self.accounts.values() if row.id not in self.opened)
        if unopened:
            raise _Bad("accounts are not in the chain", accounts=unopened)
        unclosed = sorted(set(self.periods) - self.closed)
        if unclosed:
            raise _Bad(f"period {unclosed[0]} is not in the chain")
        self._reservations_chained()
        bad = sorted(self.accounts[a].code for a, total in self.sums.items() if self.accounts[a].balance != total)
        if bad:
            raise _Bad("stored balances differ from the postings", accounts=bad)
        bad_res = _reservations_off_their_journals(s)
        if bad_res:
            raise _Bad("reservations differ from their journals", reservations=bad_res)

    def _reservations_chained(self) -> None:
        total, closed = self.s.execute(sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((R.c.status != "pending", 1), else_=0)), 0))).one()
        if (total, closed) == (self.opens, self.closes):
            return

        def unchained(entry_type, *where):
            entry = sa.select(C.c.seq).where(C.c.entry_type == entry_type, C.c.subject == sa.cast(R.c.id, sa.String))
            return list(self.s.execute(sa.select(R.c.id).where(~entry.exists(), *where).order_by(R.c.id)).scalars())
        ids = sorted(set(unchained(rules.RESERVATION_OPEN)) | set(unchained(rules.RESERVATION_CLOSE,
                                                                             R.c.status != "pending")))
        raise _Bad("reservations are not in the chain" if ids else "reservations are in the chain more than once",
                   reservations=ids)


def _reservations_off_their_journals(session) -> list[int]:
    """A reservation row must say what its hashed journals say: the amount moved onto the hold
    account when it opened, taken off again when it closed, and pending (nothing posted) exactly
    while unclosed."""
    opened, closed = P.alias("opened"), P.alias("closed")
    rows = session.execute(
        sa.select(R.c.id, R.c.amount, R.c.status, R.c.posted_amount, R.c.close_journal_id, opened.c.amount,
                  closed.c.amount)
        .outerjoin(opened, sa.and_(opened.c.journal_id == R.c.open_journal_id,
                                   opened.c.account_id == R.c.hold_account_id))
        .outerjoin(closed, sa.and_(closed.c.journal_id == R.c.close_journal_id,
                                   closed.c.account_id == R.c.hold_account_id))
        .order_by(R.c.id))
    bad = []
    for rid, amount, status, posted, close_id, open_leg, close_leg in rows:
        pending = status == "pending"
        if (open_leg != amount or pending != (close_id is None) or (pending and posted != 0)
                or (not pending and close_leg != -amount)):
            bad.append(rid)
    return bad


# --- reading the ledger whole (reports, exports) ---------------------------------------------------

@dataclass(frozen=True)
class AccountInfo:
    code: str
    name: str
    no_negative: bool


@dataclass(frozen=True)
class JournalEntry:
    """A posted journal with everything it asserts, for exports that walk the whole ledger."""
    id: int
    key: str
    kind: str
    effective_date: dt.date
    memo: str
    ref: str | None
    reverses: int | None
    hash: str  # the hash of the journal's chain entry
    legs: tuple[Leg, ...]


@dataclass(frozen=True)
class AccountPosting:
    journal_id: int
    effective_date: dt.date
    kind: str
    memo: str
    ref: str | None
    amount: int  # signed fen: positive raises the account's balance (a debit)


@dataclass(frozen=True)
class Turnover:
    debit: int    # sum of the positive postings
    credit: int   # sum of the negative postings, as a positive number
    postings: int


def accounts(session, codes: Iterable[str] | None = None) -> list[AccountInfo]:
    """Accounts by code (all of them when ``codes`` is None); an unknown code is simply absent."""
    q = sa.select(A.c.code, A.c.name, A.c.no_negative).order_by(A.c.code)
    if codes is not None:
        q = q.where(A.c.code.in_(list(codes)))
    return [AccountInfo(code, name, bool(flag)) for code, name, flag in session.execute(q)]


def journals_in_date_order(session, *, chunk: int = 5000) -> Iterator[JournalEntry]:
    """Every journal with its legs, by ``effective_date`` then id: one query whose rows stream
    ``chunk`` at a time (a server-side cursor on PostgreSQL), so the ledger never sits in memory.
    Use a snapshot session for one consistent view."""
    entry = sa.and_(C.c.entry_type == rules.JOURNAL, C.c.subject == sa.cast(J.c.id, sa.String))
    q = (sa.select(J.c.id, J.c.key, J.c.kind, J.c.effective_date, J.c.memo, J.c.ref, J.c.reverses_id, C.c.hash,
                   A.c.code, P.c.amount)
         .select_from(J.join(P, P.c.journal_id == J.c.id).join(A, A.c.id == P.c.account_id).outerjoin(C, entry))
         .order_by(J.c.effective_date, J.c.id, P.c.idx).execution_options(yield_per=chunk))
    current, legs = None, []
    for r in session.execute(q):
        if current is not None and r.id != current.id:
            yield JournalEntry(*current[:8], tuple(legs))
            legs = []
        current = r
        legs.append(Leg(r.code, r.amount))
    if current is not None:
        yield JournalEntry(*current[:8], tuple(legs))


def _postings_of(code: str, start: dt.date | None, end: dt.date | None):
    where = [A.c.code == code]
    if start is not None:
        where.append(J.c.effective_date >= start)
    if end is not None:
        where.append(J.c.effective_date <= end)
    return P.join(J, J.c.id == P.c.journal_id).join(A, A.c.id == P.c.account_id), where


def account_postings(session, code: str, *, start: dt.date | None = None, end: dt.date | None = None,
                     chunk: int = 5000) -> Iterator[AccountPosting]:
    """One account's postings dated ``start`` to ``end`` (both included), by date then journal: one
    query whose rows stream ``chunk`` at a time."""
    joined, where = _postings_of(code, start, end)
    q = (sa.select(J.c.id, J.c.effective_date, J.c.kind, J.c.memo, J.c.ref, P.c.amount).select_from(joined)
         .where(*where).order_by(J.c.effective_date, J.c.id).execution_options(yield_per=chunk))
    for r in session.execute(q):
        yield AccountPosting(r.id, r.effective_date, r.kind, r.memo or "", r.ref, r.amount)


def account_turnover(session, code: str, *, start: dt.date | None = None, end: dt.date | None = None) -> Turnover:
    """What moved on one account from ``start`` to ``end`` (both included)."""
    joined, where = _postings_of(code, start, end)
    debit, credit, count = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((P.c.amount > 0, P.c.amount), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((P.c.amount < 0, -P.c.amount), else_=0)), 0),
                  sa.func.count()).select_from(joined).where(*where)).one()
    return Turnover(int(debit), int(credit), int(count))
