"""Demo loans: the POLICY.md §8 worked example as a device instalment loan three months in, its
first instalments repaid and the first month's interest reward (192.50) claimed; and an order
financing on the demo cloud voucher, whose payout then goes to the bank. Re-runnable."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import select

from financing import loans, rewards
from financing.models import Loan
from financing.rules import due_date
from kernel import clock
from kernel.money import format_fen
from parties.actors import Actor
from schemes.models import Scheme
from vouchers import applications
from vouchers.models import Voucher


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, min(day.day, 28))


def load_demo_financing(uow_factory, orgs: dict[str, int], users: dict[str, int]) -> list[str]:
    today = clock.today()
    bank = Actor(users["financier"], orgs["bank"])
    enterprise = Actor(users["enterprise"], orgs["ceramics"])
    with uow_factory() as u:
        s = u.session
        scheme = s.exec(select(Scheme).where(Scheme.kind == "financing", Scheme.year == today.year)).first()
        instalment = s.exec(select(Loan).where(Loan.kind == "instalment", Loan.financier_id == orgs["bank"],
                                               Loan.enterprise_id == orgs["ceramics"])).first()
        order = s.exec(select(Loan).where(Loan.kind == "order", Loan.financier_id == orgs["bank"])).first()
        voucher = s.exec(select(Voucher).where(Voucher.enterprise_id == orgs["ceramics"])
                         .order_by(Voucher.id)).first()
    out = ["demo loans:"]

    if instalment is None:
        first_due = _months_back(today, 3)
        request = loans.LoanRequest(kind="instalment", enterprise_id=orgs["ceramics"], guarantor_id=orgs["maker"],
                                    principal=120_000_00, annual_rate=Decimal("0.06"), term_months=12,
                                    method="annuity", first_due_on=first_due)
        instalment = uow_factory.run(lambda u: loans.register(u, actor=bank, request=request))
        for period in (1, 2, 3):
            paid_on = due_date(first_due, period)
            uow_factory.run(lambda u, day=paid_on: loans.repay(u, actor=bank, loan_id=instalment.id, paid_on=day,
                                                                amount=10_327_97))
        if scheme is not None:
            claim = uow_factory.run(lambda u: rewards.claim_reward(u, actor=enterprise, loan_id=instalment.id,
                                                                   scheme_id=scheme.id, period_from=1, period_to=1))
            out.append(f"  interest reward claim {claim.id} (loan {instalment.id}, month 1): "
                       f"{format_fen(claim.final_amount)}, submitted for review")
    out.append(f"  loan {instalment.id} instalment 120000.00 at 6 % over 12 months (bank -> ceramics, guaranteed "
               f"by maker), first due {instalment.first_due_on}, 3 instalments repaid")

    if order is None and voucher is not None:
        if voucher.status == "reserved":
            reviewer = Actor(users["reviewer"], orgs["gdii"], "广州", True)
            voucher = uow_factory.run(lambda u: applications.approve(u, actor=reviewer, voucher_id=voucher.id))
        if voucher.status == "issued":
            request = loans.LoanRequest(kind="order", enterprise_id=orgs["ceramics"], contract_id=voucher.contract_id,
                                        voucher_id=voucher.id, principal=100_000_00, annual_rate=Decimal("0.045"),
                                        term_months=6, method="annuity",
                                        first_due_on=due_date(_months_back(today, 0), 2))
            order = uow_factory.run(lambda u: loans.register(u, actor=bank, request=request))
    if order is not None:
        out.append(f"  loan {order.id} order financing 100000.00 on voucher {order.voucher_id}: its payout goes to "
                   f"the bank until the advance is repaid")
    return out
