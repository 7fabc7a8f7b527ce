"""Payout batches and their lines; bank statements and the bank transactions they reported."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field


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
    Status: pending (draft batch) → sent (batch approved) → paid | returned; cancelled with its batch.
    On PostgreSQL the table keeps 30 % of each page free (fillfactor 70, migration 0017): a line is
    updated twice after it is written, on columns no index holds, so each new version can stay on
    its page (a HOT update) and no index is written: half the cost of a statement's line updates."""
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
    # the payee's bank as its organisation named it when the batch was built (NULL: batches built
    # before migration 0012 froze it; the bank file then reads the organisation's)
    payee_bank: Optional[str] = Field(default=None, max_length=200)
    amount: int = fen_field()
    reference: str = Field(max_length=40, sa_column_kwargs={"unique": True}, nullable=False)
    status: str = Field(max_length=10)
    bank_txn_id: Optional[str] = Field(default=None, max_length=64)


class BankStatement(SQLModel, table=True):
    """One imported bank statement file and what its import found. User ids are plain integers:
    users belong to the shell above the ledger."""
    __tablename__ = "bank_statement"
    id: Optional[int] = Field(default=None, primary_key=True)
    filename: str = Field(max_length=200)
    sha256: str = Field(max_length=64, index=True)
    encoding: str = Field(max_length=20)
    lines: int
    matched: int = 0
    amount_mismatch: int = 0
    unknown_reference: int = 0
    returned: int = 0
    duplicate: int = 0
    missing: int = 0
    imported_by: int
    imported_at: dt.datetime = stamp_field()


class BankTxn(SQLModel, table=True):
    """A bank transaction as last seen on a statement, once per bank transaction id: the key that
    makes imports idempotent. A line that moved money (matched, returned) is final; a line that
    moved nothing may be corrected by a later statement and is then re-evaluated."""
    __tablename__ = "bank_txn"
    id: Optional[int] = Field(default=None, primary_key=True)
    bank_txn_id: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    statement_id: int = Field(index=True)  # no FOREIGN KEY either (``payouts.guards``)
    line_no: int
    value_date: dt.date
    reference: str = Field(max_length=64, index=True)
    payee_account: str = Field(max_length=64)
    amount: int = fen_field()
    outcome: str = Field(max_length=20)
    reason: Optional[str] = Field(default=None, max_length=40)
    # No FOREIGN KEY: a guard checks each statement's rows at once (``payouts.guards``).
    journal_id: Optional[int] = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
