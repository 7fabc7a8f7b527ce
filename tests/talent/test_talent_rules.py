"""Pure talent rules: resident ID numbers, hours, qualification and what a trainee is worth."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import ValidationError
from schemes.rules import defaults_for, parse_settings
from talent import rules
from tests.support.people import resident_id, with_check

TODAY = dt.date(2026, 3, 2)
DEFAULTS = defaults_for("talent")


def reason(fn, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as err:
        fn(*args, **kwargs)
    return err.value.details.get("reason")


def test_the_published_example_of_gb_11643_has_check_character_x():
    # the standard's own example number, 11010519491231002X
    assert rules.id_check_character("11010519491231002") == "X"
    assert rules.normalise_resident_id("11010519491231002x", today=TODAY) == "11010519491231002X"


def test_a_number_with_a_wrong_check_digit_is_refused_without_repeating_it():
    good = with_check("44060519900101123")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        rules.normalise_resident_id(bad, today=TODAY)
    assert err.value.details == {"field": "id_number", "reason": "check_digit"}
    assert bad not in err.value.message


@pytest.mark.parametrize("number, why", [
    ("4406051990010112", "length"),
    ("4406051990010112345", "length"),
    ("44060519900101A23X", "characters"),
    ("44060519900101123Y", "characters"),
    ("".join(chr(ord(c) + 0xFEE0) for c in "440605199001011234"), "characters"),  # full-width digits
    (with_check("99060519900101123"), "area"),
    (with_check("44060519900230123"), "birth_date"),   # 30 February
    (with_check("44060518991231123"), "birth_date"),   # before 1900
    (with_check("44060520260303123"), "birth_date"),   # born tomorrow
])
def test_bad_resident_id_numbers_are_refused_with_their_reason(number, why):
    assert reason(rules.normalise_resident_id, number, today=TODAY) == why


def test_born_today_is_a_possible_birth_date():
    assert rules.normalise_resident_id(with_check("44060520260302123"), today=TODAY)


def test_a_number_shows_only_its_first_four_and_last_four_characters():
    assert rules.mask_resident_id("44010619900101123X") == "4401**********123X"


def test_the_digest_depends_on_the_key_and_reveals_nothing_of_the_number():
    number = resident_id()
    a, b = rules.resident_id_digest(b"k" * 32, number), rules.resident_id_digest(b"j" * 32, number)
    assert a != b and len(a) == 64 and number not in a
    assert a == rules.resident_id_digest(b"k" * 32, number)
    with pytest.raises(ValueError):
        rules.resident_id_digest(b"short", number)


@given(st.integers(min_value=0, max_value=10 ** 17 - 1))
def test_every_valid_number_passes_and_any_other_last_character_fails(n):
    first17 = f"44{n:015d}"[:17]
    first17 = first17[:6] + "19900101" + first17[14:]
    good = first17 + rules.id_check_character(first17)
    assert rules.normalise_resident_id(good, today=TODAY) == good
    for other in "0123456789X":
        if other != good[17]:
            assert reason(rules.normalise_resident_id, first17 + other, today=TODAY) == "check_digit"


@pytest.mark.parametrize("value, expected", [(40, "40"), ("40.5", "40.5"), ("0", "0"), (1000, "1000"),
                                             ("16.0", "16")])
def test_hours_are_whole_or_with_one_decimal(value, expected):
    assert rules.hours_str(rules.hours(value, field="online_hours")) == expected


@pytest.mark.parametrize("value", [-1, "-0.5", 1000.5, "1000.1", 1001, "40.25", "NaN", "Infinity", True, None, "四十"])
def test_negative_absurd_or_odd_hours_are_refused(value):
    with pytest.raises(ValidationError) as err:
        rules.hours(value if not isinstance(value, float) else str(value), field="online_hours")
    assert err.value.details["field"] == "online_hours"


def test_hours_round_trip_through_tenths():
    assert rules.from_tenths(rules.to_tenths(D("40.5"))) == D("40.5")
    assert rules.to_tenths(D("1000")) == 10000


def completion(online="40", offline="16", level="中级", fee="3500.00"):
    return rules.Completion(D(online), D(offline), level, D(fee))


PROGRAMME = rules.Minimums(D(40), D(16), "programme")


def test_hours_exactly_at_both_minimums_qualify():
    assert rules.qualification(completion(), PROGRAMME) == rules.Qualification(True, ())


def test_a_tenth_of_an_hour_short_does_not_qualify():
    assert rules.qualification(completion(online="39.9"), PROGRAMME).reasons == ("online_hours",)
    assert rules.qualification(completion(offline="15.9"), PROGRAMME).reasons == ("offline_hours",)


def test_no_certificate_does_not_qualify_whatever_the_hours():
    assert rules.qualification(completion(online="200", level=None), PROGRAMME).reasons == ("certificate",)


def test_nothing_recorded_does_not_qualify():
    assert rules.qualification(None, PROGRAMME).reasons == ("no_completion",)


def test_a_programme_without_minimums_takes_the_schemes():
    settings = parse_settings({"talent_online_hours_min": 30, "talent_offline_hours_min": 8}, kind="talent")
    assert rules.minimums(None, None, settings) == rules.Minimums(D(30), D(8), "scheme")
    assert rules.minimums(D(10), D(2), settings).source == "programme"


@pytest.mark.parametrize("level, fee, amount, fee_bit", [
    ("初级", "3500.00", "1000.00", False), ("中级", "3500.00", "2000.00", False),
    ("高级", "3500.00", "3000.00", False), ("高级", "2999.99", "2999.99", True), ("高级", "3000.00", "3000.00", False),
])
def test_a_trainee_is_worth_the_levels_amount_never_more_than_the_fee_paid(level, fee, amount, fee_bit):
    worth = rules.trainee_amount(completion(level=level, fee=fee), DEFAULTS)
    assert (worth.amount, worth.fee_bit) == (D(amount), fee_bit)


def test_an_unknown_level_is_refused():
    with pytest.raises(ValidationError) as err:
        rules.level("特级")
    assert err.value.details["field"] == "certificate_level"
    assert rules.level(None) is None


def test_the_cap_pays_lines_in_order_until_it_runs_out():
    lines = [rules.ClaimLine(1, D("3000.00")), rules.ClaimLine(2, D("3000.00")), rules.ClaimLine(3, D("1000.00"))]
    capped = rules.cap_claim(lines, D("5000.00"))
    assert capped.amounts == (D("3000.00"), D("2000.00"), D("0.00"))
    assert (capped.final_amount, capped.total_before_cap, capped.cap_bit) == (D("5000.00"), D("7000.00"), True)
    assert rules.cap_claim(lines, D("-1.00")).final_amount == D("0.00")


@given(st.lists(st.integers(min_value=1, max_value=300_000), min_size=1, max_size=30),
       st.integers(min_value=0, max_value=10_000_000))
def test_a_capped_claim_never_exceeds_the_cap_nor_any_line(amounts, cap):
    lines = [rules.ClaimLine(i, D(a) / 100) for i, a in enumerate(amounts)]
    capped = rules.cap_claim(lines, D(cap) / 100)
    assert capped.final_amount == min(D(cap) / 100, capped.total_before_cap)
    assert all(D(0) <= paid <= line.before_cap for paid, line in zip(capped.amounts, lines))


def test_talent_settings_default_and_validate():
    assert (DEFAULTS.talent_amount_junior, DEFAULTS.talent_amount_intermediate, DEFAULTS.talent_amount_senior) == \
        (D("1000.00"), D("2000.00"), D("3000.00"))
    assert (DEFAULTS.talent_online_hours_min, DEFAULTS.talent_offline_hours_min, DEFAULTS.enterprise_cap) == \
        (40, 16, D("100000.00"))
    for bad in ({"talent_amount_senior": "-1.00"}, {"talent_amount_senior": 3000},
                {"talent_online_hours_min": 1001}, {"talent_offline_hours_min": -1},
                {"talent_online_hours_min": "40"}):
        with pytest.raises(ValidationError):
            parse_settings(bad, kind="talent")
    assert parse_settings({"talent_amount_senior": "3500.00"}, kind="talent").to_dict()["talent_amount_senior"] == \
        "3500.00"
