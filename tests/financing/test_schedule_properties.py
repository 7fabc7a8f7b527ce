"""Schedule and repayment properties (hypothesis), and an exact rational reference for 1,000 loans.

The reference recomputes POLICY.md §8 with ``fractions.Fraction``: every product, power and
quotient exact, every rounding taken on the exact value. It shares no code with financing.rules.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from financing.rules import (
    ANNUITY, EQUAL_PRINCIPAL, METHODS, LoanTerms, apply_repayment, build_schedule, payoff_amount,
)

FEN = Fraction(1, 100)

principals = st.integers(1, 10_000_000_00).map(lambda fen: D(fen).scaleb(-2))
rates = st.integers(1, 240_000).map(lambda millionths: D(millionths).scaleb(-6))     # (0, 24 %]
terms = st.integers(1, 360)
methods = st.sampled_from(METHODS)
first_due_dates = st.dates(dt.date(2000, 1, 1), dt.date(2060, 12, 31))
loans = st.builds(LoanTerms, principals, rates, terms, methods, first_due_dates)


# --- schedules --------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(loans)
def test_every_schedule_repays_exactly_the_loan_with_nothing_negative_and_nothing_left(terms):
    s = build_schedule(terms)
    assert len(s.instalments) == terms.term_months
    assert sum(i.principal for i in s.instalments) == terms.principal
    assert all(i.principal >= 0 and i.interest >= 0 and i.balance >= 0 for i in s.instalments)
    assert s.instalments[-1].balance == 0
    opening = terms.principal
    for inst in s.instalments:
        assert inst.balance == opening - inst.principal
        exact = Fraction(opening) * Fraction(terms.annual_rate) / 12
        assert abs(Fraction(inst.interest) - exact) <= FEN / 2        # half-up of the opening balance × r
        opening = inst.balance


@settings(max_examples=300, deadline=None)
@given(principals, rates, terms, first_due_dates)
def test_an_annuity_pays_the_same_every_month_but_the_last(principal, rate, months, first):
    s = build_schedule(LoanTerms(principal, rate, months, ANNUITY, first))
    assert len({i.payment for i in s.instalments[:-1]}) <= 1


@settings(max_examples=300, deadline=None)
@given(principals, rates, terms, first_due_dates)
def test_equal_principal_payments_never_rise_but_the_last_may_carry_the_rounding_residue(principal, rate, months,
                                                                                        first):
    s = build_schedule(LoanTerms(principal, rate, months, EQUAL_PRINCIPAL, first))
    ins = s.instalments
    assert len({i.principal for i in ins[:-1]}) <= 1
    assert all(a.payment >= b.payment for a, b in zip(ins[:-1], ins[1:-1]))
    if months > 1:
        residue = ins[-1].principal - ins[0].principal
        assert ins[-1].payment <= ins[-2].payment + max(residue, D(0))
        assert residue < D("0.01") * months                    # at most a fen a month, rounded down


@settings(max_examples=300, deadline=None)
@given(first_due_dates, st.integers(1, 360))
def test_due_dates_keep_the_first_day_of_month_or_the_month_s_last_day(first, months):
    s = build_schedule(LoanTerms(D("1000.00"), D("0.06"), months, ANNUITY, first))
    dates = [i.due_on for i in s.instalments]
    assert all(a < b for a, b in zip(dates, dates[1:]))
    for period, day in enumerate(dates, start=1):
        assert (day.year * 12 + day.month) - (first.year * 12 + first.month) == period - 1
        assert day.day == min(first.day, calendar.monthrange(day.year, day.month)[1])


# --- repayments -------------------------------------------------------------------------------

@st.composite
def loans_with_repayments(draw):
    """A loan of up to 36 months and up to 8 repayments in date order: on due dates or between
    them, each a random amount, what is due plus a few fen (a small prepayment), or the payoff."""
    terms = draw(st.builds(LoanTerms, principals, rates, st.integers(1, 36), methods, first_due_dates))
    s = build_schedule(terms)
    day = terms.starts_on
    repayments = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            day += dt.timedelta(days=draw(st.integers(0, 120)))
        else:                                              # the next due date
            day = next((i.due_on for i in s.instalments if i.due_on > day), day)
        owed = payoff_amount(s, on=day)
        if owed == 0:
            break
        due = sum((i.owed for i in s.instalments if i.due_on <= day), D(0))
        fen = draw(st.one_of(st.integers(1, int(owed * 100)), st.just(int(owed * 100)),
                             st.integers(int(due * 100) + 1, int(due * 100) + 100)))
        amount = min(D(fen).scaleb(-2), owed)
        repayments.append((day, amount))
        s = apply_repayment(s, paid_on=day, amount=amount).schedule
    return terms, repayments


@settings(max_examples=200, deadline=None)
@given(loans_with_repayments())
def test_repayments_are_allocated_exactly_and_the_schedule_still_repays_exactly_the_loan(case):
    terms, repayments = case
    s = build_schedule(terms)
    for day, amount in repayments:
        before = s
        result = apply_repayment(s, paid_on=day, amount=amount)
        s = result.schedule
        assert sum(a.interest + a.principal for a in result.allocations) == amount
        assert all(a.interest >= 0 and a.principal >= 0 for a in result.allocations)
        assert [a.period for a in result.allocations] == sorted({a.period for a in result.allocations})
        # oldest first: every instalment before the last one touched is settled
        last_touched = result.allocations[-1].period
        assert all(i.settled for i in s.instalments if i.period < last_touched)
        # interest before principal within an instalment
        for a in result.allocations:
            if a.principal:
                assert s.instalment(a.period).interest_owed == 0
        assert sum(i.principal for i in s.instalments) == terms.principal
        assert all(0 <= i.paid_interest <= i.interest and 0 <= i.paid_principal <= i.principal
                   and i.balance >= 0 for i in s.instalments)
        assert s.outstanding_principal + sum(i.paid_principal for i in s.instalments) == terms.principal
        assert payoff_amount(s, on=day) == payoff_amount(before, on=day) - amount
        if result.recomputed_from is not None:
            later = s.instalments[result.recomputed_from - 1:]
            assert sum(i.principal for i in later) == s.instalment(result.recomputed_from - 1).balance
            if terms.method == ANNUITY:
                assert len({i.payment for i in later[:-1]}) <= 1
            if len(later) > 1:            # keeping the term, never raising the level amount
                replaced = before.instalment(result.recomputed_from)
                level = (lambda i: i.payment) if terms.method == ANNUITY else (lambda i: i.principal)
                assert level(later[0]) <= level(replaced)


@settings(max_examples=100, deadline=None)
@given(loans, st.integers(0, 400))
def test_paying_the_payoff_amount_on_any_day_repays_the_loan(terms, days):
    s = build_schedule(terms)
    day = terms.starts_on + dt.timedelta(days=days)
    result = apply_repayment(s, paid_on=day, amount=payoff_amount(s, on=day))
    assert result.schedule.repaid and result.schedule.outstanding_principal == 0
    assert sum(i.principal for i in result.schedule.instalments) == terms.principal


# --- the exact rational reference -------------------------------------------------------------

def half_up(x: Fraction) -> Fraction:
    return Fraction(math.floor(x * 100 + Fraction(1, 2)), 100)


def reference(principal: Fraction, rate: Fraction, n: int, method: str) -> list[tuple[Fraction, Fraction]]:
    """(principal, interest) per instalment by POLICY.md §8 in exact arithmetic, with the level
    amount lowered a fen at a time while rounding up would repay the loan before its last month."""
    r = rate / 12
    if method == ANNUITY:
        growth = (1 + r) ** n
        level = half_up(principal * r * growth / (growth - 1))
    else:
        level = half_up(principal / n)
    while True:
        balance, rows = principal, []
        for period in range(1, n + 1):
            interest = half_up(balance * r)
            part = balance if period == n else (level - interest if method == ANNUITY else level)
            if part > balance:
                break
            rows.append((part, interest))
            balance -= part
        else:
            return rows
        level -= FEN


def test_1000_random_loans_match_the_exact_rational_schedule_to_the_fen():
    rng = random.Random(20200501)
    for _ in range(1000):
        fen = rng.choice([rng.randint(1, 10_000), rng.randint(1, 10_000_000), rng.randint(1, 1_000_000_000)])
        millionths = rng.choice([rng.randint(1, 240_000), rng.randrange(5_000, 240_001, 5_000)])
        n = rng.choice([rng.randint(1, 360), rng.choice([1, 2, 12, 36, 60, 120, 360])])
        method = rng.choice(METHODS)
        terms = LoanTerms(D(fen).scaleb(-2), D(millionths).scaleb(-6), n, method, dt.date(2020, 1, 31))
        ours = build_schedule(terms).instalments
        exact = reference(Fraction(fen, 100), Fraction(millionths, 1_000_000), n, method)
        for inst, (principal, interest) in zip(ours, exact, strict=True):
            assert abs(Fraction(inst.principal) - principal) <= FEN and abs(Fraction(inst.interest) - interest) <= FEN
            assert (Fraction(inst.principal), Fraction(inst.interest)) == (principal, interest), (terms, inst.period)
        assert sum(i.principal for i in ours) == terms.principal
        assert sum(Fraction(i.interest) for i in ours) == sum(interest for _, interest in exact)
        # the level amount is within a fen of the unrounded formula (half a fen unless lowered)
        p, r = Fraction(fen, 100), Fraction(millionths, 12_000_000)
        if n > 1 and method == ANNUITY:
            assert abs(Fraction(ours[0].payment) - p * r * (1 + r) ** n / ((1 + r) ** n - 1)) <= FEN
        elif n > 1:
            assert abs(Fraction(ours[0].principal) - p / n) <= FEN


def test_ties_are_rounded_half_up_on_the_exact_value():
    # P such that the exact annuity payment is k + ½ fen: P·r·A/(A−1) with r = 5 %/12, n = 2 has
    # denominator 2 exactly when P_fen is an odd multiple of 57720 (577.20 → 290.405).
    for odd in (1, 3, 5, 7, 99):
        principal = Fraction(57720 * odd, 100)
        r = Fraction(5, 1200)
        exact = principal * r * (1 + r) ** 2 / ((1 + r) ** 2 - 1)
        assert (exact * 200).denominator == 1 and (exact * 200) % 2 == 1          # a half fen
        s = build_schedule(LoanTerms(D(57720 * odd).scaleb(-2), D("0.05"), 2, ANNUITY, dt.date(2020, 1, 31)))
        assert Fraction(s.instalments[0].payment) == half_up(exact) == exact + FEN / 2
