"""The demo's claim that is already past publicity, so a newcomer can make a payout on day one.

東莞's furniture maker signed a contract with the operator three weeks ago; its voucher was issued,
its claim submitted with evidence and approved that same day, and the five working days of
publicity (公示) are over: the claim is ``payable``. The steps run through the real services with
the clock set back to that day (``kernel.clock``), so every journal, status and date is what the
service would have written then. Re-runnable: nothing is done twice.

``statement_for_batch`` writes what the bank would send back after paying an approved batch, so the
README's cycle ends in a reconciliation.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from catalog.models import Product, ProductVersion
from claims import evidence
from claims import service as claims
from claims.models import Claim
from claims.rules import holiday_list
from kernel import clock
from kernel.money import format_fen
from parties.actors import Actor
from payouts.models import PayoutLine
from schemes.models import Scheme
from vouchers import applications, contracts, redemption
from vouchers.models import Contract, Voucher

DAYS_AGO = 21  # three weeks: five working days of publicity are over, whatever holidays fall in them
LINES = [("工业级5G CPE网关", 10, 1000_00), ("边缘计算MEC服务器", 1, 150000_00)]
PAID = 160000_00
# the smallest files each accepted evidence type starts with (the service judges files by content)
EVIDENCE = {"invoice": (b"%PDF-1.4\n% demo invoice\n", "发票.pdf"),
            "payment_proof": (b"\x89PNG\r\n\x1a\n demo payment proof", "付款凭证.png"),
            "acceptance_report": (b"\xff\xd8\xff\xe0 demo acceptance report", "验收报告.jpg")}


def _at(day: dt.date):
    """A clock standing at 10:00 China time on ``day``."""
    moment = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.timezone.utc)
    return lambda: moment


def load_payable_claim(uow_factory, orgs: dict[str, int], users: dict[str, int], *, evidence_dir: str | Path,
                       holidays: str = "") -> list[str]:
    today = clock.today()
    with uow_factory() as u:
        s = u.session
        scheme = s.exec(select(Scheme).where(Scheme.kind == "cloud", Scheme.year == today.year)).first()
        contract = s.exec(select(Contract).where(Contract.enterprise_id == orgs["furniture"],
                                                 Contract.provider_id == orgs["operator"])).first()
        product_ids = {name: pid for name, pid in s.exec(
            select(ProductVersion.name, Product.id).join(Product, Product.id == ProductVersion.product_id)
            .where(Product.provider_id == orgs["operator"]))}
    if scheme is None or any(name not in product_ids for name, _, _ in LINES):
        return []
    day = today - dt.timedelta(days=DAYS_AGO)
    enterprise = Actor(users["furniture"], orgs["furniture"])
    reviewer = Actor(users["reviewer"], orgs["gdii"], "广州", True)
    clock.set_clock(_at(day))
    try:
        if contract is None:
            contract = uow_factory.run(lambda u: contracts.record(
                u, actor_id=users["operator"], provider_id=orgs["operator"], enterprise_id=orgs["furniture"],
                signed_on=day - dt.timedelta(days=5),
                lines=[{"product_id": product_ids[n], "quantity": Decimal(q), "unit_price": p} for n, q, p in LINES]
            )[0])
        with uow_factory() as u:
            voucher = u.session.exec(select(Voucher).where(Voucher.contract_id == contract.id)).first()
        if voucher is None:
            voucher = uow_factory.run(lambda u: applications.apply(u, actor=enterprise, scheme_id=scheme.id,
                                                                    contract_id=contract.id))
        if voucher.status == "reserved":
            voucher = uow_factory.run(lambda u: applications.approve(u, actor=reviewer, voucher_id=voucher.id))
        claim = _claim_of(uow_factory, voucher.id)
        if claim is None and voucher.status == "issued":
            uploader = evidence.Uploader(users["furniture"], orgs["furniture"])
            ids = []
            for kind, (content, filename) in EVIDENCE.items():
                row = uow_factory.run(lambda u, k=kind, c=content, f=filename: evidence.store(
                    u, uploader=uploader, kind=k, filename=f, stream=io.BytesIO(c + f" {voucher.id}".encode()),
                    directory=evidence_dir, max_bytes=1 << 20))
                ids.append(row.id)
            claim = uow_factory.run(lambda u: redemption.submit(u, actor=enterprise, voucher_id=voucher.id,
                                                                 invoice_amount=PAID, paid_amount=PAID,
                                                                 evidence_ids=ids))
        if claim is not None and claim.status == "submitted":
            policy = claims.PublicityPolicy(holidays=holiday_list(holidays))
            claim = uow_factory.run(lambda u: claims.approve(u, actor=reviewer, claim_id=claim.id, policy=policy))
    finally:
        clock.set_clock(None)
    if claim is None:
        return []
    with uow_factory() as u:
        shown = claims.effective_status(claims.get(u.session, claim.id), today)
    return ["a claim past publicity, ready for a payout batch:",
            f"  contract {contract.id} (furniture with operator, {format_fen(contract.amount)}) -> voucher "
            f"{voucher.id}, claim {claim.id} of {format_fen(claim.final_amount)} approved on {claim.approved_on}, "
            f"publicity ended {claim.publicity_ends_on}: {shown}"]


def _claim_of(uow_factory, voucher_id: int) -> Claim | None:
    from vouchers.models import VoucherClaim
    with uow_factory() as u:
        return u.session.exec(select(Claim).join(VoucherClaim, VoucherClaim.claim_id == Claim.id)
                              .where(VoucherClaim.voucher_id == voucher_id)).first()


STATEMENT_HEADER = ("交易流水号", "交易日期", "参考号", "收款账号", "金额")


def statement_for_batch(session, batch_id: int, *, value_date: dt.date) -> str:
    """The statement a bank sends back after paying every line of an approved batch, as CSV with
    the Chinese headers banks use."""
    lines = session.exec(select(PayoutLine).where(PayoutLine.batch_id == batch_id, PayoutLine.status == "sent")
                         .order_by(PayoutLine.id)).all()
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(STATEMENT_HEADER)
    for line in lines:
        out.writerow((f"DEMO{value_date:%Y%m%d}{line.id:06d}", value_date.strftime("%Y/%m/%d"), line.reference,
                      line.payee_account, f"{line.amount // 100:,}.{line.amount % 100:02d}"))
    return buf.getvalue()
