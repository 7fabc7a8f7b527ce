"""Item kinds and their units, quantities, and the checks on a product's fields (pure rules)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from catalog.rules import FIVE_G_KINDS, ITEM_KINDS, check_product, check_quantity, item_kind_code, product_spec
from kernel.errors import ValidationError


def fields(**overrides):
    base = dict(name="边缘计算MEC服务器", item_kind="mec_server", unit="台", unit_price=D("150000.00"),
                scenario="视觉质检", modules=["本地分流"], expected_effect="时延低于20ms",
                standard={"kind": "ratio", "rate": "0.30"}, valid_from=dt.date(2026, 1, 1),
                valid_to=dt.date(2027, 12, 31))
    base.update(overrides)
    return base


def test_the_ten_5g_intranet_kinds_of_the_notice_have_their_natural_units():
    assert {k: ITEM_KINDS[k].unit for k in FIVE_G_KINDS} == {
        "coverage_area": "m²", "cpe_gateway": "台", "mec_server": "台", "mep": "套", "capability_exposure": "套",
        "upf_line": "条·年", "indoor_small_cell": "个", "network_slice": "条·月", "industrial_terminal": "台",
        "industrial_app": "套·年"}
    assert {k: ITEM_KINDS[k].unit for k in ("iaas", "paas", "saas")} == {"iaas": "台·年", "paas": "套·年",
                                                                          "saas": "账号·年"}
    assert [k for k, kind in ITEM_KINDS.items() if not kind.countable] == ["coverage_area"]


def test_an_item_kind_may_be_named_by_code_or_chinese_label():
    assert item_kind_code("mec_server") == "mec_server"
    assert item_kind_code("边缘计算MEC服务器") == "mec_server"
    assert item_kind_code("服务器") is None


def test_countable_kinds_take_whole_quantities_and_coverage_takes_square_metres_to_two_decimals():
    assert check_quantity("cpe_gateway", D("10")) == D("10")
    assert check_quantity("coverage_area", D("2000.50")) == D("2000.50")
    with pytest.raises(ValidationError, match="counted in whole 台"):
        check_quantity("cpe_gateway", D("1.5"))
    with pytest.raises(ValidationError, match="more than two decimals"):
        check_quantity("coverage_area", D("10.125"))
    with pytest.raises(ValidationError, match="must be positive") as exc:
        check_quantity("coverage_area", D("0"))
    assert exc.value.details["field"] == "quantity"


def test_a_valid_product_becomes_a_spec_with_the_unit_spelled_canonically():
    spec = product_spec(**fields(item_kind="coverage_area", unit="平方米", unit_price=D("20")))
    assert spec.unit == "m²" and spec.unit_price == D("20.00") and spec.modules == ("本地分流",)


@pytest.mark.parametrize("overrides, field, message", [
    ({"item_kind": "router"}, "item_kind", "unknown item kind 'router'"),
    ({"unit": "套"}, "unit", "mec_server (边缘计算MEC服务器) is sold per 台, not 套"),
    ({"unit_price": D("1000.005")}, "unit_price", "unit price 1000.005 has more than two decimals"),
    ({"unit_price": D("0")}, "unit_price", "unit price must be positive, got 0"),
    ({"valid_to": dt.date(2025, 12, 31)}, "valid_to", "validity ends (2025-12-31) before it starts (2026-01-01)"),
    ({"modules": []}, "modules", "功能模块 modules must be a non-empty list of module names"),
    ({"scenario": "  "}, "scenario", "应用场景 scenario is required"),
    ({"standard": {"kind": "ratio", "rate": "2"}}, "standard", "rate must be in (0, 1], got 2"),
])
def test_a_bad_product_field_is_named_with_the_reason(overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        product_spec(**fields(**overrides))
    assert exc.value.details["field"] == field
    assert message in exc.value.message


def test_every_problem_of_a_product_is_reported_at_once():
    spec, problems = check_product(**fields(unit="套", unit_price=D("1.001"), valid_to=dt.date(2025, 1, 1)))
    assert spec is None
    assert [p.field for p in problems] == ["unit", "unit_price", "valid_to"]
