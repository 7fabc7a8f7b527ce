"""Wire formats of loans, their schedules, repayments, buy-backs and interest rewards."""
from __future__ import annotations

import datetime as dt

import marshmallow as ma

from adapters.fields import Id, Money, Rate
from adapters.paging import PageArgs, page_schema
from financing.models import LOAN_KINDS, LOAN_STATUSES
from financing.rules import METHODS


class LoanIn(ma.Schema):
    """``POST /loans`` and ``POST /loans/preview``. An instalment loan names its guarantor (and may
    name the contract the equipment was bought under); order financing names the contract and its
    cloud voucher, and has no guarantor."""
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(LOAN_KINDS))
    enterprise_id = Id(required=True)
    guarantor_id = Id(load_default=None, allow_none=True)
    contract_id = Id(load_default=None, allow_none=True)
    voucher_id = Id(load_default=None, allow_none=True)
    principal = Money(required=True, metadata={"description": "for order financing: the advance"})
    annual_rate = Rate(required=True, metadata={"description": "a fraction as a string: \"0.06\" is 6 % a year"})
    term_months = ma.fields.Integer(required=True, strict=True)
    method = ma.fields.String(load_default="annuity", validate=ma.validate.OneOf(METHODS))
    first_due_on = ma.fields.Date(required=True)
    scheme_id = Id(load_default=None, allow_none=True, metadata={
        "description": "the financing scheme whose settings the loan takes (default_after_days, advance_ratio); "
                       "default: the financing scheme open for applications today, else the defaults"})


class InstalmentOut(ma.Schema):
    period = ma.fields.Integer()
    due_on = ma.fields.Date()
    principal = Money()
    interest = Money()
    payment = Money()
    balance = Money(metadata={"description": "principal outstanding once this instalment's principal is paid"})
    paid = Money(metadata={"description": "paid on this instalment so far (interest and principal)"})
    paid_interest = Money()
    paid_principal = Money()
    owed = Money()
    state = ma.fields.String(metadata={"description": "paid | overdue | due (today) | partly_paid | upcoming"})


class ScheduleOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InstalmentOut))
    total_principal = Money()
    total_interest = Money()
    total_payment = Money()


class AllocationOut(ma.Schema):
    period = ma.fields.Integer()
    interest = Money()
    principal = Money()


class RepaymentOut(ma.Schema):
    id = ma.fields.Integer()
    loan_id = ma.fields.Integer()
    seq = ma.fields.Integer()
    paid_on = ma.fields.Date()
    amount = Money()
    allocations = ma.fields.List(ma.fields.Nested(AllocationOut))
    prepaid_principal = Money(metadata={"description": "principal paid ahead of the schedule"})
    recomputed_from = ma.fields.Integer(allow_none=True, metadata={
        "description": "the first period re-amortised after a prepayment (same term, lower payments)"})
    status = ma.fields.String(metadata={"description": "the loan's status after the repayment"})
    outstanding_principal = Money()


class BuyBackOut(ma.Schema):
    loan_id = ma.fields.Integer()
    status = ma.fields.String()
    paid_on = ma.fields.Date()
    principal = Money(metadata={"description": "every principal not yet repaid"})
    interest = Money(metadata={"description": "interest of the instalments due by paid_on and unpaid"})
    amount = Money()
    interest_periods = ma.fields.List(ma.fields.Integer())
    defaulted_on = ma.fields.Date(allow_none=True)


class LoanOut(ma.Schema):
    """A loan at a glance on ``as_of`` (today): its terms, status of the day, what is due, overdue
    and paid. ``schedule`` is included when a loan is previewed or registered."""
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": " | ".join(LOAN_KINDS)})
    status = ma.fields.String(metadata={"description": " | ".join(LOAN_STATUSES)})
    financier_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    guarantor_id = ma.fields.Integer(allow_none=True)
    contract_id = ma.fields.Integer(allow_none=True)
    voucher_id = ma.fields.Integer(allow_none=True)
    principal = Money()
    annual_rate = ma.fields.String()
    term_months = ma.fields.Integer()
    method = ma.fields.String()
    first_due_on = ma.fields.Date()
    starts_on = ma.fields.Date()
    default_after_days = ma.fields.Integer()
    scheme_id = ma.fields.Integer(allow_none=True)
    settings_version = ma.fields.Integer(allow_none=True)
    terms = ma.fields.Dict(metadata={"description": "the settings the loan took; for order financing the "
                                                    "contract amount and the advance limit"})
    as_of = ma.fields.Date()
    due = Money(metadata={"description": "owed on instalments due on or before as_of"})
    overdue = Money(metadata={"description": "owed on instalments due before as_of"})
    overdue_since = ma.fields.Date(allow_none=True)
    days_overdue = ma.fields.Integer()
    next_due_on = ma.fields.Date(allow_none=True)
    next_due_amount = Money(allow_none=True)
    paid = Money()
    paid_principal = Money()
    paid_interest = Money()
    outstanding_principal = Money()
    payoff_amount = Money(metadata={"description": "what a repayment today would need to close the loan"})
    defaulted_on = ma.fields.Date(allow_none=True)
    default_period = ma.fields.Integer(allow_none=True)
    buy_back_amount = Money(allow_none=True, metadata={
        "description": "in default: what the guarantor's buy-back would pay today"})
    buy_back = ma.fields.Nested(BuyBackOut, allow_none=True)
    closed_on = ma.fields.Date(allow_none=True)
    repayments = ma.fields.List(ma.fields.Nested(RepaymentOut))
    schedule = ma.fields.List(ma.fields.Nested(InstalmentOut))


class LoanListArgs(PageArgs):
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(LOAN_KINDS))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(LOAN_STATUSES))
    enterprise_id = Id(load_default=None)
    financier_id = Id(load_default=None)
    guarantor_id = Id(load_default=None)


LoanPage = page_schema(LoanOut, "LoanPage")


class RepaymentIn(ma.Schema):
    paid_on = ma.fields.Date(required=True)
    amount = Money(required=True)


class BuyBackIn(ma.Schema):
    paid_on = ma.fields.Date(load_default=None, metadata={"description": "default: today"})


class PeriodRef(ma.fields.Field):
    """A period of the loan: its number (1 is the first instalment), or a date ``YYYY-MM-DD``
    (a range of dates means the instalments due within it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 1:
                raise ma.ValidationError("a period is a number from 1")
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ma.ValidationError("a period number (1, 2, …) or a date YYYY-MM-DD")


class RewardIn(ma.Schema):
    scheme_id = Id(required=True)
    period_from = PeriodRef(required=True, metadata={"description": "the first period: its number (1 is the first "
                                                                    "instalment) or a date YYYY-MM-DD"})
    period_to = PeriodRef(required=True, metadata={"description": "the last period, as period_from: numbers both or "
                                                                  "dates both (the instalments due between them)"})


class RewardClaimFields(ma.Schema):
    """What an interest-reward claim shows beyond any claim."""
    loan_id = ma.fields.Integer()
    period_from = ma.fields.Integer()
    period_to = ma.fields.Integer()
    paid_interest = Money(metadata={"description": "the paid interest the reward counted"})


__all__ = ["LoanIn", "LoanOut", "LoanPage", "LoanListArgs", "ScheduleOut", "RepaymentIn", "RepaymentOut",
           "BuyBackIn", "BuyBackOut", "RewardIn", "RewardClaimFields"]
