"""Organisations: every party that signs, claims, lends, guarantees or reviews."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from adapters.tables import Field, SQLModel, fen_field, stamp_field


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=18, sa_column_kwargs={"unique": True}, nullable=False)
    city: str = Field(max_length=20, index=True)
    founded_on: Optional[dt.date] = None
    prior_year_revenue: Optional[int] = fen_field(nullable=True)
    provider_class: Optional[str] = Field(default=None, max_length=20)
    bank_name: Optional[str] = Field(default=None, max_length=200)
    bank_account: Optional[str] = Field(default=None, max_length=64)
    # Authorities only: the level of government (province, city, area) and, for an area (the
    # starting area's 专业镇, park or county government), the area it governs within ``city``.
    level: Optional[str] = Field(default=None, max_length=10)
    area: Optional[str] = Field(default=None, max_length=100)
    created_at: dt.datetime = stamp_field()


class BankAccountChange(SQLModel, table=True):
    """Who changed an organisation's bank details, when, from what to what, and why. Rows are only
    ever inserted: the history of where money was sent to is evidence. ``changed_by`` is a user id
    (users belong to the shell above this package)."""
    __tablename__ = "bank_account_change"
    id: Optional[int] = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    changed_by: int
    changed_at: dt.datetime = stamp_field()
    old_bank_name: Optional[str] = Field(default=None, max_length=200)
    old_bank_account: Optional[str] = Field(default=None, max_length=64)
    new_bank_name: str = Field(max_length=200)
    new_bank_account: str = Field(max_length=64)
    reason: str = Field(max_length=500)
