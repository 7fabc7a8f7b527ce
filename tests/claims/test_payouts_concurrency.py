"""Finance staff acting at the same moment: nothing is paid twice, nothing is lost.

On PostgreSQL the calls really run in parallel on their own connections; on SQLite they serialise
on BEGIN IMMEDIATE. The outcome must be the same.
"""
from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from claims.models import Claim
from kernel.errors import DomainError
from ledger import service as ledger
from payouts import batches as payouts
from payouts import reconciliation
from payouts.models import PayoutLine
from schemes import budget
from tests.support.pilot import statement
from yunquan.db import UowFactory, make_engine

THREADS = 6


@pytest.fixture
def factory(db):
    if db.dialect.name == "postgresql":
        engine = make_engine(db.url.render_as_string(hide_password=False), pool_size=THREADS, max_overflow=0)
        yield UowFactory(engine)
        engine.dispose()
    else:
        yield UowFactory(db)


def _all(fn):
    def attempt(i):
        try:
            return fn(i)
        except DomainError as exc:
            return exc.code
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(attempt, range(THREADS)))


def test_makers_building_at_once_put_each_claim_in_exactly_one_batch(pilot, scheme, payable, factory, world):
    makers = [world.user("finance_maker", pilot.authority)[0] for _ in range(THREADS)]
    got = _all(lambda i: factory.run(lambda u: payouts.build(u, actor_id=makers[i], scheme_id=scheme["id"])).id)
    assert sorted(map(str, got)).count("NOTHING_TO_PAY") == THREADS - 1
    with factory.reader() as s:
        per_claim = s.execute(sa.select(PayoutLine.claim_id, sa.func.count()).group_by(PayoutLine.claim_id)).all()
    assert sorted(per_claim) == [(c, 1) for c in sorted(payable)]


def test_checkers_approving_at_once_move_the_money_once(pilot, scheme, payable, factory, world):
    batch = pilot.build_batch(scheme["id"]).json
    checkers = [world.user("finance_checker", pilot.authority)[0] for _ in range(THREADS)]
    got = _all(lambda i: factory.run(lambda u: payouts.approve(u, actor_id=checkers[i], batch_id=batch["id"])).status)
    assert sorted(got) == ["BATCH_NOT_DRAFT"] * (THREADS - 1) + ["approved"]
    with factory.reader() as s:
        assert budget.read(s, scheme["id"]).in_transit == 3 * 5_225_000 and ledger.verify(s).ok


def test_the_same_statement_imported_at_once_pays_each_claim_once(pilot, scheme, payable, sent, factory):
    text = statement(*((f"T{i}", "2026-03-02", x["reference"], x["payee_account"], x["amount"])
                       for i, x in enumerate(sent["lines"])), ("T9", "2026-03-02", "NOPE", "1", "1.00"))

    def run(_):
        result = factory.run(lambda u: reconciliation.import_statement(
            u, actor_id=1, filename="s.csv", stream=io.BytesIO(text.encode())))
        return result.counts["matched"], result.counts["duplicate"]
    got = _all(run)
    assert sorted(got) == [(0, 4)] * (THREADS - 1) + [(3, 0)]
    with factory.reader() as s:
        assert budget.read(s, scheme["id"]).disbursed == 3 * 5_225_000 and ledger.verify(s).ok
        assert set(s.execute(sa.select(Claim.status)).scalars()) == {"paid"}


def test_reviewers_approving_one_claim_at_once_consume_its_reservation_once(pilot, scheme, voucher, factory, world):
    from claims import service as claims
    from parties.actors import Actor
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    reviewers = [Actor(world.user("reviewer", pilot.authority)[0], pilot.authority.id, "广州", True)
                 for _ in range(THREADS)]
    got = _all(lambda i: factory.run(lambda u: claims.approve(u, actor=reviewers[i], claim_id=claim["id"])).status)
    assert sorted(got) == ["INVALID_STATE"] * (THREADS - 1) + ["publicity"]
    with factory.reader() as s:
        b = budget.read(s, scheme["id"])
        assert (b.payable, b.reserved, b.available) == (5_225_000, 0, 100_000_000 - 5_225_000) and ledger.verify(s).ok
