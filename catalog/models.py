from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field

# Product lifecycle (POLICY.md §4): draft → submitted → approved | rejected, approved → delisted.
PRODUCT_STATUSES = ("draft", "submitted", "approved", "rejected", "delisted")


class Product(SQLModel, table=True):
    """The stable identity callers use as ``product_id``; what it sells lives in its versions.

    ``latest_version``/``status`` and ``approved_version`` summarise the versions so a read needs
    no aggregate; the service keeps them in step and locks this row before any state change."""
    __tablename__ = "product"
    id: Optional[int] = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="organisation.id", index=True)
    latest_version: int = Field(default=1)
    status: str = Field(max_length=20, index=True)  # the latest version's status
    approved_version: Optional[int] = None  # the newest approved version, if any
    created_at: dt.datetime = stamp_field()
    updated_at: dt.datetime = stamp_field()


class ProductVersion(SQLModel, table=True):
    """One version of a product with every Annex 5 field. Never edited once reviewed: contracts
    pin ``id`` (the version id), and a change to a reviewed version makes a new one.

    User ids are plain integers, not foreign keys: users belong to the shell above the catalogue."""
    __tablename__ = "product_version"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "version"),
        sa.CheckConstraint("unit_price > 0", name="unit_price_positive"),
        sa.CheckConstraint("valid_to >= valid_from", name="valid_window"),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'rejected', 'delisted')",
                           name="status_known"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")  # indexed by the (product_id, version) key
    version: int
    name: str = Field(max_length=200)
    item_kind: str = Field(max_length=40, index=True)
    unit: str = Field(max_length=20)
    unit_price: int = fen_field()
    scenario: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    modules: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # JSON list, non-ASCII kept for LIKE
    expected_effect: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    standard: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # JSON, API shape
    valid_from: dt.date
    valid_to: dt.date
    status: str = Field(max_length=20, index=True)
    rejection_reason: Optional[str] = Field(default=None, max_length=500)
    created_by: Optional[int] = None
    submitted_by: Optional[int] = None
    submitted_at: Optional[dt.datetime] = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    reviewed_by: Optional[int] = None
    reviewed_at: Optional[dt.datetime] = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    created_at: dt.datetime = stamp_field()
