"""`yunquan demo` loads a catalogue vouchers can use at once (POLICY.md §4, §6)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import sqlalchemy as sa

from catalog import products
from catalog.demo_data import DEMO_PRODUCTS
from catalog.models import ProductVersion
from catalog.rules import FIVE_G_KINDS, ITEM_KINDS, line_subsidy
from kernel.money import from_fen
from yunquan import demo


def catalogue(uow_factory):
    with uow_factory() as u:
        return products.list_page(u.session, viewer=None, limit=500)


def test_the_demo_catalogue_has_every_5g_kind_and_cloud_products_from_three_providers(uow_factory):
    demo.load(uow_factory)
    views = catalogue(uow_factory)
    kinds = {v.item_kind for v in views}
    assert set(FIVE_G_KINDS) | {"iaas", "paas", "saas"} <= kinds
    assert all(v.status == "approved" and v.unit == ITEM_KINDS[v.item_kind].unit for v in views)
    assert len({v.provider_id for v in views}) == 3
    assert {v.standard.kind for v in views} == {"ratio", "per_unit", "tiered"}
    assert all(v.valid_to >= dt.date(2027, 12, 31) for v in views)


def test_running_the_demo_again_duplicates_nothing(uow_factory, db):
    demo.load(uow_factory)
    first = [(v.id, v.version_id) for v in catalogue(uow_factory)]
    demo.load(uow_factory)
    assert [(v.id, v.version_id) for v in catalogue(uow_factory)] == first
    assert len(first) == len(DEMO_PRODUCTS)


def test_demo_products_were_approved_by_a_reviewer_who_did_not_submit_them(uow_factory, db):
    demo.load(uow_factory)
    with db.connect() as c:
        pairs = c.execute(sa.select(ProductVersion.submitted_by, ProductVersion.reviewed_by)).all()
    assert pairs and all(s is not None and r is not None and s != r for s, r in pairs)


def test_the_worked_example_contract_can_be_built_from_the_demo_catalogue(uow_factory):
    orgs, _, _ = demo.load(uow_factory)
    by_name = {v.name: v for v in catalogue(uow_factory)}
    lines = [("工业级5G CPE网关", D(10)), ("边缘计算MEC服务器", D(1)), ("5G企业内网深度覆盖", D(2000))]
    total = D(0)
    with uow_factory() as u:
        for name, quantity in lines:
            pinned = products.pin_for_contract(u.session, product_id=by_name[name].id, on_date=dt.date(2027, 12, 31))
            assert pinned.provider_id == orgs["operator"]  # one provider signs the whole contract
            total += line_subsidy(pinned.standard, quantity=quantity,
                                  amount=quantity * from_fen(pinned.unit_price)).subsidy
    assert total == D("55000.00")
    assert [(by_name[n].unit_price, by_name[n].standard_text) for n, _ in lines] == [
        (1_000_00, "每台补贴300.00元"), (150_000_00, "按合同金额30%补贴，每项最高40000.00元"),
        (20_00, "按合同金额30%补贴")]


def test_the_demo_command_prints_the_catalogue(runner):
    result = runner.invoke(demo.demo)
    assert result.exit_code == 0, result.output
    assert f"demo catalogue: {len(DEMO_PRODUCTS)} approved products ({len(DEMO_PRODUCTS)} new)" in result.output
    assert "边缘计算MEC服务器  150000.00/台" in result.output
