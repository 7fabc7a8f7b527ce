"""Ledger use cases. Other domains call these inside their own unit of work and commit it
themselves: the journal lands in the same transaction as the state change it records.

Concurrency: every writer first locks the single ``ledger_head`` row (``SELECT … FOR UPDATE``).
That serialises journal writers, which the hash chain needs anyway (each journal names its
predecessor), and makes the balance check that follows read committed, current balances: a
flagged account can never be overdrawn by two transactions that each saw the old balance.
We chose row locks over SERIALIZABLE because the chain head is a single hot row either way, and
waiting on a lock is cheaper and more predictable than aborting and retrying whole transactions.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import sqlalchemy as sa

from adapters.tables import one_of
from kernel import clock
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
    LedgerAccount,
    LedgerHead,
    LedgerJournal,
    LedgerPeriod,
    LedgerPosting,
    LedgerReservation,
)
from ledger.rules import GENESIS_HASH, JournalSpec, Leg

A = LedgerAccount.__table__
J = LedgerJournal.__table__
P = LedgerPosting.__table__
H = LedgerHead.__table__
R = LedgerReservation.__table__
PER = LedgerPeriod.__table__

__all__ = [
    "IdempotencyMismatch",
    "Leg", "JournalSpec", "open_account", "post", "post_batch", "reverse", "reserve", "post_pending",
    "void_pending", "balance", "balances", "balances_as_of", "trial_balance", "close_period", "verify",
    "journals_for_ref",
]


@dataclass(frozen=True)
class PostedJournal:
    id: int
    key: str
    kind: str
    effective_date: dt.date
    hash: str
    legs: tuple[Leg, ...]
    replayed: bool = False


def open_account(uow, *, code: str, name: str, no_negative: bool = False) -> int:
    """Create the account if it does not exist; return its id. Idempotent."""
    s = uow.session
    found = s.execute(sa.select(A.c.id, A.c.no_negative).where(A.c.code == code)).first()
    if found:
        if bool(found.no_negative) != no_negative:
            raise InvalidJournal(f"account {code} exists with different flags", details={"account": code})
        return found.id
    rules._text("account", code, 120, required=True)
    return s.execute(sa.insert(A).values(code=code, name=name, no_negative=no_negative, balance=0,
                                         created_at=clock.now()).returning(A.c.id)).scalar_one()


def _lock_head(s) -> tuple[int, str]:
    row = s.execute(sa.select(H.c.seq, H.c.hash).where(H.c.id == 1).with_for_update()).first()
    if row is None:
        s.execute(sa.insert(H).values(id=1, seq=0, hash=GENESIS_HASH))
        row = s.execute(sa.select(H.c.seq, H.c.hash).where(H.c.id == 1).with_for_update()).first()
    return row.seq, row.hash


def _closed_months(s, months: set[str]) -> set[str]:
    if not months:
        return set()
    return set(s.execute(sa.select(PER.c.month).where(PER.c.month.in_(months))).scalars())


def _existing(s, keys: list[str]) -> dict[str, sa.Row]:
    found: dict[str, sa.Row] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for row in s.execute(sa.select(J.c.id, J.c.key, J.c.kind, J.c.effective_date, J.c.content_hash, J.c.hash)
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


def post_batch(uow, specs: Sequence[JournalSpec]) -> list[PostedJournal]:
    """Post journals in order, all or none. The one path every journal takes."""
    s = uow.session
    s.flush()
    for spec in specs:
        rules.validate(spec)
    hashes = [rules.spec_content_hash(spec) for spec in specs]

    seq, prev = _lock_head(s)

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

    now = clock.now()
    journal_rows, posting_rows = [], []
    for i in fresh:
        spec = specs[i]
        rules.apply_legs(balances, flags, spec)
        seq += 1
        digest = rules.chain_hash(prev, seq, spec.key, hashes[i])
        journal_rows.append({"id": seq, "key": spec.key, "kind": spec.kind, "effective_date": spec.effective_date,
                             "memo": spec.memo or "", "ref": spec.ref, "reverses_id": spec.reverses,
                             "content_hash": hashes[i], "prev_hash": prev, "hash": digest, "created_at": now})
        for idx, leg in enumerate(spec.legs):
            posting_rows.append({"journal_id": seq, "idx": idx, "account_id": accounts[leg.account].id,
                                 "amount": leg.amount})
        results[i] = PostedJournal(seq, spec.key, spec.kind, spec.effective_date, digest, spec.legs)
        prev = digest

    s.execute(sa.insert(J), journal_rows)
    s.execute(sa.insert(P), posting_rows)
    changed = [{"b_id": accounts[c].id, "b_balance": b} for c, b in balances.items() if b != accounts[c].balance]
    if changed:
        s.execute(sa.update(A).where(A.c.id == sa.bindparam("b_id")).values(balance=sa.bindparam("b_balance")),
                  changed)
    s.execute(sa.update(H).where(H.c.id == 1).values(seq=seq, hash=prev))
    return _fill_duplicates(specs, results)


def _fill_duplicates(specs, results):
    by_key = {r.key: r for r in results if r is not None}
    return [r if r is not None else by_key[spec.key] for spec, r in zip(specs, results)]


def get_journal(session, journal_id: int) -> PostedJournal:
    row = session.execute(sa.select(J).where(J.c.id == journal_id)).first()
    if row is None:
        raise JournalNotFound(f"journal {journal_id} not found", details={"journal": journal_id})
    return PostedJournal(row.id, row.key, row.kind, row.effective_date, row.hash, _legs_of(session, [row.id])[row.id])


def reverse(uow, *, journal_id: int, key: str, effective_date: dt.date, memo: str = "") -> PostedJournal:
    """Post the mirror image of a journal; the original stays as it was."""
    original = get_journal(uow.session, journal_id)
    return post(uow, key=key, kind="reversal", effective_date=effective_date, memo=memo or f"reverses {journal_id}",
                reverses=journal_id, legs=rules.reversal_legs((leg.account, leg.amount) for leg in original.legs))


def journals_for_ref(session, ref: str) -> list[PostedJournal]:
    rows = session.execute(sa.select(J).where(J.c.ref == ref).order_by(J.c.id)).all()
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
    ids = dict(s.execute(sa.select(A.c.code, A.c.id).where(A.c.code.in_([source, hold]))).all())
    s.execute(sa.insert(R).values(key=key, source_account_id=ids[source], hold_account_id=ids[hold], amount=amount,
                                  status="pending", posted_amount=0, open_journal_id=journal.id,
                                  created_at=clock.now()))
    return _reservation(s, R.c.key == key)


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
    if held != res.amount:  # the reservation row is not hash-chained; its journal is, and wins
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


@dataclass(frozen=True)
class TrialBalance:
    as_of: dt.date | None
    rows: list[tuple[str, str, int]]  # code, name, balance
    total_debit: int   # sum of positive balances
    total_credit: int  # sum of negative balances, as a positive number

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
    return TrialBalance(as_of, rows, sum(b for *_, b in rows if b > 0), -sum(b for *_, b in rows if b < 0))


# --- periods ---------------------------------------------------------------------------------------

def close_period(uow, *, month: str, closed_by: str) -> None:
    """Close a month that has ended: no journal may be dated in it afterwards."""
    year, mon = rules.parse_month(month)
    today = clock.today()
    if (year, mon) >= (today.year, today.month):
        raise PeriodNotEnded(f"month {month} has not ended", details={"month": month})
    s = uow.session
    _lock_head(s)  # no journal may slip into the month while it closes
    if s.execute(sa.select(PER.c.month).where(PER.c.month == month)).first():
        raise PeriodAlreadyClosed(f"month {month} is already closed", details={"month": month})
    s.execute(sa.insert(PER).values(month=month, closed_at=clock.now(), closed_by=closed_by))
    uow.commit()


def closed_periods(session) -> list[str]:
    return list(session.execute(sa.select(PER.c.month).order_by(PER.c.month)).scalars())


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


def verify(session, *, chunk: int = 20000) -> VerifyReport:
    """Recompute the hash chain and every balance from the postings.

    Names the first journal whose sequence, predecessor, content or hash does not match, and every
    account whose stored balance differs from the sum of its postings.
    """
    codes = dict(session.execute(sa.select(A.c.id, A.c.code)).all())
    sums: dict[int, int] = dict.fromkeys(codes, 0)
    head = session.execute(sa.select(H.c.seq, H.c.hash).where(H.c.id == 1)).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    prev, expected, count = GENESIS_HASH, 1, 0
    content_hash, chain_hash = rules.content_hash, rules.chain_hash

    def report(seq, problem):
        return VerifyReport(False, count, head_hash, seq, problem)

    last_id = 0
    while True:
        jrows = session.execute(
            sa.select(J.c.id, J.c.key, J.c.kind, J.c.effective_date, J.c.memo, J.c.ref, J.c.reverses_id,
                      J.c.content_hash, J.c.prev_hash, J.c.hash)
            .where(J.c.id > last_id).order_by(J.c.id).limit(chunk)).all()
        if not jrows:
            break
        hi = jrows[-1].id
        legs: dict[int, list[tuple[int, int]]] = {}
        for jid, acc, amount in session.execute(
                sa.select(P.c.journal_id, P.c.account_id, P.c.amount)
                .where(P.c.journal_id > last_id, P.c.journal_id <= hi).order_by(P.c.journal_id, P.c.idx)):
            legs.setdefault(jid, []).append((acc, amount))
        for jid, key, kind, eff, memo, ref, rev, chash, prev_hash, digest in jrows:
            if jid != expected:
                return report(expected if jid > expected else jid,
                              f"journal {expected} is missing" if jid > expected else "sequence out of order")
            if prev_hash != prev:
                return report(jid, "predecessor hash does not match the chain")
            jlegs = legs.get(jid, ())
            try:
                coded = [(codes[acc], amount) for acc, amount in jlegs]
            except KeyError:
                return report(jid, "posting to an account that does not exist")
            if len(jlegs) < 2 or sum(a for _, a in jlegs) != 0:
                return report(jid, "postings do not sum to zero")
            if content_hash(kind, eff, memo, ref, rev, coded) != chash:
                return report(jid, "content does not match its hash")
            if chain_hash(prev, jid, key, chash) != digest:
                return report(jid, "journal hash does not match")
            for acc, amount in jlegs:
                sums[acc] += amount
            prev = digest
            expected += 1
            count += 1
        last_id = hi
    if count != head_seq or prev != head_hash:
        return VerifyReport(False, count, head_hash, count + 1 if count < head_seq else head_seq + 1,
                            "the chain head does not match the last journal")
    stored = dict(session.execute(sa.select(A.c.id, A.c.balance)).all())
    bad = sorted(codes[a] for a, total in sums.items() if stored.get(a) != total)
    if bad:
        return VerifyReport(False, count, head_hash, None, "stored balances differ from the postings", bad)
    bad_res = _reservations_off_their_journals(session)
    if bad_res:
        return VerifyReport(False, count, head_hash, None, "reservations differ from their journals",
                            bad_reservations=bad_res)
    return VerifyReport(True, count, head_hash)


def _reservations_off_their_journals(session) -> list[int]:
    """A reservation row must say what its hashed journals say: the amount moved onto the hold
    account when it opened, taken off again when it closed, and pending exactly while unclosed."""
    opened, closed = P.alias("opened"), P.alias("closed")
    rows = session.execute(
        sa.select(R.c.id, R.c.amount, R.c.status, R.c.close_journal_id, opened.c.amount, closed.c.amount)
        .outerjoin(opened, sa.and_(opened.c.journal_id == R.c.open_journal_id,
                                   opened.c.account_id == R.c.hold_account_id))
        .outerjoin(closed, sa.and_(closed.c.journal_id == R.c.close_journal_id,
                                   closed.c.account_id == R.c.hold_account_id))
        .order_by(R.c.id))
    bad = []
    for rid, amount, status, close_id, open_leg, close_leg in rows:
        pending = status == "pending"
        if open_leg != amount or pending != (close_id is None) or (not pending and close_leg != -amount):
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
    hash: str
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
    q = (sa.select(J.c.id, J.c.key, J.c.kind, J.c.effective_date, J.c.memo, J.c.ref, J.c.reverses_id, J.c.hash,
                   A.c.code, P.c.amount)
         .select_from(J.join(P, P.c.journal_id == J.c.id).join(A, A.c.id == P.c.account_id))
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
