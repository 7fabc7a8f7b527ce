"""Training programmes, trainees, their completion and the trainee lines of talent claims.

Hours are stored as whole tenths of an hour (``405`` is 40.5 h); money as integer fen. A resident
ID number is never stored: only its HMAC digest (``id_digest``, for uniqueness) and its masked form
(``id_masked``, for display)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field

LEVEL_CHECK = "certificate_level IS NULL OR certificate_level IN ('初级', '中级', '高级')"


class Training(SQLModel, table=True):
    """A provider's training programme (线上+线下实训). Minimums left empty take the claiming
    scheme's defaults (``talent_online_hours_min``, ``talent_offline_hours_min``)."""
    __tablename__ = "training"
    __table_args__ = (
        sa.CheckConstraint("fee >= 0", name="fee_not_negative"),
        sa.CheckConstraint("(online_min_tenths IS NULL) = (offline_min_tenths IS NULL)", name="minimums_together"),
        sa.CheckConstraint("online_min_tenths IS NULL OR online_min_tenths BETWEEN 0 AND 10000",
                           name="online_min_in_range"),
        sa.CheckConstraint("offline_min_tenths IS NULL OR offline_min_tenths BETWEEN 0 AND 10000",
                           name="offline_min_in_range"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=200)
    tracks_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # e.g. ["精益", "软件", …]
    online_min_tenths: Optional[int] = None
    offline_min_tenths: Optional[int] = None
    fee: int = fen_field()  # per trainee
    created_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()


class Trainee(SQLModel, table=True):
    """An enterprise's employee enrolled in a programme; one person once per programme."""
    __tablename__ = "trainee"
    __table_args__ = (sa.UniqueConstraint("training_id", "id_digest"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    training_id: int = Field(foreign_key="training.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=50)
    id_digest: str = Field(max_length=64)   # HMAC-SHA256 of the normalised ID number, hex
    id_masked: str = Field(max_length=18)   # 4401**********123X
    enrolled_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()


class TraineeCompletion(SQLModel, table=True):
    """What the programme's provider recorded for a trainee: hours, certificate and fee paid.
    Corrected in place (``revision`` counts the recordings) until a claim holds the trainee; the
    claim line keeps the values it was priced on."""
    __tablename__ = "trainee_completion"
    __table_args__ = (
        sa.CheckConstraint("online_tenths BETWEEN 0 AND 10000", name="online_in_range"),
        sa.CheckConstraint("offline_tenths BETWEEN 0 AND 10000", name="offline_in_range"),
        sa.CheckConstraint(LEVEL_CHECK, name="level_known"),
        sa.CheckConstraint("fee_paid >= 0", name="fee_paid_not_negative"),
    )
    trainee_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("trainee.id"), primary_key=True,
                                                autoincrement=False))
    online_tenths: int
    offline_tenths: int
    certificate_level: Optional[str] = Field(default=None, max_length=4)
    fee_paid: int = fen_field()
    revision: int = Field(default=1)
    recorded_by: int = Field(foreign_key="app_user.id")
    recorded_at: dt.datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class TalentClaimLine(SQLModel, table=True):
    """One trainee of a talent claim (kind ``talent``) and what it was priced on. ``active`` until
    the claim lapses (or drops the line on rework): while active, nobody may claim the same person
    in the same programme again, which the partial unique index enforces on the ID digest."""
    __tablename__ = "talent_claim_line"
    __table_args__ = (
        sa.UniqueConstraint("claim_id", "trainee_id"),
        sa.Index("uq_talent_claim_line_active_person", "training_id", "id_digest", unique=True,
                 postgresql_where=sa.text("active"), sqlite_where=sa.text("active")),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("amount <= amount_by_level AND amount <= fee_paid", name="amount_within_level_and_fee"),
        sa.CheckConstraint("certificate_level IN ('初级', '中级', '高级')", name="level_known"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    line_no: int
    trainee_id: int = Field(foreign_key="trainee.id", index=True)
    training_id: int = Field(foreign_key="training.id")
    id_digest: str = Field(max_length=64)
    certificate_level: str = Field(max_length=4)
    online_tenths: int
    offline_tenths: int
    online_min_tenths: int
    offline_min_tenths: int
    fee_paid: int = fen_field()
    amount_by_level: int = fen_field()
    amount: int = fen_field()  # after the fee paid and the enterprise cap
    active: bool = Field(default=True)
