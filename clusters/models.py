"""Cluster pilots (产业集群试点) and their members."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from adapters.tables import Field, SQLModel, stamp_field


class Cluster(SQLModel, table=True):
    """产业集群试点: one starting area, a lead unit and its alliance (产业联合体)."""
    __tablename__ = "cluster"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    industry: str = Field(max_length=100)
    starting_area: str = Field(max_length=100)
    city: str = Field(max_length=20)
    lead_org_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    created_at: dt.datetime = stamp_field()


class ClusterMember(SQLModel, table=True):
    __tablename__ = "cluster_member"
    __table_args__ = (sa.UniqueConstraint("cluster_id", "org_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id")
    org_id: int = Field(foreign_key="organisation.id", index=True)
    role: str = Field(max_length=20)  # partner (alliance member) | enterprise
