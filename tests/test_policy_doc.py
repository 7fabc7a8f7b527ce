"""docs/policy.md states the rules in the project's words with worked examples; every figure it
prints is what the service's own rules compute (and every example here is on the page)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from catalog.rules import line_subsidy, parse_standard, standard_to_dict
from claims.rules import publicity
from financing.rules import LoanTerms, PaidInterest, advance_limit, build_schedule, interest_reward
from kernel.errors import DomainError
from schemes.rules import defaults_for
from talent.rules import Completion, trainee_amount
from vouchers.rules import PricedLine, claim_amount, face_value

DOC = Path(__file__).resolve().parents[1] / "docs" / "policy.md"
CLOUD = defaults_for("cloud")
LINES = [("cpe_gateway", 10, "1000.00", {"kind": "per_unit", "amount": "300.00"}),
         ("mec_server", 1, "150000.00", {"kind": "ratio", "rate": "0.30", "cap": "40000.00"}),
         ("coverage_area", 2000, "20.00", {"kind": "ratio", "rate": "0.30"})]


def money(value: D) -> str:
    return f"{value:,.2f}"


def worked_face_value():
    priced = []
    for no, (kind, qty, price, std) in enumerate(LINES, start=1):
        standard, amount = parse_standard(std), D(qty) * D(price)
        priced.append(PricedLine(no, no, no, kind, D(qty), D(price), amount, standard_to_dict(standard),
                                 line_subsidy(standard, quantity=D(qty), amount=amount)))
    return face_value(priced, city="佛山", settings=CLOUD, enterprise_cap_left=CLOUD.enterprise_cap,
                      provider_quota_left=CLOUD.provider_quota_major)


def claim(paid: str):
    fv = worked_face_value()
    try:
        return claim_amount(face_value=fv.face_value, contract_amount=fv.contract_amount, paid_amount=D(paid),
                            min_paid_ratio=CLOUD.settle_min_paid_ratio)
    except DomainError as exc:
        return exc


def schedule(method: str):
    return build_schedule(LoanTerms(principal=D("120000.00"), annual_rate=D("0.06"), term_months=12, method=method,
                                    first_due_on=dt.date(2026, 2, 28)))


def tiered() -> D:
    std = parse_standard({"kind": "tiered", "bands": [{"upto": "100000.00", "rate": "0.50"},
                                                      {"upto": "500000.00", "rate": "0.30"},
                                                      {"upto": None, "rate": "0.10"}]})
    return line_subsidy(std, quantity=D(1), amount=D("300000.00")).subsidy


MONDAY = publicity(dt.date(2026, 3, 2), CLOUD.publicity_working_days)

COMPUTED = {
    "cloud.contract_amount": lambda: money(worked_face_value().contract_amount),
    "cloud.sum_of_lines": lambda: money(worked_face_value().sum_of_lines),
    "cloud.share_cap": lambda: money(worked_face_value().share_cap),
    "cloud.face_value": lambda: money(worked_face_value().face_value),
    "cloud.claim_95": lambda: money(claim("190000.00").final_amount),
    "cloud.released_95": lambda: money(claim("190000.00").released),
    "cloud.claim_underpaid": lambda: claim("179999.99").code,
    "cloud.tiered": lambda: money(tiered()),
    "publicity.ends": lambda: MONDAY.ends_on.isoformat(),
    "publicity.payable_from": lambda: MONDAY.payable_from.isoformat(),
    "loan.annuity_payment": lambda: money(schedule("annuity").instalment(1).payment),
    "loan.annuity_interest_1": lambda: money(schedule("annuity").instalment(1).interest),
    "loan.annuity_last": lambda: money(schedule("annuity").instalment(12).payment),
    "loan.annuity_total_interest": lambda: money(schedule("annuity").total_interest),
    "loan.equal_principal_1": lambda: money(schedule("equal_principal").instalment(1).payment),
    "loan.equal_principal_2": lambda: money(schedule("equal_principal").instalment(2).payment),
    "loan.equal_principal_total_interest": lambda: money(schedule("equal_principal").total_interest),
    "reward.month_1": lambda: money(interest_reward(
        [PaidInterest(1, dt.date(2026, 2, 28), D("600.00"))], annual_rate=D("0.06"), period_from=1, period_to=1,
        cap_left=CLOUD.enterprise_cap, share=CLOUD.reward_share, benchmark_rate=CLOUD.benchmark_rate).reward),
    "talent.senior_fee_2500": lambda: money(trainee_amount(
        Completion(D(40), D(16), "高级", D("2500.00")), defaults_for("talent")).amount),
    "order.advance_limit": lambda: money(advance_limit(D("200000.00"))),
}


def documented() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    table = re.search(r"<!-- worked-examples -->(.*?)<!-- /worked-examples -->", text, re.S)
    assert table, "docs/policy.md marks its worked examples"
    rows = re.findall(r"^\| ([a-z_]+\.[a-z_0-9]+)[^|]*\| ([^|]+) \|$", table.group(1), re.M)
    return {key: figure.strip() for key, figure in rows}


def test_every_worked_example_on_the_page_is_computed_and_every_computed_one_is_on_the_page():
    assert sorted(documented()) == sorted(COMPUTED)


@pytest.mark.parametrize("key", sorted(COMPUTED))
def test_the_worked_example_figure_is_what_the_rules_compute(key):
    assert documented()[key] == COMPUTED[key]()


def test_the_line_table_above_the_examples_matches_the_rules():
    text = DOC.read_text(encoding="utf-8")
    fv = worked_face_value()
    for line in fv.lines:
        row = re.search(rf"^\| {line.item_kind} \|.*\| {re.escape(money(line.amount))} \|.*\| "
                        rf"{re.escape(money(line.subsidy.subsidy))} \|$", text, re.M)
        assert row, (line.item_kind, money(line.amount), money(line.subsidy.subsidy))


def test_the_page_is_in_the_repository_not_only_in_the_shared_spec():
    text = DOC.read_text(encoding="utf-8")
    assert "../shared" not in text and "F = min(V, floor_fen(V × P / A))" in text
