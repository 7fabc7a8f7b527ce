"""Payout batches: a finance maker gathers a scheme's payable claims, a different finance checker
approves, the bank file goes to the bank.

A draft batch holds its claims (``in_batch``) so no other batch takes them, and moves no money;
approval freezes it and moves its total from payable to in transit in one journal. Payee details
are copied into the lines when the batch is built: the bank file says exactly what was approved.
A payable claim whose payee has no bank account is left out and reported in ``skipped`` (one
enterprise's missing details should not hold up everybody else's money); it stays payable and
is picked up by the first batch after the details are filled in.

Batches are built with set-based SQL (INSERT … SELECT), so a batch of 100,000 claims never passes
through Python objects; the bank file is streamed in chunks.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Iterator

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch
from claims import service as claims
from claims.models import Claim
from kernel import clock
from kernel.money import format_fen
from ledger import service as ledger
from parties.models import Organisation
from payouts.errors import (
    BatchBuildRace,
    BatchNotApproved,
    BatchNotDraft,
    BatchNotFound,
    NothingToPay,
    SelfApproval,
)
from payouts.models import PayoutBatch, PayoutLine
from schemes import budget
from schemes import service as schemes

C, L, O = Claim.__table__, PayoutLine.__table__, Organisation.__table__
BANK_FILE_HEADER = ("reference", "payee_name", "payee_account", "amount")
SKIP_NO_BANK_ACCOUNT = "PAYEE_BANK_ACCOUNT_MISSING"


def reference(batch_id: int, claim_id: int) -> str:
    return f"YQ{batch_id}-{claim_id}"


def _has_account():
    return sa.and_(O.c.bank_account.is_not(None), sa.func.trim(O.c.bank_account) != "")


def spreadsheet_safe(text: str) -> str:
    """Finance opens bank files in Excel: a cell starting with = + - @ (or a tab/CR) would run as a
    formula, so it is prefixed with an apostrophe. Registration refuses such names already."""
    return "'" + text if text and text[0] in "=+-@\t\r" else text


def get(session, batch_id: int, *, lock: bool = False) -> PayoutBatch:
    return fetch(session, PayoutBatch, batch_id, lock=lock, missing=BatchNotFound, what="batch")


def build(uow, *, actor_id: int, scheme_id: int) -> PayoutBatch:
    s = uow.session
    scheme = schemes.lock(uow, scheme_id)  # publicity that ended is stored as payable first
    payable = claims.payable_in(scheme.id)
    skipped = [{"claim_id": r.id, "payee_org_id": r.payee_org_id, "code": SKIP_NO_BANK_ACCOUNT}
               for r in s.execute(sa.select(C.c.id, C.c.payee_org_id).join(O, O.c.id == C.c.payee_org_id)
                                  .where(payable, sa.not_(_has_account())).order_by(C.c.id))]
    batch = PayoutBatch(scheme_id=scheme.id, status="draft", total=0, line_count=0, created_by=actor_id,
                        skipped_json=json.dumps(skipped))
    s.add(batch)
    s.flush()
    chosen = (sa.select(sa.literal(batch.id), C.c.id, C.c.payee_org_id, O.c.name, O.c.bank_account, C.c.final_amount,
                        sa.literal(f"YQ{batch.id}-", sa.String) + sa.cast(C.c.id, sa.String), sa.literal("pending"))
              .join(O, O.c.id == C.c.payee_org_id).where(payable, _has_account()).order_by(C.c.id))
    s.execute(sa.insert(L).from_select(["batch_id", "claim_id", "payee_org_id", "payee_name", "payee_account",
                                        "amount", "reference", "status"], chosen))
    total, count = s.execute(sa.select(sa.func.coalesce(sa.func.sum(L.c.amount), 0), sa.func.count())
                             .where(L.c.batch_id == batch.id)).one()
    # Exactly the claims that got a line. A claim that became payable meanwhile (a bank return or the
    # end of publicity committing between the two statements, under READ COMMITTED) keeps its status
    # for the next batch instead of turning in_batch without a line. Ids, not a join on the new lines:
    # the planner has no statistics for rows inserted a moment ago.
    line_claims = [cid for (cid,) in s.execute(sa.select(L.c.claim_id).where(L.c.batch_id == batch.id))]
    marked = claims.mark_in_batch(uow, line_claims)
    if marked != count:
        raise BatchBuildRace("claims changed while the batch was built; build it again",
                             details={"lines": int(count), "claims_marked": marked})
    if count == 0:
        raise NothingToPay("no payable claim of this scheme can be paid now",
                           details={"scheme_id": scheme.id, "skipped": skipped})
    batch.total, batch.line_count = int(total), int(count)
    s.add(batch)
    uow.commit()
    return batch


def approve(uow, *, actor_id: int, batch_id: int) -> PayoutBatch:
    """The checker's approval: payable → in transit for the batch total, one journal."""
    s = uow.session
    batch = get(s, batch_id)
    scheme = schemes.lock(uow, batch.scheme_id)
    batch = get(s, batch_id, lock=True)
    if batch.created_by == actor_id:
        raise SelfApproval("the finance maker who built a batch cannot approve it")
    if batch.status != "draft":
        raise BatchNotDraft(f"only a draft batch can be approved; this one is {batch.status}",
                            details={"status": batch.status})
    s.execute(sa.update(L).where(L.c.batch_id == batch.id, L.c.status == "pending").values(status="sent"))
    batch.status, batch.approved_by, batch.approved_at = "approved", actor_id, clock.now()
    s.add(batch)
    s.flush()
    budget.pay_out(uow, scheme_id=scheme.id, amount=batch.total, key=f"batch:{batch.id}:approve",
                   ref=f"batch:{batch.id}", on=clock.today(),
                   memo=f"payout batch {batch.id}: {batch.line_count} payments")
    ledger.anchor_after_commit(uow)  # an approved batch pins the ledger head outside the database
    uow.commit()
    return batch


def cancel(uow, *, actor_id: int, batch_id: int) -> PayoutBatch:
    """Drop a draft: its claims are payable again. Nothing was moved, so nothing is posted."""
    s = uow.session
    batch = get(s, batch_id)
    schemes.lock(uow, batch.scheme_id)
    batch = get(s, batch_id, lock=True)
    if batch.status != "draft":
        raise BatchNotDraft(f"only a draft batch can be cancelled; this one is {batch.status}",
                            details={"status": batch.status})
    claims.release_from_batch(uow, sa.select(L.c.claim_id).where(L.c.batch_id == batch.id))
    s.execute(sa.update(L).where(L.c.batch_id == batch.id).values(status="cancelled"))
    batch.status = "cancelled"
    s.add(batch)
    uow.commit()
    return batch


def lines(session, batch_id: int) -> list[PayoutLine]:
    return list(session.exec(select(PayoutLine).where(PayoutLine.batch_id == batch_id).order_by(PayoutLine.id)))


def skipped(batch: PayoutBatch) -> list[dict]:
    return json.loads(batch.skipped_json)


def list_page(session, *, scheme_id: int | None, status: str | None, after: int, limit: int) -> list[PayoutBatch]:
    q = select(PayoutBatch).where(PayoutBatch.id > after).order_by(PayoutBatch.id).limit(limit)
    if scheme_id:
        q = q.where(PayoutBatch.scheme_id == scheme_id)
    if status:
        q = q.where(PayoutBatch.status == status)
    return list(session.exec(q))


def check_bank_file(session, batch_id: int) -> PayoutBatch:
    batch = get(session, batch_id)
    if batch.status != "approved":
        raise BatchNotApproved("the bank file exists once the batch is approved", details={"status": batch.status})
    return batch


def bank_file(session_factory, batch_id: int, *, chunk: int = 5000) -> Iterator[bytes]:
    """The bank file, CSV in UTF-8, streamed: ``reference,payee_name,payee_account,amount``.
    ``session_factory`` opens a read session; the generator outlives the request's own."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")

    def flush() -> bytes:
        data = buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
        return data

    out.writerow(BANK_FILE_HEADER)
    yield flush()
    last = 0
    with session_factory() as s:
        while True:
            rows = s.execute(sa.select(L.c.id, L.c.reference, L.c.payee_name, L.c.payee_account, L.c.amount)
                             .where(L.c.batch_id == batch_id, L.c.id > last).order_by(L.c.id).limit(chunk)).all()
            if not rows:
                break
            for r in rows:
                out.writerow((r.reference, spreadsheet_safe(r.payee_name), spreadsheet_safe(r.payee_account),
                              format_fen(r.amount)))
            last = rows[-1].id
            yield flush()
