"""Subsidy standards (POLICY.md §4, §6): validation, the line subsidy, and their properties."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.rules import (
    Band,
    LineSubsidy,
    PerUnitStandard,
    RatioStandard,
    TieredStandard,
    describe_standard,
    line_subsidy,
    parse_standard,
    parse_standard_text,
    standard_to_dict,
)
from kernel.errors import ValidationError

TIERED_EXAMPLE = {"kind": "tiered", "bands": [{"upto": "100000.00", "rate": "0.50"},
                                              {"upto": "500000.00", "rate": "0.30"}, {"upto": None, "rate": "0.10"}]}


# --- the worked examples of POLICY.md §6 ------------------------------------------------------

def test_cpe_gateways_get_300_per_unit_for_ten_units():
    std = parse_standard({"kind": "per_unit", "amount": "300.00"})
    assert line_subsidy(std, quantity=D(10), amount=D("10000.00")) == LineSubsidy(D("3000.00"), D("3000.00"), False)


def test_mec_server_subsidy_is_capped_at_40000():
    std = parse_standard({"kind": "ratio", "rate": "0.30", "cap": "40000.00"})
    result = line_subsidy(std, quantity=D(1), amount=D("150000.00"))
    assert result.before_cap == D("45000.00") and result.subsidy == D("40000.00") and result.cap_applied


def test_coverage_area_gets_30_percent_of_the_line_amount():
    std = parse_standard({"kind": "ratio", "rate": "0.30"})
    assert line_subsidy(std, quantity=D(2000), amount=D("40000.00")).subsidy == D("12000.00")


def test_the_worked_example_lines_add_up_to_55000():
    lines = [({"kind": "per_unit", "amount": "300.00"}, D(10), D("10000.00")),
             ({"kind": "ratio", "rate": "0.30", "cap": "40000.00"}, D(1), D("150000.00")),
             ({"kind": "ratio", "rate": "0.30"}, D(2000), D("40000.00"))]
    assert sum(line_subsidy(parse_standard(s), quantity=q, amount=a).subsidy for s, q, a in lines) == D("55000.00")


def test_tiered_example_gives_110000_on_300000():
    result = line_subsidy(parse_standard(TIERED_EXAMPLE), quantity=D(1), amount=D("300000.00"))
    assert result == LineSubsidy(D("110000.00"), D("110000.00"), False)


@pytest.mark.parametrize("amount, expected", [
    ("0.00", "0.00"), ("100000.00", "50000.00"), ("100000.01", "50000.00"), ("500000.00", "170000.00"),
    ("600000.00", "180000.00"),
])
def test_tiered_bands_apply_like_tax_brackets(amount, expected):
    assert line_subsidy(parse_standard(TIERED_EXAMPLE), quantity=D(1), amount=D(amount)).subsidy == D(expected)


def test_line_subsidy_is_rounded_down_to_the_fen():
    std = parse_standard({"kind": "ratio", "rate": "0.30"})
    assert line_subsidy(std, quantity=D(1), amount=D("33.33")).subsidy == D("9.99")  # 9.999
    assert line_subsidy(parse_standard({"kind": "per_unit", "amount": "0.33"}),
                        quantity=D("2.50"), amount=D("1.00")).subsidy == D("0.82")  # 0.825


def test_a_negative_line_amount_is_refused():
    with pytest.raises(ValidationError) as exc:
        line_subsidy(parse_standard({"kind": "ratio", "rate": "0.30"}), quantity=D(1), amount=D("-1.00"))
    assert exc.value.details["field"] == "amount"


# --- the API's JSON shape -----------------------------------------------------------------

def test_standards_come_back_in_the_api_shape_with_money_and_rates_as_strings():
    assert standard_to_dict(parse_standard({"kind": "ratio", "rate": "0.3", "cap": "40000.00"})) == \
        {"kind": "ratio", "rate": "0.30", "cap": "40000.00"}
    assert standard_to_dict(parse_standard({"kind": "per_unit", "amount": "300.00", "cap": None})) == \
        {"kind": "per_unit", "amount": "300.00"}
    assert standard_to_dict(parse_standard(TIERED_EXAMPLE)) == TIERED_EXAMPLE


@pytest.mark.parametrize("data, path, message", [
    ({"kind": "bonus", "rate": "0.30"}, "kind", "standard kind must be one of ratio, per_unit, tiered, got 'bonus'"),
    ({"kind": "ratio", "rate": "0"}, "rate", "rate must be in (0, 1], got 0"),
    ({"kind": "ratio", "rate": "1.01"}, "rate", "rate must be in (0, 1], got 1.01"),
    ({"kind": "ratio", "rate": 0.3}, "rate", "rate must be a string such as \"0.30\", got 0.3"),
    ({"kind": "ratio", "rate": "0.123456"}, "rate", "rate has more than four decimals: 0.123456"),
    ({"kind": "ratio"}, "rate", "a ratio standard needs rate"),
    ({"kind": "ratio", "rate": "0.30", "amount": "300.00"}, "amount", "a ratio standard has no amount"),
    ({"kind": "ratio", "rate": "0.30", "cap": "0.00"}, "cap", "cap must be positive, got 0.00"),
    ({"kind": "ratio", "rate": "0.30", "cap": "-5.00"}, "cap", "cap: '-5.00' must not be negative"),
    ({"kind": "per_unit", "amount": "300.005"}, "amount",
     "amount: '300.005' is not money with exactly two decimals, e.g. \"55000.00\""),
    ({"kind": "per_unit", "amount": 300}, "amount",
     "amount must be a string with two decimals such as \"300.00\", got 300"),
    ({"kind": "tiered", "bands": []}, "bands", "a tiered standard needs a non-empty list of bands"),
    ({"kind": "tiered", "bands": [{"upto": "500000.00", "rate": "0.50"}, {"upto": "100000.00", "rate": "0.30"},
                                  {"upto": None, "rate": "0.10"}]}, "bands[1].upto",
     "bands must be strictly increasing: bands[1].upto 100000.00 is not above 500000.00"),
    ({"kind": "tiered", "bands": [{"upto": "100000.00", "rate": "0.50"}, {"upto": "100000.00", "rate": "0.30"},
                                  {"upto": None, "rate": "0.10"}]}, "bands[1].upto",
     "bands must be strictly increasing: bands[1].upto 100000.00 is not above 100000.00"),
    ({"kind": "tiered", "bands": [{"upto": None, "rate": "0.50"}, {"upto": None, "rate": "0.30"}]}, "bands[0].upto",
     "bands[0] is open-ended but is not the last band; only the last band may be open-ended"),
    ({"kind": "tiered", "bands": [{"upto": "100000.00", "rate": "0.50"}]}, "bands[0].upto",
     "the last band must be open-ended (\"upto\": null); use cap to limit the subsidy"),
    ({"kind": "tiered", "bands": [{"upto": "100000.00", "rate": "0.50"}, {"upto": None, "rate": "0"}]},
     "bands[1].rate", "bands[1].rate must be in (0, 1], got 0"),
])
def test_a_bad_standard_is_refused_naming_the_exact_problem(data, path, message):
    with pytest.raises(ValidationError) as exc:
        parse_standard(data)
    assert exc.value.code == "VALIDATION_ERROR"
    assert exc.value.details == {"field": "standard", "path": path}
    assert exc.value.message == message


def test_a_standard_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationError) as exc:
        parse_standard("30%")
    assert exc.value.details["field"] == "standard"


# --- the Annex 5 text ----------------------------------------------------------------------

@pytest.mark.parametrize("data, unit, text", [
    ({"kind": "ratio", "rate": "0.30", "cap": "40000.00"}, "台", "按合同金额30%补贴，每项最高40000.00元"),
    ({"kind": "ratio", "rate": "0.125"}, "m²", "按合同金额12.5%补贴"),
    ({"kind": "per_unit", "amount": "300.00"}, "台", "每台补贴300.00元"),
    ({"kind": "per_unit", "amount": "500.00", "cap": "6000.00"}, "条·年", "每条·年补贴500.00元，每项最高6000.00元"),
    (TIERED_EXAMPLE, "套", "按合同金额分档累进补贴：100000.00元及以下部分50%，100000.00元至500000.00元部分30%，"
                          "500000.00元以上部分10%"),
])
def test_the_standard_reads_as_annex5_text_and_back(data, unit, text):
    std = parse_standard(data)
    assert describe_standard(std, unit) == text
    assert parse_standard_text(text, unit) == std


def test_spreadsheet_spellings_of_a_standard_are_understood():
    assert parse_standard_text("每台补贴300元", "台") == PerUnitStandard(D("300.00"))
    assert parse_standard_text("按合同金额 30 ％ 补贴, 每项最高40000元", "台") == RatioStandard(D("0.30"), D("40000.00"))
    assert parse_standard_text('{"kind": "ratio", "rate": "0.30"}', "台") == RatioStandard(D("0.30"))


@pytest.mark.parametrize("text, message", [
    ("补贴三成", "奖补标准 is not understood"),
    ("每套补贴300.00元", "奖补标准 is per 套 but the product is sold per 台"),
    ("按合同金额30%补贴，每项最高40000.005元", "cap: '40000.005' is not money with exactly two decimals"),
    ("按合同金额分档累进补贴：100000.00元及以下部分50%，200000.00元以上部分30%",
     "band 2 of 奖补标准 must start where band 1 ends (100000.00元)"),
    ("按合同金额分档累进补贴：500000.00元及以下部分50%，500000.00元至100000.00元部分30%，100000.00元以上部分10%",
     "bands must be strictly increasing"),
    ('{"kind": "ratio", "rate": ', "奖补标准 looks like JSON but is not valid JSON"),
])
def test_a_standard_text_that_cannot_be_read_says_why(text, message):
    with pytest.raises(ValidationError) as exc:
        parse_standard_text(text, "台")
    assert exc.value.details["field"] == "standard"
    assert message in exc.value.message


# --- properties ----------------------------------------------------------------------------

money = st.decimals(min_value=D("0.00"), max_value=D("100000000.00"), places=2)
positive_money = st.decimals(min_value=D("0.01"), max_value=D("10000000.00"), places=2)
rates = st.decimals(min_value=D("0.0001"), max_value=D("1"), places=4)
caps = st.none() | positive_money


@st.composite
def tiered(draw):
    uptos = sorted(set(draw(st.lists(positive_money, min_size=0, max_size=4))))
    bands = [Band(u, draw(rates)) for u in uptos] + [Band(None, draw(rates))]
    return parse_standard(standard_to_dict(TieredStandard(tuple(bands), draw(caps))))


standards = st.one_of(
    st.builds(lambda r, c: parse_standard(standard_to_dict(RatioStandard(r, c))), rates, caps),
    st.builds(lambda a, c: parse_standard(standard_to_dict(PerUnitStandard(a, c))), positive_money, caps),
    tiered(),
)
quantities = st.decimals(min_value=D("0"), max_value=D("100000"), places=2)


@settings(max_examples=300)
@given(standards, quantities, money)
def test_a_line_subsidy_is_never_negative_never_above_its_cap_and_in_whole_fen(std, quantity, amount):
    result = line_subsidy(std, quantity=quantity, amount=amount)
    assert result.subsidy >= 0
    assert result.subsidy == result.subsidy.quantize(D("0.01"))
    if std.cap is not None:
        assert result.subsidy <= std.cap
    assert result.cap_applied == (std.cap is not None and result.before_cap > std.cap)


@settings(max_examples=300)
@given(st.one_of(standards.filter(lambda s: s.kind != "per_unit")), money, money)
def test_ratio_and_tiered_subsidies_grow_with_the_amount_and_never_exceed_it(std, a, b):
    low, high = sorted((a, b))
    s_low = line_subsidy(std, quantity=D(1), amount=low).subsidy
    s_high = line_subsidy(std, quantity=D(1), amount=high).subsidy
    assert s_low <= s_high
    assert s_high <= high


@settings(max_examples=200)
@given(standards, st.sampled_from(["台", "m²", "条·年", "账号·年"]))
def test_every_standard_survives_json_and_annex5_text(std, unit):
    assert parse_standard(standard_to_dict(std)) == std
    assert parse_standard_text(describe_standard(std, unit), unit) == std
