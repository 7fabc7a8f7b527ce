"""A talent claim writes its claim, its lines and its reservation journal in one transaction: a
ledger that fails on the journal leaves the database exactly as before, and the claim then goes
through."""
from __future__ import annotations

from parties.actors import Actor
from talent import claiming
from tests.claims.test_fault_injection import _assert_atomic, broken_ledger  # noqa: F401  (fixture)


def test_a_talent_claim_is_all_or_nothing(db, desk, pilot, talent_scheme, uow_factory, broken_ledger):  # noqa: F811
    tid = desk.qualified("南海陶瓷", "张三", "高级")
    enterprise = pilot.enterprises["南海陶瓷"]
    actor = Actor(pilot.world.user("enterprise", enterprise)[0], enterprise.id)

    def step():
        with uow_factory() as u:
            claiming.submit(u, actor=actor, scheme_id=talent_scheme["id"], trainee_ids=[tid])
    _assert_atomic(db, broken_ledger, step)
    assert pilot.budget(talent_scheme["id"])["reserved"] == "3000.00" and pilot.verify()["ok"]
    assert desk.trainee("张三")["claim_id"] is not None
