"""Whatever happens to applications, the budget's parts add up and no part goes negative."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import products
from kernel.errors import DomainError
from ledger import service as ledger
from schemes import budget
from schemes import service as schemes
from tests.conftest import _wipe
from vouchers import applications, contracts

step = st.one_of(
    st.tuples(st.just("apply"), st.integers(1, 40)),       # quantity of 1,000.00 gateways at 300.00 each
    st.tuples(st.just("reject"), st.integers(0, 30)),
    st.tuples(st.just("approve"), st.integers(0, 30)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=14), budget_units=st.integers(1, 60))
def test_budget_parts_always_add_up(uow_factory, world, frozen_clock, steps, budget_units):
    _wipe(uow_factory.engine)
    frozen_clock("2026-03-02T10:00:00+08:00")
    provider = world.org("provider")
    authority = world.org("authority")
    p_user, _ = world.user("provider", provider)
    r_user, _ = world.user("reviewer", authority)
    a_user, _ = world.user("admin")
    with uow_factory() as u:
        pid = products.register(u, actor=products.Actor(p_user, provider.id), name="网关", item_kind="cpe_gateway",
                                unit="台", unit_price=Decimal("1000.00"), scenario="s", modules=["m"],
                                expected_effect="e", standard={"kind": "per_unit", "amount": "300.00"},
                                valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31)).id
    with uow_factory() as u:
        products.submit(u, actor=products.Actor(p_user, provider.id), product_id=pid)
    with uow_factory() as u:
        products.approve(u, actor=products.Actor(r_user, authority.id, staff=True), product_id=pid)
    with uow_factory() as u:
        scheme = schemes.create(u, actor_id=a_user, kind="cloud", name="p", year=2026, budget_fen=budget_units * 300_00,
                                apply_from=dt.date(2026, 1, 1), apply_to=dt.date(2026, 6, 30),
                                redeem_from=dt.date(2026, 1, 1), redeem_to=dt.date(2026, 12, 31))
    reviewer = applications.Actor(user_id=r_user, org_id=authority.id, org_city=authority.city, is_staff=True)
    vouchers: list[int] = []
    for op, n in steps:
        try:
            if op == "apply":
                ent = world.org("enterprise")
                e_user, _ = world.user("enterprise", ent)
                with uow_factory() as u:
                    c, _ = contracts.record(u, actor_id=p_user, provider_id=provider.id, enterprise_id=ent.id,
                                            signed_on=dt.date(2026, 2, 1),
                                            lines=[{"product_id": pid, "quantity": Decimal(n), "unit_price": 1000_00}],
                                            separate=True)
                with uow_factory() as u:
                    vouchers.append(applications.apply(u, actor=applications.Actor(e_user, ent.id),
                                                       scheme_id=scheme.id, contract_id=c.id).id)
            elif vouchers:
                vid = vouchers[n % len(vouchers)]
                with uow_factory() as u:
                    if op == "reject":
                        applications.reject(u, actor=reviewer, voucher_id=vid, reason="r")
                    else:
                        applications.approve(u, actor=reviewer, voucher_id=vid)
        except DomainError as exc:
            assert exc.code in ("INVALID_STATE",), exc.code
        with uow_factory() as u:
            b = budget.read(u.session, scheme.id)
            parts = (b.available, b.reserved, b.payable, b.in_transit, b.disbursed)
            assert sum(parts) == b.total == budget_units * 300_00
            assert min(parts) >= 0
            held = sum(applications.get(u.session, v).face_value for v in vouchers
                       if applications.get(u.session, v).status in ("reserved", "issued"))
            assert held == b.reserved
    with uow_factory() as u:
        assert ledger.verify(u.session).ok
