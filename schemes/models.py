"""Schemes and their versioned settings; the budget itself lives in ledger accounts (``budget``)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, stamp_field


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
