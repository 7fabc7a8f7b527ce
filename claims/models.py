"""Claims of every kind and the evidence that backs them."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field

EVIDENCE_KINDS = ("invoice", "payment_proof", "acceptance_report")

# submitted → publicity → payable → in_batch → paid; submitted → returned → submitted (rework);
# publicity → submitted (objection); in_batch/paid → payable (the bank returned the payment);
# returned → lapsed (not corrected before the claim's window closed).
CLAIM_STATUSES = ("submitted", "returned", "publicity", "payable", "in_batch", "paid", "lapsed")


class Evidence(SQLModel, table=True):
    """An uploaded file: stored once under its SHA-256, readable by its organisation and staff only.
    ``claim_id`` binds it to the one claim that used it; no other claim may use it afterwards."""
    __tablename__ = "evidence"
    id: Optional[int] = Field(default=None, primary_key=True)
    owner_org_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=20)
    filename: str = Field(max_length=200)
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    content_type: str = Field(max_length=40)
    uploaded_by: int = Field(foreign_key="app_user.id")
    claim_id: Optional[int] = Field(default=None, foreign_key="claim.id", index=True)
    created_at: dt.datetime = stamp_field()


class Claim(SQLModel, table=True):
    """A claim for money from a scheme's budget: a voucher's redemption (兑付), a financing interest
    reward, a talent voucher. Every kind goes through the same review, rework, publicity (公示),
    objection and payout; what a kind adds lives in its own package and tables (``kind`` names it).

    Money lives in the scheme's budget accounts: while the claim is under review its money is held
    by the reservation ``reservation_id`` (in ``reserved``); approval consumes it (``final_amount``
    to ``payable``, the rest back to ``available``); ``final_amount`` sits in ``payable`` until a
    payout batch is approved. ``payee_org_id`` is whoever gets the money: the enterprise, unless
    the kind says otherwise (order financing assigns a voucher's payout to a financier).
    A claim returned for rework and not corrected by ``lapses_on`` lapses and frees its money."""
    __tablename__ = "claim"
    __table_args__ = (
        sa.Index("ix_claim_scheme_status", "scheme_id", "status", "id"),
        # only claims in publicity wait for their payable_from (``service.IN_PUBLICITY``): a claim
        # leaving publicity leaves this index, and no later update of a claim adds to it
        sa.Index("ix_claim_payable_from", "payable_from", postgresql_where=sa.text("status = 'publicity'"),
                 sqlite_where=sa.text("status = 'publicity'")),
        sa.CheckConstraint("status IN ('submitted', 'returned', 'publicity', 'payable', 'in_batch', 'paid', 'lapsed')",
                           name="status_known"),
        sa.CheckConstraint("final_amount > 0", name="final_amount_positive"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    scheme_id: int = Field(foreign_key="scheme.id")
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    provider_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    payee_org_id: int = Field(foreign_key="organisation.id")
    city: str = Field(max_length=20)  # the enterprise's city when it claimed: the review scope
    status: str = Field(max_length=12)
    final_amount: int = fen_field()
    reservation_id: Optional[int] = Field(default=None, foreign_key="ledger_reservation.id")
    lapses_on: Optional[dt.date] = None  # the last day a returned claim may be corrected
    evidence_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # ids of the current submission
    breakdown_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    settings_version: int
    submissions: int = Field(default=1)
    approvals: int = Field(default=0)
    objections: int = Field(default=0)
    submitted_by: int = Field(foreign_key="app_user.id")
    submitted_at: dt.datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    reviewed_by: Optional[int] = Field(default=None, foreign_key="app_user.id")
    reviewed_at: Optional[dt.datetime] = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    approved_on: Optional[dt.date] = None
    publicity_ends_on: Optional[dt.date] = None   # the last day of publicity
    payable_from: Optional[dt.date] = None  # the first day it may be paid
    return_reason: Optional[str] = Field(default=None, max_length=500)
    objection_reason: Optional[str] = Field(default=None, max_length=500)
    paid_on: Optional[dt.date] = None
    created_at: dt.datetime = stamp_field()
