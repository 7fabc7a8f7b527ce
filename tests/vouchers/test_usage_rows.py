"""The usage rows (what each enterprise, provider and city holds under a scheme) always equal a
recomputation from the vouchers, whatever happens to them: applications, waitlists, promotions,
rejections, issues, claims approved for less, objections, returns, lapses, settings changes and
expiry. And the waitlist, paged, promotes exactly the vouchers the whole queue would."""
from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from catalog import products
from claims import evidence
from claims import service as claims
from claims.models import Claim
from kernel.errors import DomainError
from ledger import service as ledger
from parties.actors import Actor
from schemes import budget
from schemes import service as schemes
from tests.conftest import _wipe
from tests.support.pilot import JPEG, PDF, PNG
from vouchers import applications, contracts, redemption, usage, waitlist
from vouchers.models import Voucher

_bodies = itertools.count()

step = st.one_of(
    st.tuples(st.just("apply"), st.integers(0, 5), st.integers(1, 30)),  # enterprise, quantity of gateways
    st.tuples(st.just("apply"), st.integers(0, 5), st.integers(1, 10)),
    st.tuples(st.just("reject"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("approve"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("claim"), st.integers(0, 30), st.integers(90, 100)),  # paid share of the contract, %
    st.tuples(st.just("approve_claim"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("object"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("return"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("quota"), st.integers(0, 40), st.integers(0, 40)),  # city quota, enterprise cap (× 300.00)
)


def _setup(world, uow_factory, budget_units):
    providers = [world.org("provider", provider_class="other"), world.org("provider", provider_class="national_platform")]
    authority = world.org("authority")
    p_users = [world.user("provider", p)[0] for p in providers]
    r_user, _ = world.user("reviewer", authority)
    a_user, _ = world.user("admin")
    pids = []
    for provider, p_user in zip(providers, p_users):
        as_provider = products.Actor(p_user, provider.id)
        with uow_factory() as u:
            pids.append(products.register(u, actor=as_provider, name="网关", item_kind="cpe_gateway", unit="台",
                                          unit_price=Decimal("1000.00"), scenario="s", modules=["m"],
                                          expected_effect="e", standard={"kind": "per_unit", "amount": "300.00"},
                                          valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31)).id)
        with uow_factory() as u:
            products.submit(u, actor=as_provider, product_id=pids[-1])
        with uow_factory() as u:
            products.approve(u, actor=products.Actor(r_user, authority.id, staff=True), product_id=pids[-1])
    with uow_factory() as u:
        scheme = schemes.create(u, actor_id=a_user, kind="cloud", name="p", year=2026,
                                budget_fen=budget_units * 300_00, apply_from=dt.date(2026, 1, 1),
                                apply_to=dt.date(2026, 6, 30), redeem_from=dt.date(2026, 1, 1),
                                redeem_to=dt.date(2026, 8, 31),
                                settings={"enterprise_cap": "6000.00", "provider_quota_other": "12000.00",
                                          "provider_quota_major": "15000.00", "city_quotas": {"佛山": "7500.00"}})
    enterprises = []
    for i in range(6):
        ent = world.org("enterprise", city=("佛山", "东莞", "清远")[i % 3])
        enterprises.append((ent, world.user("enterprise", ent)[0]))
    reviewer = Actor(user_id=r_user, org_id=authority.id, org_city=authority.city, is_staff=True)
    return scheme, pids, providers, p_users, enterprises, reviewer, a_user


def _evidence(uow_factory, user_id, org_id, directory) -> list[int]:
    ids = []
    for kind, head in (("invoice", PDF), ("payment_proof", PNG), ("acceptance_report", JPEG)):
        with uow_factory() as u:
            ids.append(evidence.store(u, uploader=evidence.Uploader(user_id, org_id), kind=kind, filename="f",
                                      stream=io.BytesIO(head + next(_bodies).to_bytes(8, "big")),
                                      directory=directory, max_bytes=10_000).id)
    return ids


# What each step applies to: a step picks among the objects it can act on, so sequences go deep
# (apply → issue → claim → approve → object → approve again) instead of being refused.
TARGETS = {"reject": (Voucher, ("reserved", "waitlisted")), "approve": (Voucher, ("reserved",)),
           "claim": (Voucher, ("issued",)), "approve_claim": (Claim, ("submitted",)),
           "object": (Claim, ("publicity",)), "return": (Claim, ("submitted",))}


def _target(uow_factory, op, index):
    model, statuses = TARGETS[op]
    with uow_factory() as u:
        rows = list(u.session.exec(select(model).where(model.status.in_(statuses)).order_by(model.id)))
    return rows[index % len(rows)] if rows else None


def _check(uow_factory, scheme_id):
    with uow_factory() as u:
        assert usage.stored(u.session, scheme_id) == usage.recompute(u.session, scheme_id)
        b = budget.read(u.session, scheme_id)
        assert sum((b.available, b.reserved, b.payable, b.in_transit, b.disbursed)) == b.total


@settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=10, max_size=24), budget_units=st.integers(5, 80))
def test_usage_rows_always_equal_a_recomputation_from_the_vouchers(uow_factory, world, frozen_clock, tmp_path,
                                                                    steps, budget_units):
    _wipe(uow_factory.engine)
    frozen_clock("2026-03-02T10:00:00+08:00")
    scheme, pids, providers, p_users, enterprises, reviewer, admin = _setup(world, uow_factory, budget_units)
    users = {ent.id: e_user for ent, e_user in enterprises}
    amounts: dict[int, int] = {}
    for n, (op, a, b) in enumerate(steps):
        try:
            if op == "apply":
                ent, e_user = enterprises[a]
                k = n % 2
                with uow_factory() as u:
                    c, _ = contracts.record(u, actor_id=p_users[k], provider_id=providers[k].id, enterprise_id=ent.id,
                                            signed_on=dt.date(2026, 2, 1),
                                            lines=[{"product_id": pids[k], "quantity": Decimal(b), "unit_price": 1000_00}], separate=True)
                with uow_factory() as u:
                    v = applications.apply(u, actor=Actor(e_user, ent.id), scheme_id=scheme.id, contract_id=c.id)
                amounts[c.id] = c.amount
            elif op == "quota":
                with uow_factory() as u:
                    schemes.change_settings(u, actor_id=admin, scheme_id=scheme.id, changes={
                        "city_quotas": {"佛山": f"{a * 300}.00"}, "enterprise_cap": f"{b * 300}.00"})
            else:
                target = _target(uow_factory, op, a)
                if target is None:
                    continue
                with uow_factory() as u:
                    if op == "reject":
                        applications.reject(u, actor=reviewer, voucher_id=target.id, reason="r")
                    elif op == "approve":
                        applications.approve(u, actor=reviewer, voucher_id=target.id)
                    elif op == "claim":
                        e_user, amount = users[target.enterprise_id], amounts[target.contract_id]
                        redemption.submit(u, actor=Actor(e_user, target.enterprise_id), voucher_id=target.id,
                                          invoice_amount=amount, paid_amount=amount * b // 100,
                                          evidence_ids=_evidence(uow_factory, e_user, target.enterprise_id, tmp_path))
                    elif op == "approve_claim":
                        claims.approve(u, actor=reviewer, claim_id=target.id)
                    elif op == "object":
                        claims.object_to(u, actor=reviewer, claim_id=target.id, reason="异议")
                    else:
                        claims.return_for_rework(u, actor=reviewer, claim_id=target.id, reason="补充")
            event(f"{op}: done")
        except DomainError as exc:
            event(f"{op}: {exc.code}")
            assert exc.code in ("INVALID_STATE", "CLAIM_EXISTS", "CLAIM_UNDERPAID", "CAP_EXHAUSTED",
                                "NOTHING_TO_CLAIM"), exc.code
        _check(uow_factory, scheme.id)
    frozen_clock("2026-09-02T10:00:00+08:00")  # past the redemption window: expiries and lapses
    with uow_factory() as u:
        schemes.settle(u, scheme_id=scheme.id)
    _check(uow_factory, scheme.id)
    with uow_factory() as u:
        assert ledger.verify(u.session).ok


def test_usage_rows_follow_vouchers_reserved_issued_and_rejected(uow_factory, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    scheme, pids, providers, p_users, enterprises, reviewer, _ = _setup(world, uow_factory, 100)
    ent, e_user = enterprises[0]
    ids = []
    for quantity in (10, 4):
        with uow_factory() as u:
            c, _ = contracts.record(u, actor_id=p_users[0], provider_id=providers[0].id, enterprise_id=ent.id,
                                    signed_on=dt.date(2026, 2, 1),
                                    lines=[{"product_id": pids[0], "quantity": Decimal(quantity), "unit_price": 1000_00}], separate=True)
        with uow_factory() as u:
            ids.append(applications.apply(u, actor=Actor(e_user, ent.id), scheme_id=scheme.id, contract_id=c.id).id)
    with uow_factory() as u:  # the second is cut to the enterprise cap (6,000.00): 3,000.00 + 1,200.00
        assert usage.used(u.session, scheme.id, enterprise_id=ent.id, provider_id=providers[0].id,
                          city=ent.city) == {"enterprise": 4200_00, "provider": 4200_00, "city": 4200_00}
    with uow_factory() as u:
        applications.approve(u, actor=reviewer, voucher_id=ids[0])
    with uow_factory() as u:
        applications.reject(u, actor=reviewer, voucher_id=ids[1], reason="r")
    with uow_factory() as u:
        assert usage.city_used(u.session, scheme.id, ent.city) == 3000_00
        assert usage.stored(u.session, scheme.id) == usage.recompute(u.session, scheme.id) != {}


def _whole_queue_promotion(uow_factory, scheme_id, monkeypatch, page_size):
    monkeypatch.setattr(waitlist, "PAGE", page_size)
    with uow_factory() as u:
        scheme = schemes.lock(u, scheme_id)
        promoted = waitlist.promote(u, scheme, schemes.settings_of(u.session, scheme), dt.date(2026, 3, 2))
        out = [v.id for v in promoted]
        statuses = dict(u.session.exec(select(Voucher.id, Voucher.status).where(Voucher.scheme_id == scheme_id)).all())
        u.rollback()
    return out, statuses


def test_the_paged_waitlist_promotes_exactly_what_one_pass_over_the_whole_queue_would(uow_factory, world,
                                                                                        frozen_clock, monkeypatch):
    """Vouchers of a city over its quota are skipped, later ones of other cities go through, and the
    queue stops at the first the budget cannot cover: the same whatever the page size."""
    frozen_clock("2026-03-02T10:00:00+08:00")
    scheme, pids, providers, p_users, enterprises, reviewer, admin = _setup(world, uow_factory, 30)
    with uow_factory() as u:  # no city quota for 佛山 yet beyond 7,500.00; enterprises capped at 6,000.00
        schemes.change_settings(u, actor_id=admin, scheme_id=scheme.id,
                                changes={"enterprise_cap": "9000.00", "city_quotas": {"佛山": "3000.00"}})
    applied = []
    for i, quantity in enumerate([10, 5, 4, 6, 3, 2, 7, 1, 4, 2, 3, 5]):
        ent, e_user = enterprises[i % 6]
        k = i % 2
        with uow_factory() as u:
            c, _ = contracts.record(u, actor_id=p_users[k], provider_id=providers[k].id, enterprise_id=ent.id,
                                    signed_on=dt.date(2026, 2, 1),
                                    lines=[{"product_id": pids[k], "quantity": Decimal(quantity), "unit_price": 1000_00}], separate=True)
        with uow_factory() as u:
            applied.append(applications.apply(u, actor=Actor(e_user, ent.id), scheme_id=scheme.id,
                                              contract_id=c.id))
    with uow_factory() as u:
        waiting_before = len(u.session.exec(select(Voucher.id).where(Voucher.status == "waitlisted")).all())
    assert waiting_before >= 4  # several pages at page sizes 1, 2 and 3
    reserved = [v for v in applied if v.status == "reserved"]
    with uow_factory() as u:  # free money: reject the first reserved voucher, keep the promotion uncommitted
        scheme_row = schemes.lock(u, scheme.id)
        voucher = applications.get(u.session, reserved[0].id, lock=True)
        budget.release(u, scheme_id=scheme.id, reservation_id=voucher.reservation_id,
                       key=f"voucher:{voucher.id}:release", ref=f"voucher:{voucher.id}", on=dt.date(2026, 3, 2),
                       memo="test")
        voucher.status = "rejected"
        u.session.add(voucher)
        u.session.flush()
        schemes.add_settings_version(u, actor_id=admin, scheme=scheme_row,
                                     changes={"city_quotas": {"佛山": "6000.00"}})
        u.commit()
    results = {size: _whole_queue_promotion(uow_factory, scheme.id, monkeypatch, size) for size in (1, 2, 3, 1000)}
    promoted, statuses = results[1000]
    assert promoted, "freed money and a raised quota promote somebody"
    assert any(s == "waitlisted" for s in statuses.values()), "and somebody still waits"
    for size, result in results.items():
        assert result == (promoted, statuses), f"page size {size}"
