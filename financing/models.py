"""Loans and the facts recorded about them: repayments, the guarantor's buy-back, interest rewards.

A loan's schedule is not stored. The terms below and the repayments, in order, are the loan's
whole truth; the schedule as built, every later state, default and buy-back are replayed from them
with the pure rules (``financing.rules``), so what a preview showed, what is booked and what a
read shows can never disagree. Money here is the financier's, the enterprise's and the
guarantor's, not a scheme's: none of it is journalled. Only an interest reward is scheme money,
and it is a claim (``claims``) like any other.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field

LOAN_KINDS = ("instalment", "order")
# active → in_default (an instalment unpaid default_after_days past due) → bought_back;
# active | in_default → repaid (everything paid).
LOAN_STATUSES = ("active", "in_default", "repaid", "bought_back")
OPEN_STATUSES = ("active", "in_default")


class Loan(SQLModel, table=True):
    """A loan as agreed. ``instalment``: 联网设备分期融资, guaranteed by an equipment maker that buys it
    back on default. ``order``: 服务券订单融资, an advance against a contract and its cloud voucher,
    whose payout goes to the financier while the loan is open.

    ``default_after_days`` is fixed when the loan is registered, from the financing scheme's
    settings named by ``scheme_id``/``settings_version`` (the kind's defaults when there was none):
    a loan's default rule does not change under it. The stored ``status`` is what the last write or
    the default job saw; a read computes the status of the day."""
    __tablename__ = "loan"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('instalment', 'order')", name="kind_known"),
        sa.CheckConstraint("status IN ('active', 'in_default', 'repaid', 'bought_back')", name="status_known"),
        sa.CheckConstraint("method IN ('annuity', 'equal_principal')", name="method_known"),
        sa.CheckConstraint("principal > 0", name="principal_positive"),
        sa.CheckConstraint("term_months BETWEEN 1 AND 360", name="term_in_range"),
        sa.CheckConstraint("default_after_days >= 1", name="default_after_days_positive"),
        sa.CheckConstraint("kind <> 'instalment' OR (guarantor_id IS NOT NULL AND voucher_id IS NULL)",
                           name="instalment_guaranteed"),
        sa.CheckConstraint("kind <> 'order' OR (voucher_id IS NOT NULL AND contract_id IS NOT NULL "
                           "AND guarantor_id IS NULL)", name="order_on_a_voucher"),
        # one open advance per voucher: its payout can be assigned to one financier only
        sa.Index("uq_loan_open_order_voucher", "voucher_id", unique=True,
                 postgresql_where=sa.text("kind = 'order' AND status IN ('active', 'in_default')"),
                 sqlite_where=sa.text("kind = 'order' AND status IN ('active', 'in_default')")),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)
    financier_id: int = Field(foreign_key="organisation.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    guarantor_id: Optional[int] = Field(default=None, foreign_key="organisation.id", index=True)
    contract_id: Optional[int] = Field(default=None, foreign_key="contract.id")
    voucher_id: Optional[int] = Field(default=None, foreign_key="voucher.id")
    principal: int = fen_field()
    annual_rate: str = Field(max_length=12)  # exact decimal text ("0.06"): a rate never passes through a float
    term_months: int
    method: str = Field(max_length=16)
    first_due_on: dt.date
    default_after_days: int
    scheme_id: Optional[int] = Field(default=None, foreign_key="scheme.id")
    settings_version: Optional[int] = None
    terms_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # the settings used, the advance limit
    status: str = Field(max_length=12)
    defaulted_on: Optional[dt.date] = None      # stored with ``in_default``: the day it went into default
    default_period: Optional[int] = None        # the instalment that put it there
    closed_on: Optional[dt.date] = None         # repaid or bought back on
    created_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()


class LoanRepayment(SQLModel, table=True):
    """A repayment the financier recorded: a fact. ``seq`` is the order they were recorded in,
    which is also their date order (a repayment dated before one already recorded is refused)."""
    __tablename__ = "loan_repayment"
    __table_args__ = (
        sa.UniqueConstraint("loan_id", "seq"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id")
    seq: int
    paid_on: dt.date
    amount: int = fen_field()
    recorded_by: int = Field(foreign_key="app_user.id")
    recorded_at: dt.datetime = stamp_field()


class LoanBuyBack(SQLModel, table=True):
    """The guarantor bought the loan back: the outstanding principal plus the interest due and
    unpaid on ``paid_on`` (``rules.buy_back``). It closes the loan."""
    __tablename__ = "loan_buy_back"
    __table_args__ = (sa.CheckConstraint("amount = principal + interest", name="amount_adds_up"),)
    loan_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("loan.id"), primary_key=True,
                                             autoincrement=False))
    guarantor_id: int = Field(foreign_key="organisation.id")
    paid_on: dt.date
    principal: int = fen_field()
    interest: int = fen_field()
    amount: int = fen_field()
    recorded_by: int = Field(foreign_key="app_user.id")
    recorded_at: dt.datetime = stamp_field()


class LoanReward(SQLModel, table=True):
    """What an interest-reward claim (kind ``financing_reward``) says beyond any claim: which loan
    and periods, and how much paid interest it counted."""
    __tablename__ = "loan_reward"
    claim_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("claim.id"), primary_key=True,
                                              autoincrement=False))
    loan_id: int = Field(foreign_key="loan.id", index=True)
    period_from: int
    period_to: int
    paid_interest: int = fen_field()


class LoanRewardLine(SQLModel, table=True):
    """Interest of one repayment on one instalment that a reward claim counted. The lines of every
    claim not lapsed say what was rewarded already: no fen of interest is rewarded twice."""
    __tablename__ = "loan_reward_line"
    __table_args__ = (sa.CheckConstraint("interest > 0", name="interest_positive"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    period: int
    repayment_id: int = Field(foreign_key="loan_repayment.id")
    interest: int = fen_field()
