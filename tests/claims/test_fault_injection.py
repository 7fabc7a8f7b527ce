"""A failure between a state change and its journal leaves both unchanged.

Every money-moving step changes its rows first and then posts its journal. We break the ledger's
one write path (``post_batch``) in two ways: it raises instead of writing (the state change is
flushed, the journal never written), or it writes and then raises (both written, not committed).
Either way the whole database must be exactly as before, and the step must then succeed.
"""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from claims import service as claims
from ledger import service as ledger_service
from parties.actors import Actor
from payouts import batches as payouts
from payouts import reconciliation
from tests.support.pilot import statement
from yunquan.schema import metadata

SKIP_TABLES = {"idempotent_request", "api_token"}


class Injected(RuntimeError):
    pass


def snapshot(engine) -> dict[str, list[tuple]]:
    with engine.connect() as c:
        return {t.name: sorted(map(tuple, c.execute(sa.select(t)).all()), key=repr)
                for t in metadata().sorted_tables if t.name not in SKIP_TABLES}


@pytest.fixture(params=["instead_of_the_journal", "after_the_journal"])
def broken_ledger(request, monkeypatch):
    real = ledger_service.post_batch

    def fail(uow, specs):
        if request.param == "after_the_journal":
            real(uow, specs)
            uow.session.flush()
        raise Injected(request.param)

    def install():
        monkeypatch.setattr(ledger_service, "post_batch", fail)

    def remove():
        monkeypatch.setattr(ledger_service, "post_batch", real)
    return install, remove


def _reviewer(pilot) -> Actor:
    uid = pilot.world.user("reviewer", pilot.authority)[0]
    return Actor(user_id=uid, org_id=pilot.authority.id, org_city=pilot.authority.city, is_staff=True)


def _assert_atomic(db, broken_ledger, step):
    install, remove = broken_ledger
    before = snapshot(db)
    install()
    with pytest.raises(Injected):
        step()
    remove()
    assert snapshot(db) == before
    step()
    assert snapshot(db) != before


@pytest.fixture
def submitted(pilot, scheme, voucher):
    return pilot.claim("南海陶瓷", voucher["id"], "190000.00").json["id"]


def test_claim_approval_is_all_or_nothing(db, pilot, uow_factory, submitted, broken_ledger):
    actor = _reviewer(pilot)

    def step():
        with uow_factory() as u:
            claims.approve(u, actor=actor, claim_id=submitted)
    _assert_atomic(db, broken_ledger, step)
    assert pilot.get_claim(submitted)["status"] == "publicity" and pilot.verify()["ok"]


def test_an_objection_is_all_or_nothing(db, pilot, uow_factory, submitted, broken_ledger):
    actor = _reviewer(pilot)
    with uow_factory() as u:
        claims.approve(u, actor=actor, claim_id=submitted)

    def step():
        with uow_factory() as u:
            claims.object_to(u, actor=actor, claim_id=submitted, reason="举报")
    _assert_atomic(db, broken_ledger, step)
    assert pilot.get_claim(submitted)["status"] == "submitted" and pilot.verify()["ok"]


def test_batch_approval_is_all_or_nothing(db, pilot, scheme, payable, uow_factory, broken_ledger):
    batch = pilot.build_batch(scheme["id"]).json
    checker = pilot.world.user("finance_checker", pilot.authority)[0]

    def step():
        with uow_factory() as u:
            payouts.approve(u, actor_id=checker, batch_id=batch["id"])
    _assert_atomic(db, broken_ledger, step)
    assert pilot.budget(scheme["id"])["in_transit"] == "156750.00" and pilot.verify()["ok"]


def _import(uow_factory, text: str):
    def step():
        with uow_factory() as u:
            reconciliation.import_statement(u, actor_id=1, filename="s.csv", stream=io.BytesIO(text.encode()))
    return step


def test_a_matched_statement_is_all_or_nothing(db, pilot, scheme, sent, uow_factory, broken_ledger):
    text = statement(*((f"T{i}", "2026-03-02", x["reference"], x["payee_account"], x["amount"])
                       for i, x in enumerate(sent["lines"])))
    _assert_atomic(db, broken_ledger, _import(uow_factory, text))
    assert pilot.budget(scheme["id"])["disbursed"] == "156750.00" and pilot.verify()["ok"]


def test_a_returned_payment_is_all_or_nothing(db, pilot, scheme, sent, uow_factory, broken_ledger):
    a = sent["lines"][0]
    _import(uow_factory, statement(("T1", "2026-03-02", a["reference"], a["payee_account"], a["amount"])))()
    text = statement(("R1", "2026-03-02", a["reference"], a["payee_account"], "-" + a["amount"]))
    _assert_atomic(db, broken_ledger, _import(uow_factory, text))
    assert pilot.budget(scheme["id"])["payable"] == "52250.00" and pilot.verify()["ok"]
