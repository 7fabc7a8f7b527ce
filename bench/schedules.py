"""Schedule benchmark: build_schedule for N loans of 36 months by each method, against two
baselines measured in the same run.

    .venv/bin/python bench/schedules.py [--n 100000] [--months 36]

- ``build_schedule``: what the service will call: validated LoanTerms, frozen Instalment rows with
  due dates, the annuity payment at 50 digits (with its exact tie check), interest half-up per month.
- minimal loop: the same arithmetic and rounding in bare Decimal at the same precision (no
  validation, no dataclasses, no dates, no tie check), the least any exact schedule costs in Python.
- formula only: the annuity payment per loan and nothing else (one power, one division).

The loans are varied (principal and rate per loan) and identical for every side; each method runs
all N. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import ROUND_HALF_UP, Decimal, localcontext

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from financing.rules import (  # noqa: E402
    ANNUITY, EQUAL_PRINCIPAL, SCHEDULE_PRECISION, LoanTerms, annuity_payment, build_schedule,
)

FEN = Decimal("0.01")
TWELVE = Decimal(12)


def loans(n: int, months: int, method: str) -> list[tuple[Decimal, Decimal, int, str, dt.date]]:
    rng = random.Random(36)
    first = dt.date(2020, 1, 31)
    return [(Decimal(rng.randint(10_000_00, 5_000_000_00)).scaleb(-2), Decimal(rng.randint(3_000, 240_000)).scaleb(-6),
             months, method, first) for _ in range(n)]


def run_rules(data) -> tuple[float, int]:
    t = time.perf_counter()
    rows = 0
    for principal, rate, months, method, first in data:
        rows += len(build_schedule(LoanTerms(principal, rate, months, method, first)).instalments)
    return time.perf_counter() - t, rows


def run_minimal(data) -> float:
    t = time.perf_counter()
    with localcontext() as ctx:
        ctx.prec = SCHEDULE_PRECISION
        for principal, rate, months, method, _ in data:
            r = rate / TWELVE
            if method == ANNUITY:
                growth = (1 + r) ** months
                level = (principal * r * growth / (growth - 1)).quantize(FEN, ROUND_HALF_UP)
            else:
                level = (principal / months).quantize(FEN, ROUND_HALF_UP)
            balance = principal
            out = []
            for period in range(1, months + 1):
                interest = (balance * rate / TWELVE).quantize(FEN, ROUND_HALF_UP)
                part = balance if period == months else (level - interest if method == ANNUITY else level)
                balance -= part
                out.append((part, interest, balance))
    return time.perf_counter() - t


def run_formula(data) -> float:
    t = time.perf_counter()
    for principal, rate, months, _, _ in data:
        annuity_payment(principal, rate, months)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=36)
    args = ap.parse_args()
    print(f"schedule benchmark: {args.n:,} loans of {args.months} months by each method, "
          f"Python {sys.version.split()[0]}")
    for method in (ANNUITY, EQUAL_PRINCIPAL):
        data = loans(args.n, args.months, method)
        rules_s, rows = run_rules(data)
        minimal_s = run_minimal(data)
        print(f"\n[{method}]")
        print(f"  build_schedule       : {args.n / rules_s:>9,.0f} loans/s {rows / rules_s:>11,.0f} instalments/s "
              f"({rules_s:.2f} s)")
        print(f"  minimal Decimal loop : {args.n / minimal_s:>9,.0f} loans/s {rows / minimal_s:>11,.0f} instalments/s "
              f"({minimal_s:.2f} s)")
        print(f"  build_schedule runs at {minimal_s / rules_s:.0%} of the minimal loop "
              f"({rules_s / minimal_s:.1f}x the time)")
        if method == ANNUITY:
            formula_s = run_formula(data)
            print(f"  annuity formula only : {args.n / formula_s:>9,.0f} loans/s  "
                  f"(a whole schedule costs {rules_s / formula_s:.0f} formulas)")


if __name__ == "__main__":
    main()
