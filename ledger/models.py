"""Ledger tables. Journals and postings are only ever inserted; balances on accounts are a
cache of the postings that ``verify`` recomputes."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field


class LedgerAccount(SQLModel, table=True):
    __tablename__ = "ledger_account"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=120, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200)
    no_negative: bool = Field(default=False)
    balance: int = fen_field(default=0)
    created_at: dt.datetime = stamp_field()


class LedgerJournal(SQLModel, table=True):
    """``id`` is the gapless sequence number in the hash chain."""
    __tablename__ = "ledger_journal"
    id: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    key: str = Field(max_length=200, sa_column_kwargs={"unique": True}, nullable=False)
    kind: str = Field(max_length=40, index=True)
    effective_date: dt.date = Field(index=True)
    memo: str = Field(default="", max_length=500)
    ref: Optional[str] = Field(default=None, max_length=120, index=True)
    reverses_id: Optional[int] = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("ledger_journal.id"), unique=True))
    content_hash: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    created_at: dt.datetime = stamp_field()


class LedgerPosting(SQLModel, table=True):
    __tablename__ = "ledger_posting"
    __table_args__ = (sa.UniqueConstraint("journal_id", "idx"),)
    # BIGINT on PostgreSQL; SQLite autoincrements only a column declared INTEGER PRIMARY KEY
    id: Optional[int] = Field(default=None, sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                                                primary_key=True, autoincrement=True))
    journal_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("ledger_journal.id"), nullable=False))
    idx: int = Field(sa_column=sa.Column(sa.SmallInteger, nullable=False))
    account_id: int = Field(foreign_key="ledger_account.id", index=True)
    amount: int = fen_field()


class LedgerHead(SQLModel, table=True):
    """One row: the last sequence number and hash. Locked by every writer, so the chain is linear."""
    __tablename__ = "ledger_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    hash: str = Field(max_length=64)


class LedgerReservation(SQLModel, table=True):
    """A pending transfer (two-phase): money held on ``hold`` until posted in part or voided."""
    __tablename__ = "ledger_reservation"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, sa_column_kwargs={"unique": True}, nullable=False)
    source_account_id: int = Field(foreign_key="ledger_account.id")
    hold_account_id: int = Field(foreign_key="ledger_account.id")
    amount: int = fen_field()
    status: str = Field(default="pending", max_length=10)  # pending | posted | voided
    posted_amount: int = fen_field(default=0)
    open_journal_id: int = Field(sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("ledger_journal.id"), nullable=False))
    close_journal_id: Optional[int] = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("ledger_journal.id"), nullable=True))
    created_at: dt.datetime = stamp_field()


class LedgerPeriod(SQLModel, table=True):
    __tablename__ = "ledger_period"
    month: str = Field(primary_key=True, max_length=7)
    closed_at: dt.datetime = stamp_field()
    closed_by: str = Field(max_length=80)
