"""Pilots registered at once for one lead: the lead's row lock counts them one after the other.

On PostgreSQL the registrations really run in parallel (10 connections) and serialise on the lead
organisation's row; on SQLite BEGIN IMMEDIATE serialises them. Either way the limit holds."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from clusters import service as clusters
from clusters.errors import LeadLimitExceeded
from clusters.models import Cluster
from yunquan.db import UowFactory, make_engine

ATTEMPTS = 10


def _race(db, lead_id: int, year: int = 2026) -> list[str]:
    url = db.url.render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=ATTEMPTS, max_overflow=0) if db.dialect.name == "postgresql" else db
    factory = UowFactory(engine)

    def register(i: int) -> str:
        try:
            factory.run(lambda u: clusters.create(u, name=f"试点{i}", industry="纺织", starting_area=f"镇{i}",
                                                  city="佛山", lead_org_id=lead_id, year=year))
            return "created"
        except LeadLimitExceeded:
            return "refused"
    try:
        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            return list(pool.map(register, range(ATTEMPTS)))
    finally:
        if engine is not db:
            engine.dispose()


@pytest.mark.parametrize("provider_class, limit", [("other", 1), ("operator", 1), ("national_platform", 3)])
def test_ten_pilots_registered_at_once_for_one_lead_stop_at_its_limit(db, world, provider_class, limit):
    lead = world.org("provider", provider_class=provider_class)
    outcomes = _race(db, lead.id)
    assert outcomes.count("created") == limit and outcomes.count("refused") == ATTEMPTS - limit
    with db.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(Cluster.__table__)
                         .where(Cluster.lead_org_id == lead.id)).scalar() == limit
