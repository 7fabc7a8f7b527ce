"""Cluster pilots (产业集群试点) and their members."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, stamp_field


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
