"""Cluster pilots (产业集群试点) and their members."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, fen_field, stamp_field


class Cluster(SQLModel, table=True):
    """产业集群试点: one starting area, a lead unit and its alliance (产业联合体). A cancelled pilot
    (取消试点资格) no longer counts against its lead's limit."""
    __tablename__ = "cluster"
    __table_args__ = (sa.CheckConstraint("status IN ('active', 'cancelled')", name="status_known"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    industry: str = Field(max_length=100)
    starting_area: str = Field(max_length=100)
    city: str = Field(max_length=20)
    lead_org_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    status: str = Field(default="active", max_length=10,
                        sa_column_kwargs={"server_default": "active"})
    # the approved application (申报书) it came from; None for a pilot an admin registered
    application_id: Optional[int] = Field(default=None)
    created_at: dt.datetime = stamp_field()


class ClusterMember(SQLModel, table=True):
    __tablename__ = "cluster_member"
    __table_args__ = (sa.UniqueConstraint("cluster_id", "org_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id")
    org_id: int = Field(foreign_key="organisation.id", index=True)
    role: str = Field(max_length=20)  # partner (alliance member) | enterprise


class ExperienceCentre(SQLModel, table=True):
    """体验展示中心 of a pilot's task book, recorded by its lead unit."""
    __tablename__ = "experience_centre"
    __table_args__ = (sa.UniqueConstraint("cluster_id", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)
    name: str = Field(max_length=200)
    opened_on: dt.date
    recorded_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()


class BenchmarkCase(SQLModel, table=True):
    """标杆案例 of a pilot's task book, with its type: the task book asks for cases of two types."""
    __tablename__ = "benchmark_case"
    __table_args__ = (sa.UniqueConstraint("cluster_id", "title"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)
    title: str = Field(max_length=200)
    case_type: str = Field(max_length=50)
    recorded_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()


class PilotApplication(SQLModel, table=True):
    """申报书: a lead unit's application for a pilot, on its way from draft through the starting
    area's government (推荐), the city's authority (审核) and the province (批准). Editable by its
    lead while ``draft`` or ``returned``. Annexes 1-3, the plan's sections and the declared
    targets are JSON text; the key projects (Annex 4), partners and products have their own rows."""
    __tablename__ = "pilot_application"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'submitted', 'recommended', 'reviewed', 'approved', 'returned')",
                           name="status_known"),
        sa.CheckConstraint("investment_total >= 0", name="investment_not_negative"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    lead_org_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    industry: str = Field(max_length=100)
    starting_area: str = Field(max_length=100)
    city: str = Field(max_length=20, index=True)
    year: int
    contact: str = Field(default="", max_length=200)
    status: str = Field(default="draft", max_length=12, index=True)
    sections_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    enterprises_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    shortcomings_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    roadmap_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    targets_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    investment_total: int = fen_field()
    cluster_id: Optional[int] = Field(default=None, foreign_key="cluster.id")
    created_by: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = stamp_field()
    updated_at: dt.datetime = stamp_field()


class PilotApplicationPartner(SQLModel, table=True):
    """联合单位: a registered organisation in the application's alliance."""
    __tablename__ = "pilot_application_partner"
    __table_args__ = (sa.UniqueConstraint("application_id", "org_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="pilot_application.id", index=True)
    org_id: int = Field(foreign_key="organisation.id")


class PilotApplicationProject(SQLModel, table=True):
    """Annex 4, 重点建设项目表: one key project; their investments sum to the budget."""
    __tablename__ = "pilot_application_project"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "position"),
        sa.CheckConstraint("investment > 0", name="investment_positive"),
        sa.CheckConstraint("start_on <= end_on", name="dates_in_order"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="pilot_application.id", index=True)
    position: int
    name: str = Field(max_length=200)
    unit: str = Field(max_length=200)
    content: str = Field(max_length=2000)
    start_on: dt.date
    end_on: dt.date
    investment: int = fen_field()


class PilotApplicationProduct(SQLModel, table=True):
    """Annex 5: an approved catalogue product of the alliance, named in the application."""
    __tablename__ = "pilot_application_product"
    __table_args__ = (sa.UniqueConstraint("application_id", "product_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="pilot_application.id", index=True)
    product_id: int = Field(foreign_key="product.id")


class PilotApplicationStep(SQLModel, table=True):
    """Who moved an application, when, from what to what, and why. Rows are only ever added."""
    __tablename__ = "pilot_application_step"
    id: Optional[int] = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="pilot_application.id", index=True)
    action: str = Field(max_length=12)  # submit | recommend | review | approve | return
    from_status: str = Field(max_length=12)
    to_status: str = Field(max_length=12)
    level: Optional[str] = Field(default=None, max_length=10)  # the acting authority's level
    user_id: int = Field(foreign_key="app_user.id")
    org_id: int = Field(foreign_key="organisation.id")
    reason: Optional[str] = Field(default=None, max_length=1000)
    at: dt.datetime = stamp_field()


class ClusterAssessment(SQLModel, table=True):
    """评估: the province's yearly assessment of a pilot, one a year. ``figures_json`` lists each
    figure with its value, where it came from (held by the service or entered), its target and
    whether it was met. A failed assessment cancels the pilot."""
    __tablename__ = "cluster_assessment"
    __table_args__ = (sa.UniqueConstraint("cluster_id", "year"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)
    year: int
    as_of: dt.date
    figures_json: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    passed: bool
    note: Optional[str] = Field(default=None, max_length=1000)
    assessed_by: int = Field(foreign_key="app_user.id")
    assessed_org_id: int = Field(foreign_key="organisation.id")
    assessed_at: dt.datetime = stamp_field()
