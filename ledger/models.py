"""Ledger tables. Journals, postings, chain entries and period closes are only ever inserted, and
database triggers (``ledger.guards``) refuse anything else; balances on accounts are a cache of the
postings that ``verify`` recomputes."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field
from ledger.rules import ENTRY_TYPES


class LedgerAccount(SQLModel, table=True):
    __tablename__ = "ledger_account"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=120, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200)
    no_negative: bool = Field(default=False)
    balance: int = fen_field(default=0)
    created_at: dt.datetime = stamp_field()


class LedgerJournal(SQLModel, table=True):
    """``id`` numbers journals 1, 2, 3… without gaps; the journal's place in the hash chain is its
    entry in ``ledger_chain``."""
    __tablename__ = "ledger_journal"
    # A journal is reversed at most once. Only reversals name one: the index holds those alone, not a
    # NULL for every other journal (each index is written on every journal posted).
    __table_args__ = (sa.Index("uq_ledger_journal_reverses_id", "reverses_id", unique=True,
                               postgresql_where=sa.text("reverses_id IS NOT NULL"),
                               sqlite_where=sa.text("reverses_id IS NOT NULL")),)
    id: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    key: str = Field(max_length=200, sa_column_kwargs={"unique": True}, nullable=False)
    kind: str = Field(max_length=40)  # not indexed: nothing looks journals up by kind
    effective_date: dt.date = Field(index=True)
    memo: str = Field(default="", max_length=500)
    ref: Optional[str] = Field(default=None, max_length=120, index=True)
    reverses_id: Optional[int] = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.ForeignKey("ledger_journal.id")))
    content_hash: str = Field(max_length=64)  # what an idempotent replay compares
    created_at: dt.datetime = stamp_field()


class LedgerPosting(SQLModel, table=True):
    __tablename__ = "ledger_posting"
    __table_args__ = (sa.UniqueConstraint("journal_id", "idx"),
                      sa.CheckConstraint("amount <> 0", name="amount_nonzero"))
    # Assigned by the ledger from ``ledger_head.posting_seq``, so a posting is hashed before it is written.
    # INTEGER on SQLite keeps it the rowid.
    id: int = Field(sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                        primary_key=True, autoincrement=False))
    # No FOREIGN KEYs: a guard (``ledger.guards``) checks that the journal and the account exist, once
    # per statement on PostgreSQL, where a foreign key checks each posting on its own (a third of a
    # large batch's time). Journals and accounts are never deleted and keep their ids (guards again),
    # so the check at the door is all a foreign key would add.
    journal_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    idx: int = Field(sa_column=sa.Column(sa.SmallInteger, nullable=False))
    account_id: int = Field(index=True)
    amount: int = fen_field()


class LedgerHead(SQLModel, table=True):
    """One row: the last chain entry (``seq``, ``hash``) and the last journal and posting ids handed
    out. Locked by every writer, so the chain is linear and journal ids are gapless."""
    __tablename__ = "ledger_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    hash: str = Field(max_length=64)
    journal_seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    posting_seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))


class LedgerChain(SQLModel, table=True):
    """The hash chain over everything the ledger asserts, one entry per account, journal (with its
    postings), period close, reservation opening and reservation outcome. ``seq`` is gapless from 1."""
    __tablename__ = "ledger_chain"
    __table_args__ = (
        sa.UniqueConstraint("entry_type", "subject"),
        sa.CheckConstraint("entry_type IN (" + ", ".join(f"'{t}'" for t in ENTRY_TYPES) + ")",
                           name="entry_type_known"),
    )
    seq: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    entry_type: str = Field(max_length=20)
    subject: str = Field(max_length=40)  # the row's id, or the month of a period
    content_hash: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class LedgerReservation(SQLModel, table=True):
    """A pending transfer (two-phase): money held on ``hold`` until posted in part or voided."""
    __tablename__ = "ledger_reservation"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status IN ('pending', 'posted', 'voided')", name="status_known"),
        sa.CheckConstraint("posted_amount >= 0 AND posted_amount <= amount", name="posted_within_amount"),
    )
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
    # The chain head the month closed on: the entries before this period's own entry.
    head_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    head_hash: str = Field(max_length=64)

