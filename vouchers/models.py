"""Schemes with their budgets and settings versions, cluster pilots, contracts and vouchers."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from kernel.tables import Field, SQLModel, fen_field, stamp_field

# A voucher in one of these states funds its contract (one voucher per contract).
FUNDING_STATUSES = ("waitlisted", "reserved", "issued", "redeemed", "settled")


class Scheme(SQLModel, table=True):
    __tablename__ = "scheme"
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    name: str = Field(max_length=200)
    year: int = Field(index=True)
    apply_from: dt.date
    apply_to: dt.date
    redeem_from: dt.date
    redeem_to: dt.date
    settings_version: int = Field(default=1)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()


class SchemeSettingsVersion(SQLModel, table=True):
    """Settings are never edited in place: each change is a new version that computations name."""
    __tablename__ = "scheme_settings_version"
    __table_args__ = (sa.UniqueConstraint("scheme_id", "version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id")
    version: int
    settings_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()


class Cluster(SQLModel, table=True):
    """产业集群试点: one starting area, a lead unit and its alliance (产业联合体)."""
    __tablename__ = "cluster"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    industry: str = Field(max_length=100)
    starting_area: str = Field(max_length=100)
    city: str = Field(max_length=20)
    lead_org_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    created_at: dt.datetime = stamp_field()


class ClusterMember(SQLModel, table=True):
    __tablename__ = "cluster_member"
    __table_args__ = (sa.UniqueConstraint("cluster_id", "org_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id")
    org_id: int = Field(foreign_key="organisation.id", index=True)
    role: str = Field(max_length=20)  # partner (alliance member) | enterprise


class Contract(SQLModel, table=True):
    __tablename__ = "contract"
    id: Optional[int] = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="organisation.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    signed_on: dt.date
    amount: int = fen_field()
    created_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()


class ContractLine(SQLModel, table=True):
    __tablename__ = "contract_line"
    __table_args__ = (sa.UniqueConstraint("contract_id", "line_no"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id")
    line_no: int
    product_id: int = Field(foreign_key="product.id")
    version_id: int = Field(foreign_key="product_version.id")
    quantity: str = Field(max_length=24)  # exact decimal text; quantities never pass through a float
    unit_price: int = fen_field()
    amount: int = fen_field()


class Voucher(SQLModel, table=True):
    __tablename__ = "voucher"
    __table_args__ = (
        sa.Index("uq_voucher_funding_contract", "contract_id", unique=True,
                 postgresql_where=sa.text("status IN ('waitlisted','reserved','issued','redeemed','settled')"),
                 sqlite_where=sa.text("status IN ('waitlisted','reserved','issued','redeemed','settled')")),
        sa.Index("ix_voucher_scheme_status_applied", "scheme_id", "status", "applied_at", "id"),
        # every application looks for vouchers past their window: a range scan that finds none
        sa.Index("ix_voucher_scheme_expires", "scheme_id", "expires_on"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id")
    contract_id: int = Field(foreign_key="contract.id")
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    provider_id: int = Field(foreign_key="organisation.id", index=True)
    city: str = Field(max_length=20)
    status: str = Field(max_length=12)
    waitlist_reason: Optional[str] = Field(default=None, max_length=20)  # budget | city_quota
    face_value: int = fen_field()
    final_amount: Optional[int] = fen_field(nullable=True)  # set when a claim settles the voucher
    breakdown_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    settings_version: int
    applied_at: dt.datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    applied_by: int = Field(foreign_key="app_user.id")
    reservation_id: Optional[int] = Field(default=None, foreign_key="ledger_reservation.id")
    reviewed_by: Optional[int] = Field(default=None, foreign_key="app_user.id")
    reviewed_at: Optional[dt.datetime] = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    reason: Optional[str] = Field(default=None, max_length=500)
    expires_on: dt.date


# --- claims, evidence, payouts ---------------------------------------------------------------

EVIDENCE_KINDS = ("invoice", "payment_proof", "acceptance_report")

# submitted → publicity → payable → in_batch → paid; submitted → returned → submitted;
# publicity → submitted (objection); in_batch/paid → payable (the bank returned the payment)
CLAIM_STATUSES = ("submitted", "returned", "publicity", "payable", "in_batch", "paid")


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
    """兑付: one claim per voucher, corrected in place when returned for rework.

    Money lives in the scheme's budget accounts: ``final_amount`` sits in ``payable`` from approval
    until a payout batch is approved. ``payee_org_id`` is whoever gets the money: the enterprise,
    until order financing (POLICY.md §8) assigns a voucher to a financier."""
    __tablename__ = "claim"
    __table_args__ = (
        sa.Index("ix_claim_scheme_status", "scheme_id", "status", "id"),
        sa.CheckConstraint("status IN ('submitted', 'returned', 'publicity', 'payable', 'in_batch', 'paid', 'lapsed')",
                           name="status_known"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    voucher_id: int = Field(foreign_key="voucher.id", sa_column_kwargs={"unique": True}, nullable=False)
    scheme_id: int = Field(foreign_key="scheme.id")
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    provider_id: int = Field(foreign_key="organisation.id")
    payee_org_id: int = Field(foreign_key="organisation.id")
    status: str = Field(max_length=12)
    contract_amount: int = fen_field()
    face_value: int = fen_field()
    invoice_amount: int = fen_field()
    paid_amount: int = fen_field()
    final_amount: int = fen_field()
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
    payable_from: Optional[dt.date] = Field(default=None, index=True)  # the first day it may be paid
    return_reason: Optional[str] = Field(default=None, max_length=500)
    objection_reason: Optional[str] = Field(default=None, max_length=500)
    paid_on: Optional[dt.date] = None
    created_at: dt.datetime = stamp_field()


class PayoutBatch(SQLModel, table=True):
    """A maker's batch of payable claims of one scheme; a different checker approves it."""
    __tablename__ = "payout_batch"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'approved', 'cancelled')", name="status_known"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    status: str = Field(max_length=10)
    total: int = fen_field()
    line_count: int
    skipped_json: str = Field(default="[]", sa_column=sa.Column(sa.Text, nullable=False))
    created_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()
    approved_by: Optional[int] = Field(default=None, foreign_key="app_user.id")
    approved_at: Optional[dt.datetime] = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))


class PayoutLine(SQLModel, table=True):
    """One payment in a batch, frozen at build time (payee details included). ``reference`` is what
    the bank file sends and the statement echoes back.
    Status: pending (draft batch) → sent (batch approved) → paid | returned; cancelled with its batch."""
    __tablename__ = "payout_line"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'paid', 'returned', 'cancelled')", name="status_known"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="payout_batch.id", index=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    payee_org_id: int = Field(foreign_key="organisation.id")
    payee_name: str = Field(max_length=200)
    payee_account: str = Field(max_length=64)
    amount: int = fen_field()
    reference: str = Field(max_length=40, sa_column_kwargs={"unique": True}, nullable=False)
    status: str = Field(max_length=10)
    bank_txn_id: Optional[str] = Field(default=None, max_length=64)
