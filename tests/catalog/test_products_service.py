"""The product service: pinning a version for a contract, maker-checker, versions, delisting."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from catalog import products
from catalog.errors import (
    InvalidProductState,
    ProductNotApproved,
    ProductNotFound,
    ProductNotValidOnDate,
    SelfApproval,
)
from catalog.rules import RatioStandard
from kernel.errors import ValidationError
from tests.catalog.conftest import saved


@pytest.fixture
def parties(world):
    provider = world.org("provider", name="中国移动通信集团广东有限公司")
    authority = world.org("authority")
    maker_id, _ = world.user("provider", provider)
    checker_id, _ = world.user("reviewer", authority)
    return (products.Actor(user_id=maker_id, org_id=provider.id),
            products.Actor(user_id=checker_id, org_id=authority.id, staff=True))


def register(uow_factory, maker, **overrides):
    fields = dict(name="边缘计算MEC服务器", item_kind="mec_server", unit="台", unit_price=150_000_00,
                  scenario="视觉质检", modules=["本地分流"], expected_effect="时延低于20ms",
                  standard={"kind": "ratio", "rate": "0.30", "cap": "40000.00"},
                  valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2027, 12, 31))
    fields.update(overrides)
    with uow_factory() as u:
        return products.register(u, actor=maker, **fields)


def run(uow_factory, fn, **kwargs):
    with uow_factory() as u:
        return fn(u, **kwargs)


def read(uow_factory, *, viewer, product_id):
    with uow_factory() as u:
        return products.get(u.session, viewer=viewer, product_id=product_id)


def approved(uow_factory, maker, checker, **overrides):
    p = register(uow_factory, maker, **overrides)
    run(uow_factory, products.submit, actor=maker, product_id=p.id)
    return run(uow_factory, products.approve, actor=checker, product_id=p.id)


def pin(uow_factory, product_id, on):
    with uow_factory() as u:
        return products.pin_for_contract(u.session, product_id=product_id, on_date=dt.date.fromisoformat(on))


def test_pinning_returns_the_approved_version_with_price_in_fen_and_the_standard(uow_factory, parties):
    maker, checker = parties
    p = approved(uow_factory, maker, checker)
    pinned = pin(uow_factory, p.id, "2026-03-02")
    assert pinned == products.PinnedProduct(
        product_id=p.id, version_id=p.version_id, version=1, provider_id=maker.org_id, name="边缘计算MEC服务器",
        item_kind="mec_server", unit="台", unit_price=150_000_00,
        standard=RatioStandard(rate=D("0.30"), cap=D("40000.00")))


def test_pinning_an_unknown_product_is_not_found(uow_factory, parties):
    with pytest.raises(ProductNotFound) as exc:
        pin(uow_factory, 999, "2026-03-02")
    assert (exc.value.status, exc.value.code) == (404, "NOT_FOUND")


def test_a_product_never_approved_cannot_be_pinned(uow_factory, parties):
    maker, _ = parties
    p = register(uow_factory, maker)
    run(uow_factory, products.submit, actor=maker, product_id=p.id)
    with pytest.raises(ProductNotApproved) as exc:
        pin(uow_factory, p.id, "2026-03-02")
    assert (exc.value.status, exc.value.code) == (409, "PRODUCT_NOT_APPROVED")


def test_a_date_outside_every_approved_window_cannot_be_pinned(uow_factory, parties):
    maker, checker = parties
    p = approved(uow_factory, maker, checker)
    assert pin(uow_factory, p.id, "2027-12-31").version == 1  # the last day still counts
    with pytest.raises(ProductNotValidOnDate) as exc:
        pin(uow_factory, p.id, "2028-01-01")
    assert (exc.value.status, exc.value.code) == (409, "PRODUCT_NOT_VALID_ON_DATE")
    assert exc.value.details["windows"] == [{"version": 1, "valid_from": "2026-01-01", "valid_to": "2027-12-31"}]


def test_the_newest_approved_version_covering_the_date_is_pinned(uow_factory, parties):
    maker, checker = parties
    p = approved(uow_factory, maker, checker)
    v2 = run(uow_factory, products.change, actor=maker, product_id=p.id,
             changes={"unit_price": 138_000_00, "valid_from": dt.date(2026, 7, 1)})
    assert (v2.version, v2.status) == (2, "draft")
    assert pin(uow_factory, p.id, "2026-08-01").version == 1  # v2 is not approved yet
    run(uow_factory, products.submit, actor=maker, product_id=p.id)
    run(uow_factory, products.approve, actor=checker, product_id=p.id)
    assert (pin(uow_factory, p.id, "2026-08-01").version, pin(uow_factory, p.id, "2026-08-01").unit_price) == \
        (2, 138_000_00)
    old = pin(uow_factory, p.id, "2026-03-01")
    assert (old.version, old.version_id, old.unit_price) == (1, p.version_id, 150_000_00)


def test_the_submitting_user_can_never_approve_even_as_a_reviewer(uow_factory, parties):
    maker, checker = parties
    p = register(uow_factory, maker)
    run(uow_factory, products.submit, actor=maker, product_id=p.id)
    same_person = products.Actor(user_id=maker.user_id, org_id=checker.org_id, staff=True)
    for action in (products.approve, lambda u, **kw: products.reject(u, reason="不行", **kw)):
        with pytest.raises(SelfApproval) as exc:
            run(uow_factory, action, actor=same_person, product_id=p.id)
        assert (exc.value.status, exc.value.code) == (403, "SELF_APPROVAL")
    assert read(uow_factory, viewer=checker, product_id=p.id)[0].status == "submitted"


def test_a_reviewer_of_the_registering_organisation_cannot_approve(uow_factory, parties):
    maker, _ = parties
    p = register(uow_factory, maker)
    run(uow_factory, products.submit, actor=maker, product_id=p.id)
    colleague = products.Actor(user_id=maker.user_id + 1000, org_id=maker.org_id, staff=True)
    with pytest.raises(SelfApproval):
        run(uow_factory, products.approve, actor=colleague, product_id=p.id)


def test_a_draft_is_edited_in_place_but_a_rejected_version_is_kept_and_superseded(uow_factory, parties):
    maker, checker = parties
    p = register(uow_factory, maker)
    edited = run(uow_factory, products.change, actor=maker, product_id=p.id, changes={"scenario": "园区质检"})
    assert (edited.version, edited.version_id, edited.scenario) == (1, p.version_id, "园区质检")
    run(uow_factory, products.submit, actor=maker, product_id=p.id)
    run(uow_factory, products.reject, actor=checker, product_id=p.id, reason="缺少报价依据")
    v2 = run(uow_factory, products.change, actor=maker, product_id=p.id, changes={"unit_price": 140_000_00})
    assert (v2.version, v2.status) == (2, "draft")
    _, versions = read(uow_factory, viewer=maker, product_id=p.id)
    assert [(v.version, v.status, v.rejection_reason) for v in versions] == [
        (1, "rejected", "缺少报价依据"), (2, "draft", None)]


def test_a_product_under_review_cannot_be_changed(uow_factory, parties, db):
    maker, _ = parties
    p = register(uow_factory, maker)
    run(uow_factory, products.submit, actor=maker, product_id=p.id)
    with pytest.raises(InvalidProductState) as exc:
        run(uow_factory, products.change, actor=maker, product_id=p.id, changes={"scenario": "x"})
    assert exc.value.code == "INVALID_STATE" and exc.value.details["status"] == "submitted"


def test_a_bad_change_saves_nothing(uow_factory, parties, db):
    maker, checker = parties
    p = approved(uow_factory, maker, checker)
    before = saved(db)
    with pytest.raises(ValidationError) as exc:
        run(uow_factory, products.change, actor=maker, product_id=p.id, changes={"unit": "套"})
    assert exc.value.details["field"] == "unit"
    assert saved(db) == before
    assert read(uow_factory, viewer=maker, product_id=p.id)[0].version == 1


def test_a_delisted_product_can_no_longer_be_pinned(uow_factory, parties):
    maker, checker = parties
    p = approved(uow_factory, maker, checker)
    run(uow_factory, products.delist, actor=maker, product_id=p.id)
    with pytest.raises(ProductNotApproved):
        pin(uow_factory, p.id, "2026-03-02")
    with uow_factory() as u:
        assert products.list_page(u.session, viewer=None) == []


def test_a_delisted_product_comes_back_through_a_new_approved_version(uow_factory, parties):
    maker, checker = parties
    p = approved(uow_factory, maker, checker)
    run(uow_factory, products.delist, actor=maker, product_id=p.id)
    v2 = run(uow_factory, products.change, actor=maker, product_id=p.id, changes={"unit_price": 145_000_00})
    assert (v2.version, v2.status) == (2, "draft")
    run(uow_factory, products.submit, actor=maker, product_id=p.id)
    run(uow_factory, products.approve, actor=checker, product_id=p.id)
    assert pin(uow_factory, p.id, "2026-03-02").unit_price == 145_000_00
