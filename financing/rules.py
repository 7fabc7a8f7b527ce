"""Pure financing rules (POLICY.md §8): loan schedules, repayments and prepayment, default and the
guarantor's buy-back, the interest reward, and the order-financing advance limit.

Standard library only (plus ``kernel`` primitives). Money is ``Decimal`` yuan with two decimals; every
rounding is named (``round_half_up_fen`` for schedules, ``round_down_fen`` for rewards and limits).
Dates are arguments: nothing here reads a clock.

The loan's truth is its terms plus the list of repayments (date, amount): the schedule as built is a
function of the terms, and every later state is the fold of ``apply_repayment`` over the repayments
in date order (``replay``). Default and buy-back are computed from the same fold, so they never
depend on what a database happened to cache.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal, localcontext
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from financing.errors import (
    AdvanceOverLimit, InterestAlreadyRewarded, InvalidAdvance, InvalidLoanTerms, InvalidRepayment,
    InvalidRewardRequest, LoanNotInDefault, NoInterestPaid, NothingToBuyBack, RepaymentBeforeStart,
    RepaymentExceedsOwed, RepaymentOutOfOrder,
)
from kernel.money import FEN, from_fen, round_down_fen, round_half_up_fen, to_fen

D = Decimal
ZERO = D("0.00")
TWELVE = D(12)
HALF = D("0.5")

ANNUITY = "annuity"
EQUAL_PRINCIPAL = "equal_principal"
METHODS = (ANNUITY, EQUAL_PRINCIPAL)

# 24 % a year: the highest rate a Chinese court has ever protected (2015 private-lending provisions,
# art. 26; the 2020 revision lowered the line to four times the 1-year LPR, 15.4 % when this pilot
# started, though licensed lenders fall outside it). A device loan in a government pilot above that
# is a typo ("6" for "0.06", a monthly rate entered as annual) or usury, not a term to schedule and
# subsidise. The reward's min(1, benchmark / rate) keeps working over the whole range.
MAX_ANNUAL_RATE = D("0.24")
# A rate is quoted to at most 0.0001 % (e.g. LPR + 35.5 bp = 0.04205): finer rates are input noise,
# and the bound keeps r ≥ 0.000001 / 12, which the precision argument below relies on.
RATE_PLACES = 6
MAX_TERM_MONTHS = 360
# The largest amount kernel.money can print (15 integer digits).
MAX_PRINCIPAL = D("999999999999999.99")

# Decimal digits for every division and power in a schedule. The largest operand is a principal of
# 17 significant digits times (1 + r)^n ≤ 1.02^360 ≈ 1.3e3; 1 − (1 + r)^−n loses at most 9 digits
# to cancellation (r·n ≥ 0.000001 / 12). 50 digits therefore leave more than 20 digits below the
# fen, and a computed amount can only fall on the wrong side of a half fen if the exact rational
# value is within 1e-15 fen of it; ``annuity_payment`` decides those cases with exact integers.
# Interest (balance × annual_rate / 12) and equal principal (P / n) are quotients of short exact
# decimals: when the exact value is a tie it has a short finite expansion, which 50 digits hold
# exactly, so half-up rounding always sees the exact value.
SCHEDULE_PRECISION = 50
_TIE_MARGIN_FEN = D("1e-15")

DEFAULT_AFTER_DAYS = 90
REWARD_SHARE = D("0.50")
BENCHMARK_RATE = D("0.0385")   # the 1-year LPR (a scheme setting)
ADVANCE_RATIO = D("0.70")


# --- dates ------------------------------------------------------------------------------------

def due_date(first_due_on: dt.date, period: int) -> dt.date:
    """The due date of ``period`` (1 = ``first_due_on``): the same day of the month, clamped to the
    month's last day. Each date is rolled from the anchor, never from the previous (clamped) date,
    so a loan first due on 31 Jan is due 28/29 Feb and then 31 Mar again. Period 0 is the loan's
    start, one month before the first due date."""
    months = first_due_on.month - 1 + period - 1
    year, month = first_due_on.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(first_due_on.day, _days_in_month(year, month)))


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    # calendar.monthrange also computes the weekday: it was 40 % of building a schedule
    return 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month - 1]


# --- terms ------------------------------------------------------------------------------------

def _money_ok(value: Any) -> bool:
    """A finite Decimal of at most two decimals that kernel.money can store (15 integer digits)."""
    return isinstance(value, Decimal) and value.is_finite() and value.adjusted() <= 14 \
        and value == value.quantize(FEN)


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _check_rate(rate: Any, *, field: str, error: type = InvalidLoanTerms) -> None:
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise error(f"{field} must be a Decimal such as Decimal(\"0.06\"), got {rate!r}", field=field)
    if not D(0) < rate <= MAX_ANNUAL_RATE:
        raise error(f"{field} must be above 0 and at most {MAX_ANNUAL_RATE} (24 % a year), got {rate}",
                    field=field)
    if rate != rate.quantize(D(1).scaleb(-RATE_PLACES)):
        raise error(f"{field} has more than {RATE_PLACES} decimals: {rate}", field=field)


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """What a financier and an enterprise agreed. Validated on construction: an instance is a loan
    that can be scheduled. ``annual_rate`` is a fraction (0.06 for 6 %)."""
    principal: Decimal
    annual_rate: Decimal
    term_months: int
    method: str
    first_due_on: dt.date

    def __post_init__(self) -> None:
        p = self.principal
        if not _money_ok(p) or not D(0) < p <= MAX_PRINCIPAL:
            raise InvalidLoanTerms(f"principal must be money above 0.00 with two decimals, at most "
                                   f"{MAX_PRINCIPAL}, got {p!r}", field="principal")
        _check_rate(self.annual_rate, field="annual_rate")
        n = self.term_months
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_TERM_MONTHS:
            raise InvalidLoanTerms(f"term_months must be a whole number from 1 to {MAX_TERM_MONTHS}, got {n!r}",
                                   field="term_months")
        if self.method not in METHODS:
            raise InvalidLoanTerms(f"method must be one of {', '.join(METHODS)}, got {self.method!r}",
                                   field="method")
        if not _is_date(self.first_due_on):
            raise InvalidLoanTerms("first_due_on must be a date", field="first_due_on")
        try:
            due_date(self.first_due_on, 0), due_date(self.first_due_on, n)
        except (ValueError, OverflowError):
            raise InvalidLoanTerms("the loan's dates fall outside the calendar", field="first_due_on") from None

    @property
    def starts_on(self) -> dt.date:
        """The first day of period 1. Period 1 carries a full month's interest whatever the
        disbursement day, so no repayment can be dated before it."""
        return due_date(self.first_due_on, 0)


# --- the schedule -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Instalment:
    period: int
    due_on: dt.date
    principal: Decimal            # scheduled (after a prepayment: what was paid, prepayment included)
    interest: Decimal             # opening balance × annual_rate / 12, half-up
    balance: Decimal              # principal outstanding once this instalment's principal is paid
    paid_interest: Decimal = ZERO
    paid_principal: Decimal = ZERO

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest

    @property
    def interest_owed(self) -> Decimal:
        return self.interest - self.paid_interest

    @property
    def principal_owed(self) -> Decimal:
        return self.principal - self.paid_principal

    @property
    def owed(self) -> Decimal:
        return self.interest_owed + self.principal_owed

    @property
    def settled(self) -> bool:
        return self.paid_interest == self.interest and self.paid_principal == self.principal


@dataclass(frozen=True, slots=True)
class Schedule:
    terms: LoanTerms
    instalments: tuple[Instalment, ...]
    last_paid_on: dt.date | None = None   # the latest repayment applied (repayments come in date order)

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)

    @property
    def total_principal(self) -> Decimal:
        return sum((i.principal for i in self.instalments), ZERO)

    @property
    def outstanding_principal(self) -> Decimal:
        return sum((i.principal_owed for i in self.instalments), ZERO)

    @property
    def repaid(self) -> bool:
        return all(i.settled for i in self.instalments)

    def instalment(self, period: int) -> Instalment:
        return self.instalments[period - 1]


def monthly_interest(balance: Decimal, annual_rate: Decimal) -> Decimal:
    """``balance × r`` with ``r = annual_rate / 12``, half-up to the fen. ``balance × annual_rate`` is
    exact; the one division by 12 runs at SCHEDULE_PRECISION, so the rounding sees the exact value."""
    with localcontext() as ctx:
        ctx.prec = SCHEDULE_PRECISION
        return round_half_up_fen(balance * annual_rate / TWELVE)


def annuity_payment(principal: Decimal, annual_rate: Decimal, term_months: int) -> Decimal:
    """``P·r / (1 − (1 + r)^−n)`` half-up to the fen, computed as ``P·r·A / (A − 1)`` with
    ``A = (1 + r)^n`` at SCHEDULE_PRECISION digits. When that value lies within 1e-15 fen of a half
    fen (577.20 at 5 % over 2 months is exactly 290.405), the rounding is decided on the exact
    rational value with integers: with ``annual_rate = m / d``, ``B = 12·d`` and ``C = B + m``,
    the payment in fen is ``P_fen·m·Cⁿ / (B·(Cⁿ − Bⁿ))``."""
    if principal == 0:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = SCHEDULE_PRECISION
        r = annual_rate / TWELVE
        growth = (1 + r) ** term_months
        approx = principal * r * growth / (growth - 1)
        fen = approx * 100
        if abs(fen - fen.to_integral_value(rounding=ROUND_FLOOR) - HALF) > _TIE_MARGIN_FEN:
            return round_half_up_fen(approx)
    m, d = annual_rate.as_integer_ratio()
    b = 12 * d
    c = b + m
    num = to_fen(principal) * m * c ** term_months
    den = b * (c ** term_months - b ** term_months)
    return from_fen((2 * num + den) // (2 * den))


def _amortise(balance: Decimal, annual_rate: Decimal, method: str, anchor: dt.date, first_period: int,
              periods: int, ceiling: Decimal | None = None) -> list[Instalment]:
    """``balance`` over ``periods`` monthly instalments numbered from ``first_period``.

    Annuity: a level payment, each period's interest half-up, principal = payment − interest, the
    last instalment takes whatever principal is left (the rounding residue). Equal principal:
    ``balance / periods`` half-up per period, the last takes the rest.

    POLICY.md's two rules, "the level amount is rounded half-up" and "the last instalment absorbs
    the residue", cannot both hold when rounding up repays the loan before its last instalment: the
    residue would be a negative last principal. Rounding up by under half a fen compounds
    (1.02^360 ≈ 1250): 6,350.69 at 21.4183 % over 360 months would be repaid in month 359, and
    0.05 at 1 % over 7 months in month 5. Then, and only then, the level amount is lowered a fen at
    a time until no instalment before the last needs more principal than is left; the last
    instalment then absorbs a positive residue. The worked examples are untouched.

    ``ceiling`` (a re-amortisation after a prepayment) caps the level amount at the one it replaces."""
    if periods == 0:
        return []
    annuity = method == ANNUITY
    with localcontext() as ctx:
        ctx.prec = SCHEDULE_PRECISION
        level = annuity_payment(balance, annual_rate, periods) if annuity else round_half_up_fen(balance / periods)
        if ceiling is not None:
            level = min(level, ceiling)
        while True:
            rows = _instalments(balance, annual_rate, annuity, level, anchor, first_period, periods)
            if rows is not None:
                return rows
            level -= FEN


def _instalments(balance: Decimal, annual_rate: Decimal, annuity: bool, level: Decimal, anchor: dt.date,
                 first_period: int, periods: int) -> list[Instalment] | None:
    """The instalments for one level amount, or None when one before the last would need more
    principal than is left. Runs inside ``_amortise``'s context. The search ends: with an annuity
    payment equal to the first month's interest (or an equal principal of 0.00) nothing is repaid
    before the last instalment."""
    out = []
    last = first_period + periods - 1
    for period in range(first_period, last + 1):
        interest = round_half_up_fen(balance * annual_rate / TWELVE)
        if period == last:
            principal = balance
        else:
            principal = level - interest if annuity else level
            if principal > balance:
                return None
        balance -= principal
        out.append(Instalment(period, due_date(anchor, period), principal, interest, balance))
    return out


def build_schedule(terms: LoanTerms) -> Schedule:
    """POLICY.md §8: the loan's instalments as agreed, nothing paid yet."""
    return Schedule(terms, tuple(_amortise(terms.principal, terms.annual_rate, terms.method,
                                           terms.first_due_on, 1, terms.term_months)))


# --- repayments -------------------------------------------------------------------------------

class Allocation(NamedTuple):
    """What one repayment paid on one instalment."""
    period: int
    interest: Decimal
    principal: Decimal


@dataclass(frozen=True, slots=True)
class Repayment:
    paid_on: dt.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RepaymentResult:
    paid_on: dt.date
    amount: Decimal
    allocations: tuple[Allocation, ...]
    prepaid_principal: Decimal      # principal paid beyond the instalment settled (see apply_repayment)
    recomputed_from: int | None     # the first period re-amortised after a prepayment
    schedule: Schedule              # the schedule after this repayment


def _settling_index(instalments: Sequence[Instalment], on: dt.date) -> int:
    """Index of the instalment due on the first due date on or after ``on`` (len when all are due
    before ``on``): money beyond what is due on ``on`` is applied as though paid on that date."""
    for index, inst in enumerate(instalments):
        if inst.due_on >= on:
            return index
    return len(instalments)


def amount_due(schedule: Schedule, *, on: dt.date) -> Decimal:
    """What is owed on instalments due on or before ``on``: the arrears."""
    return sum((i.owed for i in schedule.instalments if i.due_on <= on), ZERO)


def payoff_amount(schedule: Schedule, *, on: dt.date) -> Decimal:
    """The most a repayment on ``on`` can settle: everything owed on the instalments up to the one
    due on the first due date on or after ``on`` (interest and principal; the month in progress is
    owed in full) and all principal not yet paid. The interest of later months is not owed."""
    settling = _settling_index(schedule.instalments, on)
    interest = sum((i.interest_owed for i in schedule.instalments[:settling + 1]), ZERO)
    return interest + schedule.outstanding_principal


def apply_repayment(schedule: Schedule, *, paid_on: dt.date, amount: Decimal) -> RepaymentResult:
    """Allocate a repayment, POLICY.md §8.

    1. Instalments due on or before ``paid_on``, oldest first, interest then principal; an
       instalment may be paid partly.
    2. Money left over is applied as though paid on the first due date on or after ``paid_on``
       (``paid_on`` itself when it is a due date): first to the instalment due then, interest then
       its scheduled principal (paid early; if the money runs out, paid partly and nothing is
       recomputed). The month in progress is owed in full: POLICY.md's interest is per month on
       the opening balance, with no day count, so the day of the month the money arrives changes
       nothing, and a prepayment on a due date loses the lender nothing either.
    3. Whatever is left is a prepayment of principal from that due date: it is added to that
       instalment's principal (so the principals still sum to the loan) and every later period is
       re-amortised from the reduced balance with the same method and rules as a new loan over the
       periods left: same due dates, same term, lower payments (annuity: a new level payment
       half-up, the last instalment absorbing the residue; equal principal: the reduced balance /
       periods left, half-up, residue on the last). The new level amount is never above the one it
       replaces: the old schedule's rounding residue was bound for its last instalment, and
       re-amortising would spread it over the months left, so a prepayment of a few fen could
       otherwise raise the payment (112,725.84 at 8 %: 9,805.84 → 9,805.85 after 0.01 in month 6).
       The residue stays with the last instalment instead.

    Refused: a date before the loan starts (REPAYMENT_BEFORE_START), before a repayment already
    applied (REPAYMENT_OUT_OF_ORDER), an amount above ``payoff_amount`` (REPAYMENT_EXCEEDS_OWED).
    """
    if not _is_date(paid_on):
        raise InvalidRepayment("paid_on must be a date", field="paid_on")
    if not _money_ok(amount) or amount <= 0:
        raise InvalidRepayment(f"a repayment must be money above 0.00 with two decimals, got {amount!r}",
                               field="amount")
    terms = schedule.terms
    if paid_on < terms.starts_on:
        raise RepaymentBeforeStart(f"the loan starts on {terms.starts_on}; a repayment on {paid_on} is before it",
                                   details={"paid_on": paid_on.isoformat(), "starts_on": terms.starts_on.isoformat()})
    if schedule.last_paid_on is not None and paid_on < schedule.last_paid_on:
        raise RepaymentOutOfOrder(f"a repayment on {schedule.last_paid_on} is already applied; {paid_on} is before it",
                                  details={"paid_on": paid_on.isoformat(),
                                           "last_paid_on": schedule.last_paid_on.isoformat()})
    owed = payoff_amount(schedule, on=paid_on)
    if amount > owed:
        raise RepaymentExceedsOwed(f"the repayment {amount} is more than the {owed} owed on {paid_on}",
                                   details={"amount": str(amount), "owed": str(owed), "paid_on": paid_on.isoformat()})

    items = list(schedule.instalments)
    settling = _settling_index(items, paid_on)
    left = amount
    paid: dict[int, list[Decimal]] = {}           # index -> [interest, principal] paid now
    for index in range(min(settling + 1, len(items))):
        if left == 0:
            break
        inst = items[index]
        interest = min(left, inst.interest_owed)
        principal = min(left - interest, inst.principal_owed)
        if interest or principal:
            left -= interest + principal
            paid[index] = [interest, principal]
            items[index] = replace(inst, paid_interest=inst.paid_interest + interest,
                                   paid_principal=inst.paid_principal + principal)

    recomputed_from = None
    if left > 0:
        # Only possible with a settling instalment, now settled: payoff_amount bounds the rest by
        # the principal of the later instalments, none of which has been paid.
        inst = items[settling]
        balance = inst.balance - left
        items[settling] = replace(inst, principal=inst.principal + left, paid_principal=inst.paid_principal + left,
                                  balance=balance)
        paid.setdefault(settling, [ZERO, ZERO])[1] += left
        periods_left = len(items) - settling - 1
        ceiling = None
        if periods_left > 1:       # the level amount being replaced (a single last instalment has none)
            replaced = items[settling + 1]
            ceiling = replaced.payment if terms.method == ANNUITY else replaced.principal
        later = _amortise(balance, terms.annual_rate, terms.method, terms.first_due_on, inst.period + 1,
                          periods_left, ceiling)
        items[settling + 1:] = later
        recomputed_from = inst.period + 1 if later else None

    allocations = tuple(Allocation(items[i].period, ip[0], ip[1]) for i, ip in sorted(paid.items()))
    return RepaymentResult(paid_on, amount, allocations, left, recomputed_from,
                           Schedule(terms, tuple(items), paid_on))


def replay(schedule: Schedule, repayments: Iterable[Repayment], *,
           until: dt.date | None = None) -> tuple[Schedule, tuple[RepaymentResult, ...]]:
    """Apply ``repayments`` (those dated on or before ``until``, when given) in date order, same-day
    ones in the order given, to ``schedule`` as built."""
    _require_as_built(schedule)
    results = []
    for rep in sorted(repayments, key=lambda r: r.paid_on):
        if until is not None and rep.paid_on > until:
            break
        result = apply_repayment(schedule, paid_on=rep.paid_on, amount=rep.amount)
        results.append(result)
        schedule = result.schedule
    return schedule, tuple(results)


def _require_as_built(schedule: Schedule) -> None:
    if schedule.last_paid_on is not None:
        raise ValueError("pass the schedule as built (before any repayment) with the repayments to replay")


# --- default and buy-back ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DefaultStatus:
    in_default: bool
    since: dt.date | None    # the day the loan went into default
    period: int | None       # the instalment that put it there


def _lapsed(schedule: Schedule, days: int, deadline_ok) -> DefaultStatus | None:
    """The oldest unsettled instalment has the earliest deadline, so it alone can have lapsed."""
    for inst in schedule.instalments:
        if not inst.settled:
            deadline = inst.due_on + dt.timedelta(days=days)
            return DefaultStatus(True, deadline, inst.period) if deadline_ok(deadline) else None
    return None


def default_status(schedule: Schedule, repayments: Iterable[Repayment], *, on: dt.date,
                   default_after_days: int = DEFAULT_AFTER_DAYS) -> DefaultStatus:
    """Is the loan in default on ``on``? ``schedule`` is the schedule as built.

    An instalment still not fully paid (interest and principal, to the fen) at the end of the day
    ``due_on + default_after_days``, counting every repayment dated on or before that day, puts the
    loan in default from that day: with the default 90, an instalment due 10 Mar and unpaid puts the
    loan in default on 8 Jun, and not on 7 Jun; a repayment dated 8 Jun still counts. Default does
    not cure: repayments after that day do not undo it (the guarantor's buy-back is then due)."""
    if isinstance(default_after_days, bool) or not isinstance(default_after_days, int) or default_after_days < 1:
        raise InvalidLoanTerms(f"default_after_days must be a whole number of days from 1, got {default_after_days!r}",
                               field="default_after_days")
    _require_as_built(schedule)
    state = schedule
    for rep in sorted(repayments, key=lambda r: r.paid_on):
        if rep.paid_on > on:
            break
        hit = _lapsed(state, default_after_days, lambda deadline: deadline < rep.paid_on)
        if hit:
            return hit
        state = apply_repayment(state, paid_on=rep.paid_on, amount=rep.amount).schedule
    return _lapsed(state, default_after_days, lambda deadline: deadline <= on) or DefaultStatus(False, None, None)


@dataclass(frozen=True, slots=True)
class BuyBack:
    on: dt.date
    principal: Decimal             # all principal not yet repaid, due or not
    interest: Decimal              # interest of instalments due on or before ``on`` and not paid
    amount: Decimal                # principal + interest: what the guarantor pays
    interest_periods: tuple[int, ...]
    default: DefaultStatus


def buy_back(schedule: Schedule, repayments: Iterable[Repayment], *, on: dt.date,
             default_after_days: int = DEFAULT_AFTER_DAYS) -> BuyBack:
    """The guarantor's buy-back on ``on`` (POLICY.md §8), from the schedule as built and the
    repayments. The loan must be in default on ``on`` (LOAN_NOT_IN_DEFAULT) and no repayment may
    be dated after it (REPAYMENT_OUT_OF_ORDER: a buy-back closes the loan).

    amount = every principal not yet repaid (due or not) + the interest of every instalment due on
    or before ``on`` that is not paid. The interest of the month in progress is not yet due and is not
    bought: the guarantor takes over the debt as it stands on ``on``, and a loan is never bought
    for more than its arrears plus its principal. No penalty interest: POLICY.md defines none."""
    repayments = list(repayments)
    late = [r for r in repayments if r.paid_on > on]
    if late:
        raise RepaymentOutOfOrder(f"a repayment on {late[0].paid_on} is after the buy-back on {on}",
                                  details={"paid_on": late[0].paid_on.isoformat(), "buy_back_on": on.isoformat()})
    status = default_status(schedule, repayments, on=on, default_after_days=default_after_days)
    if not status.in_default:
        raise LoanNotInDefault(f"the loan is not in default on {on}", details={"on": on.isoformat()})
    state, _ = replay(schedule, repayments)
    principal = state.outstanding_principal
    due = [i for i in state.instalments if i.due_on <= on and i.interest_owed > 0]
    interest = sum((i.interest_owed for i in due), ZERO)
    if principal + interest == 0:
        raise NothingToBuyBack("the loan is repaid: nothing is left to buy back")
    return BuyBack(on, principal, interest, principal + interest, tuple(i.period for i in due), status)


# --- the interest reward ----------------------------------------------------------------------

class PaidInterest(NamedTuple):
    """Interest one repayment paid on one instalment: a line of the reward's breakdown. ``ref``
    names the repayment to whoever stored it (the service's repayment id); the rules only carry it."""
    period: int
    paid_on: dt.date
    interest: Decimal
    ref: Any = None


def paid_interest(results: Iterable[RepaymentResult], refs: Sequence[Any] | None = None) -> tuple[PaidInterest, ...]:
    """The interest lines of repayments, in the order they were paid; ``refs[i]`` (when given)
    names the repayment of ``results[i]``."""
    results = tuple(results)
    refs = tuple(refs) if refs is not None else (None,) * len(results)
    if len(refs) != len(results):
        raise ValueError("one ref per repayment result")
    return tuple(PaidInterest(a.period, r.paid_on, a.interest, ref)
                 for r, ref in zip(results, refs) for a in r.allocations if a.interest)


@dataclass(frozen=True, slots=True)
class Reward:
    reward: Decimal
    paid_interest: Decimal          # the interest counted now (never rewarded before)
    before_cap: Decimal
    cap_left: Decimal
    cap_applied: bool
    share: Decimal
    benchmark_rate: Decimal
    annual_rate: Decimal
    period_from: int
    period_to: int
    lines: tuple[PaidInterest, ...]  # every repayment counted, with the interest counted from it

    def rewarded_by_period(self) -> dict[int, Decimal]:
        """What this reward adds to ``already_rewarded``, per period."""
        out: dict[int, Decimal] = {}
        for line in self.lines:
            out[line.period] = out.get(line.period, ZERO) + line.interest
        return out

    def breakdown(self) -> dict[str, Any]:
        """The stored, printed explanation (money and rates as strings)."""
        return {
            "formula": "reward = floor_fen(share × paid_interest × min(1, benchmark_rate / annual_rate))",
            "period_from": self.period_from, "period_to": self.period_to,
            "lines": [{"period": line.period, "paid_on": line.paid_on.isoformat(), "interest": str(line.interest),
                       **({"repayment_id": line.ref} if line.ref is not None else {})}
                      for line in self.lines],
            "paid_interest": str(self.paid_interest), "share": str(self.share),
            "benchmark_rate": str(self.benchmark_rate), "annual_rate": str(self.annual_rate),
            "before_cap": str(self.before_cap), "enterprise_cap_left": str(self.cap_left),
            "cap_applied": self.cap_applied, "reward": str(self.reward),
        }


def interest_reward(paid: Iterable[PaidInterest], *, annual_rate: Decimal, period_from: int, period_to: int,
                    cap_left: Decimal, share: Decimal = REWARD_SHARE, benchmark_rate: Decimal = BENCHMARK_RATE,
                    already_rewarded: Mapping[int, Decimal] | None = None) -> Reward:
    """POLICY.md §8: ``reward = share × paid_interest × min(1, benchmark_rate / annual_rate)``,
    rounded down to the fen once on the range's total, then capped by ``cap_left`` (the
    enterprise's cap still unused; 0.00 when used up).

    ``paid`` holds the interest lines of the loan's repayments (lines outside the range are
    ignored). ``already_rewarded`` maps a period to the interest of it rewarded before: that much
    of the period's earliest paid interest is skipped, so no fen of interest is rewarded twice and a
    period paid partly, rewarded, then paid in full can be claimed again for the rest. Every period
    of the range must bring interest: none paid at all → NO_INTEREST_PAID, all of it rewarded
    already → INTEREST_ALREADY_REWARDED (a claim names exactly the months it is for)."""
    _check_rate(annual_rate, field="annual_rate", error=InvalidRewardRequest)
    for name, value in (("period_from", period_from), ("period_to", period_to)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidRewardRequest(f"{name} must be a period number from 1, got {value!r}", field=name)
    if period_from > period_to:
        raise InvalidRewardRequest(f"period_from {period_from} is after period_to {period_to}", field="period_from")
    if not isinstance(share, Decimal) or not D(0) < share <= 1:
        raise InvalidRewardRequest(f"share must be in (0, 1], got {share!r}", field="share")
    if not isinstance(benchmark_rate, Decimal) or not benchmark_rate.is_finite() or benchmark_rate <= 0:
        raise InvalidRewardRequest(f"benchmark_rate must be above 0, got {benchmark_rate!r}", field="benchmark_rate")
    if not _money_ok(cap_left) or cap_left < 0:
        raise InvalidRewardRequest(f"cap_left must be money of at least 0.00, got {cap_left!r}", field="cap_left")
    rewarded = dict(already_rewarded or {})

    by_period: dict[int, list[PaidInterest]] = {p: [] for p in range(period_from, period_to + 1)}
    for line in paid:
        if line.period in by_period and line.interest:
            by_period[line.period].append(line)
    counted: list[PaidInterest] = []
    for period, lines in by_period.items():
        if not lines:
            raise NoInterestPaid(f"no interest has been paid for period {period}", details={"period": period})
        lines.sort(key=lambda line: line.paid_on)       # stable: same-day lines keep their order
        skip = rewarded.get(period, ZERO)
        total = sum((line.interest for line in lines), ZERO)
        if skip > total:
            raise InvalidRewardRequest(f"period {period}: {skip} rewarded before but only {total} paid",
                                       field="already_rewarded")
        if skip == total:
            raise InterestAlreadyRewarded(f"the {total} interest paid for period {period} has been rewarded already",
                                          details={"period": period, "rewarded": str(skip)})
        for line in lines:
            take = line.interest - min(skip, line.interest)
            skip -= line.interest - take
            if take:
                counted.append(line._replace(interest=take))

    interest = sum((line.interest for line in counted), ZERO)
    with localcontext() as ctx:
        # Multiply before dividing: the exact product of short decimals, divided once at
        # SCHEDULE_PRECISION, is truncated exactly (600.00 × 0.5 × 0.0385 / 0.06 is 192.50, not 192.49).
        ctx.prec = SCHEDULE_PRECISION
        if benchmark_rate < annual_rate:
            before_cap = round_down_fen(share * interest * benchmark_rate / annual_rate)
        else:
            before_cap = round_down_fen(share * interest)
    reward = min(before_cap, cap_left)
    return Reward(reward, interest, before_cap, cap_left, reward < before_cap, share, benchmark_rate, annual_rate,
                  period_from, period_to, tuple(counted))


# --- order financing --------------------------------------------------------------------------

def advance_limit(contract_amount: Decimal, *, advance_ratio: Decimal = ADVANCE_RATIO) -> Decimal:
    """The most a financier may advance against a contract: ratio × amount, rounded down (a limit
    is never rounded up)."""
    if not _money_ok(contract_amount) or contract_amount <= 0:
        raise InvalidAdvance(f"contract_amount must be money above 0.00, got {contract_amount!r}",
                             field="contract_amount")
    if not isinstance(advance_ratio, Decimal) or not D(0) < advance_ratio <= 1:
        raise InvalidAdvance(f"advance_ratio must be in (0, 1], got {advance_ratio!r}", field="advance_ratio")
    return round_down_fen(advance_ratio * contract_amount)


def check_advance(advance: Decimal, *, contract_amount: Decimal, advance_ratio: Decimal = ADVANCE_RATIO) -> Decimal:
    """POLICY.md §8 order financing: advance ≤ advance_ratio × contract amount. Returns the limit."""
    if not _money_ok(advance) or advance <= 0:
        raise InvalidAdvance(f"advance must be money above 0.00, got {advance!r}", field="advance")
    limit = advance_limit(contract_amount, advance_ratio=advance_ratio)
    if advance > limit:
        raise AdvanceOverLimit(f"the advance {advance} is above {advance_ratio} × the contract amount "
                               f"{contract_amount} = {limit}",
                               details={"advance": str(advance), "limit": str(limit),
                                        "contract_amount": str(contract_amount), "advance_ratio": str(advance_ratio)})
    return limit
