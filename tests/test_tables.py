"""Shared table helpers (``adapters.tables``) that reach the database."""
from __future__ import annotations

import sqlalchemy as sa

from adapters.tables import rare


def test_a_rare_condition_keeps_its_own_values_from_one_call_to_the_next(engine):
    """``rare`` is compiled once and cached: every call must still bring its own parameters."""
    def rows(limit: int) -> int:
        q = sa.select(sa.literal(1, sa.Integer)).where(rare(sa.literal(5, sa.Integer) < limit))
        with engine.connect() as c:
            return len(c.execute(q).all())
    assert [rows(10), rows(1), rows(6), rows(5)] == [1, 0, 1, 0]
