"""Contracts, their lines and cloud vouchers."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field

# A voucher in one of these states funds its contract (one voucher per contract).
FUNDING_STATUSES = ("waitlisted", "reserved", "issued", "redeemed", "settled")
# The same, as SQL text: the duplicate-funding check must name the partial unique index's condition
# literally, or SQLite's planner does not use that index (it cannot see a bound ``IN (?, …)`` implies it).
FUNDING_SQL = "status IN ('waitlisted','reserved','issued','redeemed','settled')"
# Vouchers whose money counts against the enterprise cap, the provider quota and the city quota.
COUNTING_STATUSES = ("reserved", "issued", "redeemed", "settled")


class Contract(SQLModel, table=True):
    __tablename__ = "contract"
    id: Optional[int] = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="organisation.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    signed_on: dt.date
    amount: int = fen_field()
    created_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()
    # SHA-256 of the parties, the signing date and the lines: the same contract recorded twice is
    # refused by this unique index, also when two requests race. NULL for a contract its provider
    # declared separate (``separate: true``), which may repeat another exactly.
    fingerprint: Optional[str] = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})


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
                 postgresql_where=sa.text(FUNDING_SQL), sqlite_where=sa.text(FUNDING_SQL)),
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
    # Order financing (POLICY.md §8): while a financier's advance on this voucher is outstanding its
    # payout is assigned to that financier (``redemption.payee_of``); None: the enterprise is paid.
    assignee_org_id: Optional[int] = Field(default=None, foreign_key="organisation.id")


class VoucherClaim(SQLModel, table=True):
    """What a voucher's redemption claim (kind ``voucher``) says beyond any claim: which voucher,
    and the amounts its final amount was computed from (POLICY.md §6)."""
    __tablename__ = "voucher_claim"
    claim_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("claim.id"), primary_key=True,
                                              autoincrement=False))
    voucher_id: int = Field(foreign_key="voucher.id", sa_column_kwargs={"unique": True}, nullable=False)
    contract_amount: int = fen_field()
    face_value: int = fen_field()
    invoice_amount: int = fen_field()
    paid_amount: int = fen_field()


class VoucherUsage(SQLModel, table=True):
    """What a scheme's counting vouchers hold, per enterprise, provider and city: the sums the caps
    and quotas of POLICY.md §6 compare with, kept in the same transaction as every change of a
    voucher (``vouchers.usage``), so a quota check reads one row instead of summing history.
    ``holder`` is the organisation's id (as text) or the city's name."""
    __tablename__ = "voucher_usage"
    scheme_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("scheme.id"), primary_key=True,
                                               autoincrement=False))
    dimension: str = Field(sa_column=sa.Column(sa.String(12), primary_key=True))  # enterprise | provider | city
    holder: str = Field(sa_column=sa.Column(sa.String(20), primary_key=True))
    amount: int = fen_field()


from vouchers import usage as _usage  # noqa: E402,F401  (registers the listeners that keep voucher_usage)
