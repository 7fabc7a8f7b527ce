"""The claim table's partial index is one the planners can use for the queries written for it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from claims import service
from claims.models import Claim

C = Claim.__table__


def _plan(db, query) -> str:
    """The plan of ``query`` as the application sends it: its values as parameters."""
    compiled = query.compile(db)
    with db.connect() as c:
        if db.dialect.name == "postgresql":
            c.exec_driver_sql("SET enable_seqscan = off")  # an empty table: ask whether the index can serve
            return "\n".join(c.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars())
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        return "\n".join(str(r[-1]) for r in c.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params))


def test_claims_whose_publicity_ends_are_found_through_the_index_of_claims_in_publicity(db):
    plan = _plan(db, sa.select(C.c.id).where(service.IN_PUBLICITY, C.c.payable_from <= dt.date(2026, 3, 2)))
    assert "ix_claim_payable_from" in plan, plan


def test_a_claim_leaving_publicity_leaves_the_index(db):
    """Only claims in publicity are in it: a paid or returned claim's update writes no entry there."""
    with db.connect() as c:
        if db.dialect.name == "postgresql":
            where = c.exec_driver_sql("SELECT pg_get_expr(indpred, indrelid) FROM pg_index "
                                      "WHERE indexrelid = 'ix_claim_payable_from'::regclass").scalar_one()
        else:
            where = c.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ix_claim_payable_from'").scalar_one()
    assert "status" in where and "'publicity'" in where, where
