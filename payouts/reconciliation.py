"""Bank reconciliation of payout batches: what the bank says happened to each payment.

``statement`` reads the file and judges each line against the payment expected under its
reference, ``bank`` remembers every bank transaction; this module supplies the expected payments
and applies the outcome to claims (``claims.service``) and budgets (``schemes.budget``), in the
same transaction:
- ``matched``: in transit → disbursed, the claim is ``paid``; exactly once per payment;
- ``returned`` (a negative line): disbursed (or in transit, if never matched) → payable, and the
  claim is ``payable`` again, so the next batch pays it under a new reference;
- ``amount_mismatch``, ``unknown_reference``: recorded, nothing moves; a corrected statement can
  settle them later;
- ``duplicate``: a bank transaction id already imported with the same content: nothing changes,
  so importing a statement twice is harmless;
- ``missing``: a payment sent in a batch this statement speaks of (any of its lines names the
  batch) that no imported statement has mentioned yet. Batches the statement does not mention are
  not reported: they may simply not have been processed by the bank yet.

An import is all or nothing: the file is checked whole before anything is applied; a conflict
found while applying (a bank transaction id that moved money and now says something else) rolls
everything back. Lines are applied in chunks, so memory stays flat whatever the size.

Locks: the payout lines named in each chunk (``FOR UPDATE``). Nothing else changes a sent payment,
so no scheme lock is needed; journals serialise on the ledger head as always.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO, Iterator

import sqlalchemy as sa

from adapters.tables import one_of, update_rows
from claims import service as claims
from kernel import clock
from kernel.bulk import collection_paused
from payouts import bank, statement
from payouts.errors import BankTxnConflict
from payouts.models import BankTxn, PayoutBatch, PayoutLine
from payouts.statement import Expected, StatementLine
from schemes import budget

L, B, T = PayoutLine.__table__, PayoutBatch.__table__, BankTxn.__table__
CHUNK = 2000
_STATE = {"pending": statement.PENDING, "cancelled": statement.PENDING, "sent": statement.SENT,
          "paid": statement.PAID, "returned": statement.RETURNED_STATE}


@dataclass(frozen=True, slots=True)
class LineOutcome:
    line: int | None
    bank_txn_id: str | None
    reference: str
    amount: int
    outcome: str
    reason: str | None = None
    claim_id: int | None = None


@dataclass
class Result:
    statement_id: int
    counts: dict[str, int]
    lines: list[LineOutcome] = field(default_factory=list)


def _chunks(it: Iterator[StatementLine], size: int) -> Iterator[list[StatementLine]]:
    while True:
        part = list(islice(it, size))
        if not part:
            return
        yield part


_PAYMENT = (L.c.id, L.c.reference, L.c.batch_id, L.c.claim_id, L.c.amount, L.c.payee_account, L.c.status,
            B.c.scheme_id)
_PAYMENT_KEYS = tuple(c.name for c in _PAYMENT)


def _payments(session, references: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    refs = sorted(set(r for r in references if r))
    for i in range(0, len(refs), 500):
        q = (sa.select(*_PAYMENT).join(B, B.c.id == L.c.batch_id)
             .where(one_of(session, L.c.reference, refs[i:i + 500])).order_by(L.c.id).with_for_update(of=L))
        for r in session.execute(q).all():
            found[r[1]] = dict(zip(_PAYMENT_KEYS, r))
    return found


def import_statement(uow, *, actor_id: int, filename: str, stream: BinaryIO, chunk: int = CHUNK) -> Result:
    today = clock.today()
    scanned = statement.scan(stream)
    with collection_paused():
        statement_id = bank.start(uow, filename=filename or "statement.csv", sha256=scanned.sha256,
                                  encoding=scanned.encoding, imported_by=actor_id)
        result = Result(statement_id, dict.fromkeys(bank.COUNTS, 0))
        batches: set[int] = set()
        read = 0
        for part in _chunks(statement.lines(stream, scanned, today=today), chunk):
            read += len(part)
            _apply(uow, statement_id, part, result, batches, today)
        for row in _missing(uow.session, batches):
            result.counts["missing"] += 1
            result.lines.append(LineOutcome(None, None, row.reference, row.amount, statement.MISSING, None,
                                            row.claim_id))
        bank.finish(uow, statement_id=statement_id, lines=read, counts=result.counts)
        uow.commit()
    return result


def _apply(uow, statement_id: int, part: list[StatementLine], result: Result, batches: set[int], today) -> None:
    s = uow.session
    payments = _payments(s, [line.reference for line in part])
    known = bank.known(s, [line.bank_txn_id for line in part])
    fresh, revised, outcomes, paid, returned = [], [], [], [], []
    for line in part:
        payment = payments.get(line.reference)
        claim_id = payment["claim_id"] if payment else None
        if payment is not None:
            batches.add(payment["batch_id"])
        prior = known.get(line.bank_txn_id)
        if prior is not None:
            verdict = statement.seen_before(line, prior.line, prior.outcome)
            if verdict == "duplicate":
                result.counts[statement.DUPLICATE] += 1
                result.lines.append(LineOutcome(line.line, line.bank_txn_id, line.reference, line.amount,
                                                statement.DUPLICATE, prior.outcome, claim_id))
                continue
            if verdict == "conflict" or prior.statement_id == statement_id:
                raise BankTxnConflict(
                    f"line {line.line}: bank transaction {line.bank_txn_id} was seen before "
                    f"(line {prior.line.line}, {prior.outcome}) with other details",
                    details={"line": line.line, "bank_txn_id": line.bank_txn_id, "seen_as": prior.outcome,
                             "same_statement": prior.statement_id == statement_id})
        expected = None if payment is None else Expected(payment["reference"], payment["amount"],
                                                         payment["payee_account"], _STATE[payment["status"]])
        decision = statement.decide(line, expected)
        record = {"line": line, "outcome": decision.outcome, "reason": decision.reason, "spec": None}
        if decision.outcome == statement.MATCHED:
            payment["status"] = "paid"
            paid.append({"l_id": payment["id"], "l_txn": line.bank_txn_id, "c_id": claim_id, "c_on": line.value_date})
            record["spec"] = len(outcomes)
            outcomes.append(_outcome(payment, line, returned=False, from_part="in_transit"))
        elif decision.outcome == statement.RETURNED:
            payment["status"] = "returned"
            returned.append({"l_id": payment["id"], "l_txn": line.bank_txn_id, "c_id": claim_id})
            record["spec"] = len(outcomes)
            outcomes.append(_outcome(payment, line, returned=True, from_part=decision.moves_from))
        if prior is None:
            fresh.append(record)
        else:
            revised.append({**record, "id": prior.id})
        known[line.bank_txn_id] = bank.KnownTxn(None, statement_id, line, decision.outcome)
        result.counts[decision.outcome] += 1
        result.lines.append(LineOutcome(line.line, line.bank_txn_id, line.reference, line.amount, decision.outcome,
                                        decision.reason, claim_id))
    if paid:
        update_rows(s, L, [{"id": p["l_id"], "bank_txn_id": p["l_txn"]} for p in paid], fixed={"status": "paid"})
        claims.mark_paid(uow, paid)
    if returned:
        update_rows(s, L, [{"id": r["l_id"], "bank_txn_id": r["l_txn"]} for r in returned],
                    fixed={"status": "returned"})
        claims.mark_returned(uow, returned)
    journal_ids = budget.settle_bank_lines(uow, outcomes, on=clock.today())
    for rec in fresh + revised:
        rec["journal_id"] = journal_ids[rec["spec"]] if rec["spec"] is not None else None
    bank.record(uow, statement_id=statement_id, fresh=fresh, revised=revised)


def _outcome(payment: dict, line: StatementLine, *, returned: bool, from_part: str) -> budget.BankOutcome:
    return budget.BankOutcome(
        scheme_id=payment["scheme_id"], amount=abs(line.amount), returned=returned, from_part=from_part,
        key=f"payout:{payment['id']}:{'return' if returned else 'disburse'}", ref=f"claim:{payment['claim_id']}",
        memo=f"bank {line.bank_txn_id} value {line.value_date.isoformat()} ref {line.reference}")


def _missing(session, batches: set[int]):
    if not batches:
        return []
    return session.execute(
        sa.select(L.c.reference, L.c.amount, L.c.claim_id)
        .where(L.c.batch_id.in_(sorted(batches)), L.c.status == "sent",
               ~sa.exists().where(T.c.reference == L.c.reference))
        .order_by(L.c.id)).all()
