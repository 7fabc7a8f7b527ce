"""Face value invariants over random contracts and settings (pure rules, no database)."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.rules import Band, PerUnitStandard, RatioStandard, TieredStandard, line_subsidy, standard_to_dict
from claims import rules as claim_rules
from kernel.money import FEN
from schemes import rules as scheme_rules
from vouchers import rules

money = st.integers(min_value=1, max_value=50_000_000).map(lambda fen: (Decimal(fen) / 100).quantize(FEN))
rate = st.integers(min_value=1, max_value=100).map(lambda pct: Decimal(pct) / 100)
cap = st.one_of(st.none(), money)


@st.composite
def standards(draw):
    kind = draw(st.sampled_from(["ratio", "per_unit", "tiered"]))
    if kind == "ratio":
        return RatioStandard(draw(rate), draw(cap))
    if kind == "per_unit":
        return PerUnitStandard(draw(money), draw(cap))
    uptos = sorted(set(draw(st.lists(money, min_size=1, max_size=3))))
    return TieredStandard(tuple(Band(u, draw(rate)) for u in uptos) + (Band(None, draw(rate)),), draw(cap))


@st.composite
def lines(draw):
    out = []
    for no in range(1, draw(st.integers(1, 5)) + 1):
        std = draw(standards())
        quantity = Decimal(draw(st.integers(1, 500)))
        unit_price = draw(money)
        amount = (quantity * unit_price).quantize(FEN)
        out.append(rules.PricedLine(no, no, no, "cpe_gateway", quantity, unit_price, amount, standard_to_dict(std),
                                    line_subsidy(std, quantity=quantity, amount=amount)))
    return out


@settings(max_examples=300, deadline=None)
@given(lines=lines(), city=st.sampled_from(["佛山", "阳江", "广州", "梅州"]), ent_left=money, prov_left=money)
def test_face_value_never_exceeds_any_cap_and_is_whole_fen(lines, city, ent_left, prov_left):
    s = scheme_rules.Settings()
    fv = rules.face_value(lines, city=city, settings=s, enterprise_cap_left=ent_left, provider_quota_left=prov_left)
    share_cap = (s.max_share(city) * fv.contract_amount).quantize(FEN, rounding="ROUND_DOWN")
    assert Decimal(0) <= fv.face_value <= min(fv.sum_of_lines, share_cap, ent_left, prov_left)
    assert fv.face_value == fv.face_value.quantize(FEN)
    assert fv.face_value == min(fv.sum_of_lines, share_cap, ent_left, prov_left)
    for line in lines:
        assert Decimal(0) <= line.subsidy.subsidy <= line.subsidy.before_cap
        assert line.subsidy.cap_applied == (line.subsidy.subsidy < line.subsidy.before_cap)
    for name in fv.binding:
        assert name in ("line_cap", "max_share", "enterprise_cap", "provider_quota")


@given(lines=lines(), used=money)
def test_an_exhausted_enterprise_cap_gives_nothing(lines, used):
    s = scheme_rules.Settings()
    fv = rules.face_value(lines, city="佛山", settings=s, enterprise_cap_left=Decimal("-1.00") * used,
                          provider_quota_left=Decimal("100.00"))
    assert fv.face_value == Decimal("0.00")


def test_the_worked_example_to_the_fen():
    priced = []
    for no, (std, q, u) in enumerate([(PerUnitStandard(Decimal("300.00")), 10, "1000.00"),
                                      (RatioStandard(Decimal("0.30"), Decimal("40000.00")), 1, "150000.00"),
                                      (RatioStandard(Decimal("0.30")), 2000, "20.00")], start=1):
        amount = (Decimal(q) * Decimal(u)).quantize(FEN)
        priced.append(rules.PricedLine(no, no, no, "x", Decimal(q), Decimal(u), amount, standard_to_dict(std),
                                       line_subsidy(std, quantity=Decimal(q), amount=amount)))
    fv = rules.face_value(priced, city="佛山", settings=scheme_rules.Settings(), enterprise_cap_left=Decimal("1000000.00"),
                          provider_quota_left=Decimal("8000000.00"))
    assert (fv.contract_amount, fv.sum_of_lines, fv.share_cap, fv.face_value) == (
        Decimal("200000.00"), Decimal("55000.00"), Decimal("60000.00"), Decimal("55000.00"))
    assert fv.binding == ("line_cap",)


def test_working_days_skip_weekends_and_holidays():
    import datetime as dt
    friday = dt.date(2026, 9, 25)
    assert claim_rules.add_working_days(friday, 5) == dt.date(2026, 10, 2)
    assert claim_rules.add_working_days(friday, 5, holidays=["2026-10-01", "2026-10-02"]) == dt.date(2026, 10, 6)
    assert claim_rules.add_working_days(friday, 0) == friday


def test_settings_reject_what_policy_forbids():
    import pytest

    from kernel.errors import ValidationError
    for bad in ({"max_share_prd": "0"}, {"enterprise_cap": "-1.00"}, {"publicity_working_days": -1},
                {"holidays": ["2026-13-01"]}, {"covered_cities": []}, {"nonsense": 1}):
        with pytest.raises(ValidationError):
            scheme_rules.parse_settings(bad)
    assert scheme_rules.parse_settings({"covered_cities": ["佛山市"]}).covered_cities == ("佛山",)


def test_a_talent_scheme_caps_each_enterprise_at_100000_by_default_and_a_cloud_scheme_at_1000000():
    assert scheme_rules.parse_settings({}, kind="talent").enterprise_cap == Decimal("100000.00")
    assert scheme_rules.parse_settings({}, kind="cloud").enterprise_cap == Decimal("1000000.00")
    assert scheme_rules.parse_settings({"enterprise_cap": "5.00"}, kind="talent").enterprise_cap == Decimal("5.00")
