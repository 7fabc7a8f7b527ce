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

The bank file (``BANK_FILE_HEADER``) is CSV in UTF-8 with a BOM, which Excel on Chinese Windows opens
as UTF-8, or XLSX (``bank_file_xlsx``): reference, payee name, account and bank, amount, and a
purpose (摘要) naming the scheme and the claim, so the payee can tell what the money is for.

A batch is read with the bank's answer folded in (``reconciliation_status``): an approved batch
whose every line the bank has answered (paid or returned) reads ``reconciled``, one with some lines
answered ``partly_reconciled``. It is a reading of the lines, never stored.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from decimal import Decimal
from typing import Iterator

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch
from claims import service as claims
from claims.models import Claim
from kernel import clock
from kernel.money import format_fen
from kernel.text import spreadsheet_safe  # finance opens bank files in Excel: no cell runs as a formula
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
from schemes.models import Scheme

C, L, O, SC = Claim.__table__, PayoutLine.__table__, Organisation.__table__, Scheme.__table__
BANK_FILE_HEADER = ("reference", "payee_name", "payee_account", "payee_bank", "amount", "purpose")
# Settled lines: the bank has answered for them, one way or the other
SETTLED_LINE_STATUSES = ("paid", "returned")
SKIP_NO_BANK_ACCOUNT = "PAYEE_BANK_ACCOUNT_MISSING"


def reference(batch_id: int, claim_id: int) -> str:
    return f"YQ{batch_id}-{claim_id}"


def _has_account():
    return sa.and_(O.c.bank_account.is_not(None), sa.func.trim(O.c.bank_account) != "")


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
    chosen = (sa.select(sa.literal(batch.id), C.c.id, C.c.payee_org_id, O.c.name, O.c.bank_account, O.c.bank_name,
                        C.c.final_amount,
                        sa.literal(f"YQ{batch.id}-", sa.String) + sa.cast(C.c.id, sa.String), sa.literal("pending"))
              .join(O, O.c.id == C.c.payee_org_id).where(payable, _has_account()).order_by(C.c.id))
    s.execute(sa.insert(L).from_select(["batch_id", "claim_id", "payee_org_id", "payee_name", "payee_account",
                                        "payee_bank", "amount", "reference", "status"], chosen))
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
        waiting = claims.in_publicity(s, scheme_id=scheme.id, today=clock.today())
        message = "no payable claim of this scheme can be paid now"
        if waiting:
            first = min(w["payable_from"] for w in waiting)
            message += (f"; {len(waiting)} claim(s) are still in publicity, the first payable from "
                        f"{first.isoformat()}")
        raise NothingToPay(message, details={
            "scheme_id": scheme.id, "skipped": skipped,
            "in_publicity": [{"claim_id": w["id"], "publicity_ends_on": w["publicity_ends_on"].isoformat(),
                              "payable_from": w["payable_from"].isoformat()} for w in waiting],
            "next_payable_on": min(w["payable_from"] for w in waiting).isoformat() if waiting else None})
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
        q = q.where(status_condition(status))
    return list(session.exec(q))


def check_bank_file(session, batch_id: int) -> PayoutBatch:
    batch = get(session, batch_id)
    if batch.status != "approved":
        raise BatchNotApproved("the bank file exists once the batch is approved", details={"status": batch.status})
    return batch


def _purpose(scheme_name: str, claim_id: int) -> str:
    """摘要: what the money is for, as the payee's bank shows it."""
    return f"{scheme_name} 兑付申请{claim_id}号"


def _bank_rows(session_factory, batch_id: int, chunk: int) -> Iterator[list[tuple]]:
    """The batch's payments in chunks: (reference, name, account, bank, amount fen, purpose)."""
    last = 0
    with session_factory() as s:
        scheme_name = s.execute(sa.select(SC.c.name).join(PayoutBatch.__table__,
                                                          PayoutBatch.__table__.c.scheme_id == SC.c.id)
                                .where(PayoutBatch.__table__.c.id == batch_id)).scalar_one()
        while True:
            rows = s.execute(sa.select(L.c.id, L.c.reference, L.c.claim_id, L.c.payee_name, L.c.payee_account,
                                       sa.func.coalesce(L.c.payee_bank, O.c.bank_name, "").label("payee_bank"),
                                       L.c.amount)
                             .join(O, O.c.id == L.c.payee_org_id)
                             .where(L.c.batch_id == batch_id, L.c.id > last).order_by(L.c.id).limit(chunk)).all()
            if not rows:
                return
            yield [(r.reference, r.payee_name, r.payee_account, r.payee_bank, r.amount,
                    _purpose(scheme_name, r.claim_id)) for r in rows]
            last = rows[-1].id


def bank_file(session_factory, batch_id: int, *, chunk: int = 5000) -> Iterator[bytes]:
    """The bank file, CSV in UTF-8 with a BOM (Excel on Chinese Windows reads it as UTF-8), streamed:
    ``reference,payee_name,payee_account,payee_bank,amount,purpose``. ``session_factory`` opens a
    read session; the generator outlives the request's own."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")

    def flush() -> bytes:
        data = buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
        return data

    out.writerow(BANK_FILE_HEADER)
    yield "\ufeff".encode("utf-8") + flush()
    for rows in _bank_rows(session_factory, batch_id, chunk):
        for ref, name, account, bank, amount, purpose in rows:
            out.writerow((ref, spreadsheet_safe(name), spreadsheet_safe(account), spreadsheet_safe(bank),
                          format_fen(amount), spreadsheet_safe(purpose)))
        yield flush()


def bank_file_xlsx(session_factory, batch_id: int, *, chunk: int = 5000) -> Iterator[bytes]:
    """The same bank file as an XLSX workbook (openpyxl's write-only mode through a temporary file,
    so memory stays flat): row 1 the column names of the CSV, then one row per payment. Accounts
    and references are text (an 19-digit account as a number would lose digits); amounts are
    numbers formatted ``0.00``, written from the exact Decimal."""
    from openpyxl import Workbook  # only the XLSX export pays for openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("bank-file")
    ws.append(list(BANK_FILE_HEADER))
    for rows in _bank_rows(session_factory, batch_id, chunk):
        for ref, name, account, bank, amount, purpose in rows:
            money = WriteOnlyCell(ws, value=Decimal(amount).scaleb(-2))
            money.number_format = "0.00"
            ws.append([ref, spreadsheet_safe(name), spreadsheet_safe(account), spreadsheet_safe(bank), money,
                       spreadsheet_safe(purpose)])
    with tempfile.TemporaryFile() as tmp:
        wb.save(tmp)
        tmp.seek(0)
        while True:
            data = tmp.read(1 << 16)
            if not data:
                return
            yield data


# --- the bank's answer, read ---------------------------------------------------------------------

def reconciliation_status(session, batch: PayoutBatch) -> str:
    """``reconciled`` when the bank has answered for every line of an approved batch (paid or
    returned), ``partly_reconciled`` when for some; otherwise the stored status."""
    if batch.status != "approved":
        return batch.status
    settled = session.execute(sa.select(sa.func.count()).where(
        L.c.batch_id == batch.id, L.c.status.in_(SETTLED_LINE_STATUSES))).scalar_one()
    if settled == 0:
        return batch.status
    return "reconciled" if settled >= batch.line_count else "partly_reconciled"


def status_condition(status: str):
    """SQL over payout_batch: the batch reads ``status`` (what ``reconciliation_status`` says)."""
    B = PayoutBatch.__table__
    settled = (sa.select(sa.func.count()).where(L.c.batch_id == B.c.id, L.c.status.in_(SETTLED_LINE_STATUSES))
               .correlate(B).scalar_subquery())
    if status == "reconciled":
        return sa.and_(B.c.status == "approved", settled >= B.c.line_count)
    if status == "partly_reconciled":
        return sa.and_(B.c.status == "approved", settled > 0, settled < B.c.line_count)
    if status == "approved":
        return sa.and_(B.c.status == "approved", settled == 0)
    return B.c.status == status
