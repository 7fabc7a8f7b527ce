"""The demo shows an instalment loan with repayments and its interest reward under review, and an
order financing that sends the demo voucher's payout to the bank."""
from __future__ import annotations

import sqlalchemy as sa

from claims.models import Claim
from financing.models import Loan, LoanRepayment
from vouchers.models import Voucher
from yunquan import demo


def test_the_demo_loads_a_loan_with_repayments_a_reward_claim_and_an_order_financing_once(runner, db,
                                                                                        frozen_clock):
    frozen_clock("2026-11-30T10:00:00+08:00")
    first = runner.invoke(demo.demo)
    assert first.exit_code == 0, first.output
    assert "interest reward claim" in first.output and ": 192.50, submitted for review" in first.output
    again = runner.invoke(demo.demo)
    assert again.exit_code == 0, again.output
    with db.connect() as c:
        loans = c.execute(sa.select(Loan.kind, Loan.status, Loan.first_due_on).order_by(Loan.id)).all()
        assert [(k, s) for k, s, _ in loans] == [("instalment", "active"), ("order", "active")]
        assert str(loans[0].first_due_on) == "2026-08-28"
        assert c.execute(sa.select(sa.func.count()).select_from(LoanRepayment.__table__)).scalar() == 3
        assert c.execute(sa.select(Claim.kind, Claim.status, Claim.final_amount).order_by(Claim.id)).all() == \
            [("financing_reward", "submitted", 192_50), ("voucher", "publicity", 43_000_00)]
        voucher = c.execute(sa.select(Voucher.status, Voucher.assignee_org_id).order_by(Voucher.id).limit(1)).one()
        bank = c.execute(sa.text("SELECT id FROM organisation WHERE kind = 'financier'")).scalar()
        assert tuple(voucher) == ("issued", bank)
