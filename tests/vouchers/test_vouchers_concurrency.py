"""200 enterprises apply at once for a budget that covers 50 of them.

On PostgreSQL the applications really run in parallel (20 connections); they serialise on the
scheme row lock. On SQLite they serialise on BEGIN IMMEDIATE. Either way: exactly the first 50 by
application time are reserved, the rest wait, and nothing is overspent.
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import sqlalchemy as sa

from catalog import products
from kernel.money import from_fen
from ledger import service as ledger
from schemes import budget
from schemes import service as schemes
from vouchers import applications, contracts
from vouchers.models import Voucher
from yunquan.db import UowFactory, make_engine

APPLICANTS, COVERED = 200, 50
FACE = 3_000_00  # 10 CPE gateways at 300.00 each: 3,000.00, under every cap


def test_two_hundred_concurrent_applications_reserve_exactly_the_first_fifty(db, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    uowf = UowFactory(db)
    provider = world.org("provider", city="广州")
    reviewer_org = world.org("authority", city="广州")
    provider_user, _ = world.user("provider", provider)
    reviewer_user, _ = world.user("reviewer", reviewer_org)
    admin_user, _ = world.user("admin")
    with uowf() as u:
        view = products.register(u, actor=products.Actor(provider_user, provider.id),
                                 name="工业级CPE网关", item_kind="cpe_gateway", unit="台", unit_price=Decimal("1000.00"),
                                 scenario="数据采集", modules=["采集"], expected_effect="联网",
                                 standard={"kind": "per_unit", "amount": "300.00"},
                                 valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31))
    with uowf() as u:
        products.submit(u, actor=products.Actor(provider_user, provider.id),
                        product_id=view.id)
    with uowf() as u:
        products.approve(u, actor=products.Actor(reviewer_user, reviewer_org.id, staff=True),
                         product_id=view.id)
    with uowf() as u:
        scheme = schemes.create(u, actor_id=admin_user, kind="cloud", name="并发", year=2026,
                                budget_fen=COVERED * FACE, apply_from=dt.date(2026, 1, 1),
                                apply_to=dt.date(2026, 6, 30), redeem_from=dt.date(2026, 1, 1),
                                redeem_to=dt.date(2026, 12, 31), settings={"provider_quota_other": "9000000.00"})
    applicants = []
    for i in range(APPLICANTS):
        ent = world.org("enterprise", city="佛山", name=f"企业{i}")
        user, _ = world.user("enterprise", ent)
        with uowf() as u:
            contract, _ = contracts.record(u, actor_id=provider_user, provider_id=provider.id, enterprise_id=ent.id,
                                           signed_on=dt.date(2026, 2, 1),
                                           lines=[{"product_id": view.id, "quantity": Decimal(10),
                                                   "unit_price": 1000_00}])
        applicants.append((applications.Actor(user_id=user, org_id=ent.id), contract.id))

    url = db.url.render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=20, max_overflow=0) if db.dialect.name == "postgresql" else db
    factory = UowFactory(engine)

    def apply(args):
        actor, contract_id = args
        return factory.run(lambda u: applications.apply(u, actor=actor, scheme_id=scheme.id,
                                                        contract_id=contract_id)).status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(apply, applicants))

    assert statuses.count("reserved") == COVERED and statuses.count("waitlisted") == APPLICANTS - COVERED
    with db.connect() as c:
        ordered = c.execute(sa.select(Voucher.status, Voucher.face_value)
                            .where(Voucher.scheme_id == scheme.id)
                            .order_by(Voucher.applied_at, Voucher.id)).all()
    assert [s for s, _ in ordered] == ["reserved"] * COVERED + ["waitlisted"] * (APPLICANTS - COVERED)
    assert {v for _, v in ordered} == {FACE}
    with uowf() as u:
        b = budget.read(u.session, scheme.id)
        assert b.available == 0 and b.reserved == COVERED * FACE and b.total == COVERED * FACE
        assert ledger.verify(u.session).ok
    assert from_fen(FACE) == Decimal("3000.00")
    if engine is not db:
        engine.dispose()


def test_two_reviewers_racing_cannot_issue_a_rejected_voucher(db, world, frozen_clock, monkeypatch, client):
    """Reviewer B rejects while reviewer A's approval waits for the scheme lock: A must see B's
    rejection (row locks refresh what the session read before), not issue a voucher with no money."""
    import pytest
    if db.dialect.name != "postgresql":
        pytest.skip("on SQLite BEGIN IMMEDIATE serialises whole transactions; the race needs row locks")
    from kernel.errors import InvalidState
    from tests.support.pilot import WORKED_LINES, Pilot
    frozen_clock("2026-03-02T10:00:00+08:00")
    p = Pilot(client, world)
    p.worked_products()
    p.enterprise("南海陶瓷")
    s = p.scheme()
    v = p.apply("南海陶瓷", s["id"], p.contract("南海陶瓷", WORKED_LINES)["id"]).json
    authority = world.org("authority")
    a = applications.Actor(world.user("reviewer", authority)[0], authority.id, authority.city, True)
    b = applications.Actor(world.user("reviewer", authority)[0], authority.id, authority.city, True)
    uowf = UowFactory(db)
    real_get = schemes.get
    fired = []

    def get_while_the_other_reviewer_rejects(session, scheme_id, *, lock=False):
        if lock and not fired:
            fired.append(1)
            with uowf() as other:
                applications.reject(other, actor=b, voucher_id=v["id"], reason="重复申请")
        return real_get(session, scheme_id, lock=lock)
    monkeypatch.setattr(applications.schemes, "get", get_while_the_other_reviewer_rejects)
    with uowf() as u:
        import pytest as _pytest
        with _pytest.raises(InvalidState):
            applications.approve(u, actor=a, voucher_id=v["id"])
    monkeypatch.undo()
    assert p.ok("GET", f"/vouchers/{v['id']}", p.auditor)["status"] == "rejected"
    assert p.budget(s["id"])["reserved"] == "0.00" and p.verify()["ok"] is True
