"""Financing rules (POLICY.md §8): schedules, repayments, default, buy-back, reward, advance limit.

Pure: no database, no HTTP. The worked examples of §8 are also scenarios in
features/financing/schedules.feature (steps in test_financing_bdd.py).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

import pytest

from financing.rules import (
    ANNUITY, EQUAL_PRINCIPAL, LoanTerms, Repayment, advance_limit, amount_due, annuity_payment, apply_repayment,
    build_schedule, buy_back, check_advance, default_status, due_date, interest_reward, monthly_interest,
    paid_interest, payoff_amount, replay,
)
from kernel.errors import DomainError

JAN_31 = dt.date(2020, 1, 31)


def schedule(principal="120000.00", rate="0.06", months=12, method=ANNUITY, first_due_on=JAN_31):
    return build_schedule(LoanTerms(D(principal), D(rate), months, method, first_due_on))


def payments(s):
    return [i.payment for i in s.instalments]


# --- the worked examples of POLICY.md §8 ------------------------------------------------------

def test_an_annuity_of_120000_at_6_percent_pays_10327_97_a_month():
    assert payments(schedule())[:11] == [D("10327.97")] * 11


def test_the_annuity_charges_600_interest_in_month_1_and_its_last_payment_is_10327_99():
    s = schedule()
    first, last = s.instalments[0], s.instalments[-1]
    assert (first.interest, first.principal, first.balance) == (D("600.00"), D("9727.97"), D("110272.03"))
    assert (last.payment, last.principal, last.interest, last.balance) == \
        (D("10327.99"), D("10276.61"), D("51.38"), D("0.00"))


def test_the_annuity_costs_3935_66_interest_in_all_and_repays_exactly_120000():
    s = schedule()
    assert s.total_interest == D("3935.66") and s.total_principal == D("120000.00")


def test_equal_principal_of_120000_at_6_percent_pays_10600_then_10550_and_3900_interest_in_all():
    s = schedule(method=EQUAL_PRINCIPAL)
    assert payments(s)[:2] == [D("10600.00"), D("10550.00")]
    assert [i.principal for i in s.instalments] == [D("10000.00")] * 12
    assert payments(s)[-1] == D("10050.00") and s.total_interest == D("3900.00")


def test_each_month_s_interest_is_the_opening_balance_times_a_twelfth_of_the_rate_half_up():
    s = schedule()
    opening = D("120000.00")
    for inst in s.instalments:
        assert inst.interest == (opening * D("0.005")).quantize(D("0.01"), rounding="ROUND_HALF_UP")
        opening = inst.balance


# --- edge cases -------------------------------------------------------------------------------

@pytest.mark.parametrize("method", [ANNUITY, EQUAL_PRINCIPAL])
def test_a_one_month_loan_is_repaid_with_one_month_of_interest_by_either_method(method):
    s = schedule(months=1, method=method)
    assert [(i.principal, i.interest, i.balance) for i in s.instalments] == [(D("120000.00"), D("600.00"), D("0.00"))]


def test_a_loan_at_a_tiny_rate_costs_a_fen_a_month_while_the_balance_is_at_least_60000():
    # 120000 × 0.000001 / 12 = 0.01 exactly; below a balance of 60000 the interest rounds to 0.00
    s = schedule(rate="0.000001")
    assert [i.interest for i in s.instalments] == [D("0.01")] * 7 + [D("0.00")] * 5
    assert payments(s)[:11] == [D("10000.01")] * 11 and payments(s)[-1] == D("9999.96")
    assert s.total_interest == D("0.07")


@pytest.mark.parametrize("method", [ANNUITY, EQUAL_PRINCIPAL])
def test_a_loan_of_one_fen_is_repaid_by_its_last_instalment(method):
    s = schedule(principal="0.01", method=method)
    assert payments(s) == [D("0.00")] * 11 + [D("0.01")]


def test_a_loan_first_due_on_the_31st_is_due_on_the_last_day_of_shorter_months_and_the_31st_again():
    s = schedule(months=5)
    assert [i.due_on for i in s.instalments] == [dt.date(2020, 1, 31), dt.date(2020, 2, 29), dt.date(2020, 3, 31),
                                                 dt.date(2020, 4, 30), dt.date(2020, 5, 31)]


@pytest.mark.parametrize("year, last_day", [(2020, 29), (2021, 28), (2024, 29), (2000, 29), (2100, 28)])
def test_february_ends_on_the_29th_only_in_leap_years(year, last_day):
    assert due_date(dt.date(year, 1, 31), 2) == dt.date(year, 2, last_day)


def test_a_loan_first_due_on_29_february_is_due_on_the_29th_and_on_28_february_of_common_years():
    first = dt.date(2024, 2, 29)
    assert [due_date(first, p) for p in (1, 2, 12, 13, 49)] == [
        dt.date(2024, 2, 29), dt.date(2024, 3, 29), dt.date(2025, 1, 29), dt.date(2025, 2, 28), dt.date(2028, 2, 29)]


def test_due_dates_roll_over_the_year_end():
    assert due_date(dt.date(2020, 11, 30), 3) == dt.date(2021, 1, 30)


def test_a_loan_starts_one_month_before_its_first_due_date():
    assert LoanTerms(D("1.00"), D("0.06"), 1, ANNUITY, dt.date(2020, 3, 31)).starts_on == dt.date(2020, 2, 29)
    assert LoanTerms(D("1.00"), D("0.06"), 1, ANNUITY, dt.date(2020, 1, 15)).starts_on == dt.date(2019, 12, 15)


def test_an_annuity_payment_of_exactly_half_a_fen_is_rounded_up():
    # 577.20 × r(1+r)² / ((1+r)² − 1) with r = 5 %/12 is exactly 290.405; at 50 digits Decimal gets
    # 290.40499…; the rounding is decided on the exact value.
    r = Fraction(5, 1200)
    assert Fraction("577.20") * r * (1 + r) ** 2 / ((1 + r) ** 2 - 1) == Fraction("290.405")
    assert annuity_payment(D("577.20"), D("0.05"), 2) == D("290.41")
    assert annuity_payment(D("401.00"), D("0.06"), 2) == D("202.01")  # 202.005, exact in Decimal too


def test_an_interest_of_exactly_half_a_fen_is_rounded_up():
    assert monthly_interest(D("1.00"), D("0.06")) == D("0.01")
    assert monthly_interest(D("600.00"), D("0.0001")) == D("0.01")     # a twelfth of 0.0001 is not finite
    assert monthly_interest(D("599.99"), D("0.0001")) == D("0.00")


def test_when_rounding_the_payment_up_would_repay_the_loan_early_the_payment_is_a_fen_lower():
    # Half-up gives 113.55, which would repay the loan in month 359; 113.54 keeps 359 level
    # payments and the last instalment absorbs the residue, as POLICY.md says.
    assert annuity_payment(D("6350.69"), D("0.214183"), 360) == D("113.55")
    s = schedule("6350.69", "0.214183", 360)
    assert set(payments(s)[:-1]) == {D("113.54")}
    assert (s.instalments[-1].principal, s.instalments[-1].interest) == (D("286.97"), D("5.12"))
    assert s.total_principal == D("6350.69")


def test_equal_principal_that_would_round_up_past_the_loan_is_rounded_down_instead():
    # 0.05 / 7 = 0.0071 → 0.01, and six of those would repay 0.05 by month 5
    s = schedule("0.05", "0.01", 7, EQUAL_PRINCIPAL)
    assert [i.principal for i in s.instalments] == [D("0.00")] * 6 + [D("0.05")]


def test_with_equal_principal_the_last_payment_exceeds_the_one_before_by_at_most_the_rounding_residue():
    # 1000001.00 / 360 = 2777.780… → 2777.78 a month, and the last month takes 0.20 more: payments
    # are not non-increasing to the very end when the residue is larger than a month's interest.
    s = schedule("1000001.00", "0.000001", 360, EQUAL_PRINCIPAL)
    before, last = s.instalments[-2], s.instalments[-1]
    assert (before.payment, last.payment, last.principal) == (D("2777.78"), D("2777.98"), D("2777.98"))


@pytest.mark.parametrize("field, kwargs", [
    ("principal", {"principal": D("0.00")}),
    ("principal", {"principal": D("-1.00")}),
    ("principal", {"principal": D("1.005")}),
    ("principal", {"principal": 1000.0}),
    ("principal", {"principal": D("NaN")}),
    ("principal", {"principal": D("1E+15")}),
    ("annual_rate", {"annual_rate": D("0")}),
    ("annual_rate", {"annual_rate": D("-0.06")}),
    ("annual_rate", {"annual_rate": D("0.2400001")}),
    ("annual_rate", {"annual_rate": D("0.25")}),
    ("annual_rate", {"annual_rate": D("6")}),
    ("annual_rate", {"annual_rate": D("0.0600001")}),
    ("annual_rate", {"annual_rate": 0.06}),
    ("term_months", {"term_months": 0}),
    ("term_months", {"term_months": 361}),
    ("term_months", {"term_months": True}),
    ("term_months", {"term_months": 12.0}),
    ("method", {"method": "bullet"}),
    ("first_due_on", {"first_due_on": dt.datetime(2020, 1, 31)}),
    ("first_due_on", {"first_due_on": "2020-01-31"}),
    ("first_due_on", {"first_due_on": dt.date(9999, 6, 30)}),    # the last due date is past year 9999
    ("first_due_on", {"first_due_on": dt.date(1, 1, 31)}),       # the loan would start before year 1
])
def test_loan_terms_out_of_range_are_refused_naming_the_field(field, kwargs):
    terms = {"principal": D("120000.00"), "annual_rate": D("0.06"), "term_months": 12, "method": ANNUITY,
             "first_due_on": JAN_31, **kwargs}
    with pytest.raises(DomainError) as exc:
        LoanTerms(**terms)
    assert (exc.value.code, exc.value.status, exc.value.details["field"]) == ("INVALID_LOAN_TERMS", 422, field)


def test_the_highest_rate_24_percent_and_the_longest_term_360_months_are_accepted():
    s = schedule("10000000.00", "0.24", 360)
    assert len(s.instalments) == 360 and s.instalments[0].interest == D("200000.00")


# --- repayments -------------------------------------------------------------------------------

def test_a_late_repayment_pays_the_oldest_instalment_first_interest_before_principal():
    assert amount_due(schedule(), on=dt.date(2020, 3, 31)) == D("30983.91")         # three instalments
    assert amount_due(schedule(), on=dt.date(2020, 3, 30)) == D("20655.94")
    result = apply_repayment(schedule(), paid_on=dt.date(2020, 3, 31), amount=D("25000.00"))
    assert result.allocations == ((1, D("600.00"), D("9727.97")), (2, D("551.36"), D("9776.61")),
                                  (3, D("502.48"), D("3841.58")))
    third = result.schedule.instalment(3)
    assert third.owed == D("5983.91") and not third.settled and result.prepaid_principal == D("0.00")


def test_a_repayment_may_pay_an_instalment_partly_interest_first():
    result = apply_repayment(schedule(), paid_on=dt.date(2020, 2, 29), amount=D("700.00"))
    assert result.allocations == ((1, D("600.00"), D("100.00")),)
    first = result.schedule.instalment(1)
    assert (first.paid_interest, first.paid_principal, first.owed) == (D("600.00"), D("100.00"), D("9627.97"))
    assert result.schedule.instalment(2).paid_interest == D("0.00")


def test_money_paid_mid_month_beyond_what_is_due_pays_the_month_in_progress_early():
    s = apply_repayment(schedule(), paid_on=JAN_31, amount=D("10327.97")).schedule
    result = apply_repayment(s, paid_on=dt.date(2020, 2, 10), amount=D("5000.00"))
    assert result.allocations == ((2, D("551.36"), D("4448.64")),)
    assert result.recomputed_from is None and result.schedule.instalment(2).owed == D("5327.97")
    assert payments(result.schedule)[2:11] == [D("10327.97")] * 9


def test_money_beyond_the_month_in_progress_prepays_principal_and_lowers_the_later_payments():
    s = apply_repayment(schedule(), paid_on=JAN_31, amount=D("10327.97")).schedule
    result = apply_repayment(s, paid_on=dt.date(2020, 2, 10), amount=D("50000.00"))
    assert result.allocations == ((2, D("551.36"), D("49448.64")),)
    assert (result.prepaid_principal, result.recomputed_from) == (D("39672.03"), 3)
    new = result.schedule
    assert new.instalment(2).balance == D("60823.39") and new.instalment(3).interest == D("304.12")
    level = annuity_payment(D("60823.39"), D("0.06"), 10)
    assert level < D("10327.97") and payments(new)[2:11] == [level] * 9
    assert len(new.instalments) == 12 and new.total_principal == D("120000.00")
    assert [i.due_on for i in new.instalments] == [i.due_on for i in schedule().instalments]


def test_a_prepayment_of_a_fen_never_raises_the_payment_the_residue_stays_with_the_last_month():
    # re-amortising 112,725.84 at 8 % after 0.01 extra in month 6 would give 9,805.85 a month
    s = schedule("112725.84", "0.08")
    state = replay(s, [Repayment(i.due_on, i.payment) for i in s.instalments[:6]])[0]
    result = apply_repayment(state, paid_on=s.instalment(6).due_on, amount=D("0.01"))
    assert result.allocations == ((6, D("0.00"), D("0.01")),) and result.recomputed_from == 7
    assert annuity_payment(result.schedule.instalment(6).balance, D("0.08"), 6) == D("9805.85")
    assert payments(result.schedule)[6:] == [D("9805.84")] * 5 + [D("9805.87")]     # was … + 9,805.88


def test_a_prepayment_on_a_due_date_counts_from_that_day():
    result = apply_repayment(schedule(), paid_on=JAN_31, amount=D("50000.00"))
    assert result.allocations == ((1, D("600.00"), D("49400.00")),) and result.recomputed_from == 2
    assert result.schedule.instalment(2).interest == D("353.00")      # 70600.00 × 0.5 %


def test_a_partly_paid_month_is_settled_before_the_rest_prepays_principal():
    s = apply_repayment(schedule(), paid_on=dt.date(2020, 1, 20), amount=D("400.00")).schedule
    result = apply_repayment(s, paid_on=JAN_31, amount=D("10000.00"))
    assert result.allocations == ((1, D("200.00"), D("9800.00")),)
    assert (result.prepaid_principal, result.schedule.instalment(1).balance) == (D("72.03"), D("110200.00"))


def test_an_equal_principal_prepayment_spreads_the_rest_evenly_over_the_months_left():
    result = apply_repayment(schedule(method=EQUAL_PRINCIPAL), paid_on=JAN_31, amount=D("40600.00"))
    new = result.schedule
    assert result.allocations == ((1, D("600.00"), D("40000.00")),)
    assert [i.principal for i in new.instalments[1:]] == [D("7272.73")] * 10 + [D("7272.70")]
    assert new.instalment(2).interest == D("400.00") and new.total_principal == D("120000.00")


def test_paying_off_mid_month_costs_that_month_s_interest_and_no_later_interest():
    s = apply_repayment(schedule(), paid_on=JAN_31, amount=D("10327.97")).schedule
    assert payoff_amount(s, on=dt.date(2020, 2, 10)) == D("110823.39")      # 110272.03 + 551.36
    result = apply_repayment(s, paid_on=dt.date(2020, 2, 10), amount=D("110823.39"))
    assert result.schedule.repaid and result.schedule.outstanding_principal == D("0.00")
    assert all(i.payment == 0 for i in result.schedule.instalments[2:])
    assert result.schedule.total_principal == D("120000.00")


def test_a_repayment_above_everything_owed_is_refused():
    with pytest.raises(DomainError) as exc:
        apply_repayment(schedule(), paid_on=dt.date(2020, 1, 10), amount=D("120600.01"))
    assert exc.value.code == "REPAYMENT_EXCEEDS_OWED" and exc.value.details["owed"] == "120600.00"


def test_a_repaid_loan_takes_no_more_money():
    s = apply_repayment(schedule(), paid_on=JAN_31, amount=D("120600.00")).schedule
    with pytest.raises(DomainError) as exc:
        apply_repayment(s, paid_on=dt.date(2020, 2, 1), amount=D("0.01"))
    assert exc.value.code == "REPAYMENT_EXCEEDS_OWED"


def test_a_repayment_before_the_loan_starts_is_refused_and_one_on_the_start_day_is_taken():
    with pytest.raises(DomainError) as exc:
        apply_repayment(schedule(), paid_on=dt.date(2019, 12, 30), amount=D("100.00"))
    assert exc.value.code == "REPAYMENT_BEFORE_START" and exc.value.details["starts_on"] == "2019-12-31"
    assert apply_repayment(schedule(), paid_on=dt.date(2019, 12, 31), amount=D("100.00")).allocations == \
        ((1, D("100.00"), D("0.00")),)


def test_a_repayment_dated_before_one_already_applied_is_refused():
    s = apply_repayment(schedule(), paid_on=dt.date(2020, 2, 10), amount=D("100.00")).schedule
    with pytest.raises(DomainError) as exc:
        apply_repayment(s, paid_on=dt.date(2020, 2, 9), amount=D("100.00"))
    assert exc.value.code == "REPAYMENT_OUT_OF_ORDER"
    assert apply_repayment(s, paid_on=dt.date(2020, 2, 10), amount=D("100.00")).schedule.last_paid_on == \
        dt.date(2020, 2, 10)


@pytest.mark.parametrize("amount", [D("0.00"), D("-1.00"), D("1.005"), 100.0, D("Infinity")])
def test_a_repayment_that_is_not_positive_money_is_refused(amount):
    with pytest.raises(DomainError) as exc:
        apply_repayment(schedule(), paid_on=JAN_31, amount=amount)
    assert (exc.value.code, exc.value.details["field"]) == ("INVALID_REPAYMENT", "amount")


def test_replaying_repayments_in_date_order_gives_the_schedule_of_applying_them_one_by_one():
    reps = [Repayment(dt.date(2020, 3, 5), D("30000.00")), Repayment(dt.date(2020, 1, 31), D("10327.97"))]
    state, results = replay(schedule(), reps)
    by_hand = apply_repayment(apply_repayment(schedule(), paid_on=JAN_31, amount=D("10327.97")).schedule,
                              paid_on=dt.date(2020, 3, 5), amount=D("30000.00")).schedule
    assert state == by_hand and [r.paid_on for r in results] == [JAN_31, dt.date(2020, 3, 5)]
    assert replay(schedule(), reps, until=dt.date(2020, 2, 1))[0].outstanding_principal == D("110272.03")


# --- default and buy-back ---------------------------------------------------------------------

MAR_10 = dt.date(2020, 3, 10)       # first due date; + 90 days = 8 June


def test_an_instalment_unpaid_90_days_after_its_due_date_puts_the_loan_in_default_that_day():
    s = schedule(first_due_on=MAR_10)
    assert not default_status(s, [], on=dt.date(2020, 6, 7)).in_default
    status = default_status(s, [], on=dt.date(2020, 6, 8))
    assert (status.in_default, status.since, status.period) == (True, dt.date(2020, 6, 8), 1)


def test_a_repayment_on_the_90th_day_keeps_the_loan_out_of_default():
    s = schedule(first_due_on=MAR_10)
    assert not default_status(s, [Repayment(dt.date(2020, 6, 8), D("10327.97"))], on=dt.date(2020, 6, 8)).in_default
    # the second instalment, due 10 April, lapses on 9 July
    late = default_status(s, [Repayment(dt.date(2020, 6, 8), D("10327.97"))], on=dt.date(2020, 7, 9))
    assert (late.since, late.period) == (dt.date(2020, 7, 9), 2)


def test_an_instalment_short_by_one_fen_still_puts_the_loan_in_default():
    status = default_status(schedule(first_due_on=MAR_10), [Repayment(MAR_10, D("10327.96"))], on=dt.date(2020, 6, 8))
    assert status.in_default and status.period == 1


def test_paying_the_arrears_after_the_default_day_does_not_cure_the_default():
    reps = [Repayment(dt.date(2020, 6, 9), D("10327.97"))]
    status = default_status(schedule(first_due_on=MAR_10), reps, on=dt.date(2020, 6, 30))
    assert (status.in_default, status.since) == (True, dt.date(2020, 6, 8))


def test_default_after_days_is_a_setting():
    s = schedule(first_due_on=MAR_10)
    assert not default_status(s, [], on=dt.date(2020, 4, 8), default_after_days=30).in_default
    assert default_status(s, [], on=dt.date(2020, 4, 9), default_after_days=30).in_default
    with pytest.raises(DomainError):
        default_status(s, [], on=dt.date(2020, 4, 9), default_after_days=0)


ON_TIME = [Repayment(dt.date(2020, 1, 31), D("10327.97")), Repayment(dt.date(2020, 2, 29), D("10327.97"))]


def test_the_guarantor_buys_back_the_outstanding_principal_and_the_interest_due_and_unpaid():
    # months 1-2 paid, nothing after; month 3 (due 31 Mar) lapses on 29 June
    bought = buy_back(schedule(), ON_TIME, on=dt.date(2020, 7, 10))
    assert bought.principal == D("100495.42")                   # the balance after month 2
    assert bought.interest_periods == (3, 4, 5, 6)              # due by 10 July; July's is not yet due
    assert bought.interest == D("502.48") + D("453.35") + D("403.98") + D("354.36") == D("1714.17")
    assert bought.amount == D("102209.59") and bought.default.since == dt.date(2020, 6, 29)


def test_a_buy_back_counts_only_the_unpaid_part_of_a_partly_paid_instalment():
    reps = ON_TIME + [Repayment(dt.date(2020, 3, 31), D("500.00"))]
    bought = buy_back(schedule(), reps, on=dt.date(2020, 6, 29))
    assert (bought.principal, bought.interest) == (D("100495.42"), D("2.48") + D("453.35") + D("403.98"))


def test_a_loan_not_in_default_cannot_be_bought_back():
    with pytest.raises(DomainError) as exc:
        buy_back(schedule(), ON_TIME, on=dt.date(2020, 6, 28))
    assert exc.value.code == "LOAN_NOT_IN_DEFAULT"


def test_a_buy_back_dated_before_a_repayment_is_refused():
    with pytest.raises(DomainError) as exc:
        buy_back(schedule(), ON_TIME + [Repayment(dt.date(2020, 7, 11), D("1.00"))], on=dt.date(2020, 7, 10))
    assert exc.value.code == "REPAYMENT_OUT_OF_ORDER"


def test_a_defaulted_loan_repaid_in_full_leaves_nothing_to_buy_back():
    reps = ON_TIME + [Repayment(dt.date(2020, 7, 1), payoff_amount(replay(schedule(), ON_TIME)[0],
                                                                   on=dt.date(2020, 7, 1)))]
    with pytest.raises(DomainError) as exc:
        buy_back(schedule(), reps, on=dt.date(2020, 7, 10))
    assert exc.value.code == "NOTHING_TO_BUY_BACK"


# --- the interest reward ----------------------------------------------------------------------

def paid_lines(reps, principal="120000.00", rate="0.06"):
    return paid_interest(replay(schedule(principal, rate), reps)[1])


def reward(lines, rate="0.06", period_from=1, period_to=1, cap_left="1000000.00", **kw):
    return interest_reward(lines, annual_rate=D(rate), period_from=period_from, period_to=period_to,
                           cap_left=D(cap_left), **kw)


def test_the_month_1_interest_of_600_at_6_percent_earns_a_reward_of_192_50():
    result = reward(paid_lines(ON_TIME))
    assert (result.reward, result.paid_interest, result.cap_applied) == (D("192.50"), D("600.00"), False)


def test_a_loan_at_or_below_the_benchmark_rate_earns_half_its_interest():
    assert reward(paid_lines(ON_TIME[:1], rate="0.03"), rate="0.03").reward == D("150.00")
    assert reward(paid_lines(ON_TIME[:1], rate="0.0385"), rate="0.0385").reward == D("192.50")


def test_the_reward_is_rounded_down_to_the_fen_once_for_the_whole_range():
    assert reward(paid_lines(ON_TIME), period_from=2, period_to=2).reward == D("176.89")   # 176.894…
    assert reward(paid_lines(ON_TIME), period_to=2).reward == D("369.39")                 # 369.394…


def test_the_reward_is_capped_by_what_is_left_of_the_enterprise_cap():
    result = reward(paid_lines(ON_TIME), cap_left="100.00")
    assert (result.reward, result.before_cap, result.cap_applied) == (D("100.00"), D("192.50"), True)
    assert reward(paid_lines(ON_TIME), cap_left="0.00").reward == D("0.00")


def test_the_breakdown_lists_every_repayment_counted_with_its_date_and_interest():
    reps = [Repayment(dt.date(2020, 1, 20), D("250.00")), Repayment(dt.date(2020, 1, 31), D("10077.97")),
            Repayment(dt.date(2020, 2, 29), D("10327.97"))]
    result = reward(paid_lines(reps), period_to=2)
    assert result.breakdown()["lines"] == [
        {"period": 1, "paid_on": "2020-01-20", "interest": "250.00"},
        {"period": 1, "paid_on": "2020-01-31", "interest": "350.00"},
        {"period": 2, "paid_on": "2020-02-29", "interest": "551.36"}]
    assert result.breakdown()["reward"] == "369.39" and result.rewarded_by_period() == {1: D("600.00"), 2: D("551.36")}


def test_interest_already_rewarded_is_never_counted_twice():
    with pytest.raises(DomainError) as exc:
        reward(paid_lines(ON_TIME), period_to=2, already_rewarded={1: D("600.00")})
    assert exc.value.code == "INTEREST_ALREADY_REWARDED" and exc.value.details["period"] == 1


def test_a_period_paid_partly_and_rewarded_can_be_rewarded_again_for_the_rest_only():
    reps = [Repayment(dt.date(2020, 1, 20), D("250.00")), Repayment(dt.date(2020, 1, 31), D("10077.97"))]
    first = reward(paid_lines(reps[:1]))
    assert first.paid_interest == D("250.00")
    second = reward(paid_lines(reps), already_rewarded=first.rewarded_by_period())
    assert [(line.paid_on, line.interest) for line in second.lines] == [(dt.date(2020, 1, 31), D("350.00"))]
    assert first.reward + second.reward == D("80.20") + D("112.29")   # each rounded down on its own


def test_a_period_with_no_interest_paid_is_refused():
    with pytest.raises(DomainError) as exc:
        reward(paid_lines(ON_TIME), period_to=3)
    assert exc.value.code == "NO_INTEREST_PAID" and exc.value.details == {"period": 3}


@pytest.mark.parametrize("kwargs, field", [
    ({"period_from": 2, "period_to": 1}, "period_from"),
    ({"period_from": 0}, "period_from"),
    ({"share": D("1.5")}, "share"),
    ({"benchmark_rate": D("0")}, "benchmark_rate"),
    ({"cap_left": "-1.00"}, "cap_left"),
    ({"rate": "0.30"}, "annual_rate"),
])
def test_a_reward_request_that_makes_no_sense_is_refused(kwargs, field):
    with pytest.raises(DomainError) as exc:
        reward(paid_lines(ON_TIME), **kwargs)
    assert (exc.value.code, exc.value.details["field"]) == ("INVALID_REWARD_REQUEST", field)


# --- order financing --------------------------------------------------------------------------

def test_an_advance_may_be_70_percent_of_the_contract_and_not_a_fen_more():
    assert check_advance(D("70000.00"), contract_amount=D("100000.00")) == D("70000.00")
    with pytest.raises(DomainError) as exc:
        check_advance(D("70000.01"), contract_amount=D("100000.00"))
    assert (exc.value.code, exc.value.details["limit"]) == ("ADVANCE_OVER_LIMIT", "70000.00")


def test_the_advance_limit_is_rounded_down_to_the_fen_and_the_ratio_is_a_setting():
    assert advance_limit(D("33.33")) == D("23.33")                      # 23.331
    assert advance_limit(D("100000.00"), advance_ratio=D("0.50")) == D("50000.00")
    with pytest.raises(DomainError) as exc:
        check_advance(D("23.34"), contract_amount=D("33.33"))
    assert exc.value.code == "ADVANCE_OVER_LIMIT"


@pytest.mark.parametrize("advance, contract, ratio", [
    (D("0.00"), D("100.00"), D("0.70")), (D("1.00"), D("0.00"), D("0.70")), (D("1.00"), D("100.00"), D("1.20")),
])
def test_an_advance_that_is_not_positive_money_or_a_ratio_out_of_range_is_refused(advance, contract, ratio):
    with pytest.raises(DomainError) as exc:
        check_advance(advance, contract_amount=contract, advance_ratio=ratio)
    assert exc.value.code == "INVALID_ADVANCE"
