"""The shared claim cycle tested with no voucher code at all: a fake kind records its calls
(cosmicpython's FakeUnitOfWork idea, applied to claim kinds)."""
from __future__ import annotations

import datetime as dt

import pytest

from claims import kinds
from claims import service as claims
from kernel import clock
from kernel.errors import DomainError
from ledger import service as ledger
from parties.actors import Actor
from schemes import budget
from schemes import service as schemes


class FakeKind(kinds.ClaimKind):
    code = "fake"

    def __init__(self):
        self.calls: list[tuple[str, int]] = []

    def on_approved(self, uow, claim, *, on):
        self.calls.append(("approved", claim.id))

    def on_objected(self, uow, claim, *, on):
        self.calls.append(("objected", claim.id))

    def on_lapsed(self, uow, claim, *, on):
        self.calls.append(("lapsed", claim.id))

    def details(self, session, rows):
        return {c.id: {"fake_subject": f"subject of {c.id}"} for c in rows}


@pytest.fixture
def fake():
    kind = FakeKind()
    kinds.register(kind)
    yield kind
    kinds._KINDS.pop("fake", None)


@pytest.fixture
def cycle(uow_factory, world, frozen_clock, fake):
    """A talent-like scheme of 10,000.00 and a claim of 3,000.00 holding 4,000.00 of it."""
    frozen_clock("2026-03-02T10:00:00+08:00")  # a Monday
    authority = world.org("authority", city="广州")
    enterprise = world.org("enterprise", city="佛山")
    admin = world.user("admin")[0]
    reviewer = Actor(world.user("reviewer", authority)[0], authority.id, authority.city, True)
    submitter = world.user("enterprise", enterprise)[0]
    with uow_factory() as u:
        scheme = schemes.create(u, actor_id=admin, kind="talent", name="人才券", year=2026, budget_fen=10_000_00,
                                apply_from=dt.date(2026, 1, 1), apply_to=dt.date(2026, 12, 31),
                                redeem_from=dt.date(2026, 1, 1), redeem_to=dt.date(2026, 3, 31))

    def open_claim(u):
        locked = schemes.lock(u, scheme.id)
        held = budget.reserve(u, scheme_id=scheme.id, amount=4_000_00, key="fake:1", ref="fake:1",
                              on=clock.today(), memo="fake")
        claim = claims.open_claim(u, kind="fake", scheme=locked, enterprise_id=enterprise.id, provider_id=None,
                                  payee_org_id=enterprise.id, city=enterprise.city, final_amount=3_000_00,
                                  breakdown={"why": "a fake"}, settings_version=1, submitted_by=submitter,
                                  reservation_id=held, lapses_on=dt.date(2026, 3, 31), evidence_ids=None)
        u.commit()
        return claim
    claim = uow_factory.run(open_claim)
    return uow_factory, scheme, claim, reviewer


def parts(uow_factory, scheme_id) -> tuple[int, int, int]:
    with uow_factory.reader() as s:
        b = budget.read(s, scheme_id)
        assert ledger.verify(s).ok
    return b.available, b.reserved, b.payable


def test_approving_a_claim_of_any_kind_makes_it_payable_frees_the_rest_and_tells_its_kind(cycle, fake):
    uowf, scheme, claim, reviewer = cycle
    assert parts(uowf, scheme.id) == (6_000_00, 4_000_00, 0)
    approved = uowf.run(lambda u: claims.approve(u, actor=reviewer, claim_id=claim.id))
    assert approved.status == "publicity" and approved.publicity_ends_on == dt.date(2026, 3, 9)
    assert parts(uowf, scheme.id) == (7_000_00, 0, 3_000_00)
    assert fake.calls == [("approved", claim.id)]


def test_an_objection_holds_the_money_again_and_tells_its_kind(cycle, fake):
    uowf, scheme, claim, reviewer = cycle
    uowf.run(lambda u: claims.approve(u, actor=reviewer, claim_id=claim.id))
    objected = uowf.run(lambda u: claims.object_to(u, actor=reviewer, claim_id=claim.id, reason="举报"))
    assert objected.status == "submitted" and objected.objections == 1
    assert parts(uowf, scheme.id) == (7_000_00, 3_000_00, 0)
    again = uowf.run(lambda u: claims.approve(u, actor=reviewer, claim_id=claim.id))
    assert again.status == "publicity" and parts(uowf, scheme.id) == (7_000_00, 0, 3_000_00)
    assert fake.calls == [("approved", claim.id), ("objected", claim.id), ("approved", claim.id)]


def test_a_returned_claim_lapses_with_its_window_frees_its_money_and_tells_its_kind(cycle, fake, frozen_clock):
    uowf, scheme, claim, reviewer = cycle
    uowf.run(lambda u: claims.return_for_rework(u, actor=reviewer, claim_id=claim.id, reason="补材料"))
    frozen_clock("2026-04-01T09:00:00+08:00")
    with uowf.reader() as s:
        stored = claims.get(s, claim.id)
        assert stored.status == "returned" and claims.effective_status(stored, clock.today()) == "lapsed"
    uowf.run(lambda u: schemes.settle(u, scheme_id=scheme.id))
    with uowf.reader() as s:
        assert claims.get(s, claim.id).status == "lapsed"
    assert parts(uowf, scheme.id) == (10_000_00, 0, 0)
    assert fake.calls == [("lapsed", claim.id)]


def test_a_hook_that_fails_fails_the_whole_approval(cycle, fake, monkeypatch):
    uowf, scheme, claim, reviewer = cycle

    def refuse(uow, claim, *, on):
        raise DomainError("the kind refuses", code="KIND_REFUSES")
    monkeypatch.setattr(fake, "on_approved", refuse)
    with pytest.raises(DomainError) as exc:
        uowf.run(lambda u: claims.approve(u, actor=reviewer, claim_id=claim.id))
    assert exc.value.code == "KIND_REFUSES"
    with uowf.reader() as s:
        assert claims.get(s, claim.id).status == "submitted"
    assert parts(uowf, scheme.id) == (6_000_00, 4_000_00, 0)


def test_the_submitter_never_approves_a_claim_of_any_kind(cycle, fake):
    uowf, scheme, claim, _ = cycle
    submitter = Actor(claim.submitted_by, claim.enterprise_id, "佛山", True)
    with pytest.raises(DomainError) as exc:
        uowf.run(lambda u: claims.approve(u, actor=submitter, claim_id=claim.id))
    assert exc.value.code == "SELF_APPROVAL" and fake.calls == []


def test_a_kind_shows_its_own_fields_beside_the_shared_ones(cycle):
    uowf, _, claim, _ = cycle
    with uowf.reader() as s:
        assert claims.details(s, [claims.get(s, claim.id)]) == {claim.id: {"fake_subject": f"subject of {claim.id}"}}


def test_a_claim_of_a_kind_nobody_registered_is_refused_before_anything_is_written(cycle):
    uowf, scheme, _, _ = cycle

    def open_unknown(u):
        locked = schemes.lock(u, scheme.id)
        return claims.open_claim(u, kind="nobody", scheme=locked, enterprise_id=1, provider_id=None,
                                 payee_org_id=1, city="佛山", final_amount=1, breakdown={}, settings_version=1,
                                 submitted_by=1, reservation_id=None, lapses_on=None, evidence_ids=None)
    with pytest.raises(kinds.UnknownClaimKind):
        uowf.run(open_unknown)
