"""Interest rewards and order financing through the HTTP API: the reward claim, its cap, budget
and window; the assignment of a voucher's payout while an advance is outstanding."""
from __future__ import annotations

import pytest

from claims.models import Claim
from financing.models import Loan, LoanReward, LoanRewardLine
from ledger.models import LedgerJournal
from tests.financing.lending import Lending
from tests.support.world import row_count
from vouchers.models import Voucher


@pytest.fixture
def lending(client, world, frozen_clock):
    frozen_clock("2026-03-05T10:00:00+08:00")
    return Lending(client, world)


@pytest.fixture
def paid_loan(lending, frozen_clock):
    """The worked example's loan, its first two instalments paid on time (600.00 and 551.36 interest)."""
    frozen_clock("2026-01-10T10:00:00+08:00")
    loan = lending.loan()
    frozen_clock("2026-03-05T10:00:00+08:00")
    for day in ("2026-01-31", "2026-02-28"):
        assert lending.repay(loan["id"], day, "10327.97").status_code == 201
    return loan


def counts(db) -> tuple[int, ...]:
    return tuple(row_count(db, m) for m in (LoanReward, LoanRewardLine, Claim, LedgerJournal))


# --- the reward --------------------------------------------------------------------------------

def test_a_reward_claim_lists_every_repayment_it_counted_and_the_settings_it_used(lending, paid_loan):
    r = lending.reward(paid_loan["id"], 1, 2)
    assert r.status_code == 201, r.json
    claim = r.json
    assert (claim["kind"], claim["status"], claim["final_amount"]) == ("financing_reward", "submitted", "369.39")
    assert (claim["loan_id"], claim["period_from"], claim["period_to"], claim["paid_interest"]) == \
        (paid_loan["id"], 1, 2, "1151.36")
    assert claim["payee_org_id"] == lending.enterprise.id and claim["scheme_id"] == lending.scheme["id"]
    b = claim["breakdown"]
    repayments = [x["id"] for x in lending.get(paid_loan["id"])["repayments"]]
    assert [(x["period"], x["paid_on"], x["interest"], x["repayment_id"]) for x in b["lines"]] == [
        (1, "2026-01-31", "600.00", repayments[0]), (2, "2026-02-28", "551.36", repayments[1])]
    assert b["settings"] == {"reward_share": "0.50", "benchmark_rate": "0.0385", "enterprise_cap": "1000000.00"}
    assert (b["annual_rate"], b["before_cap"], b["reward"], b["settings_version"]) == ("0.06", "369.39", "369.39", 1)
    assert lending.budget()["reserved"] == "369.39"


def test_a_reward_may_name_its_periods_by_the_dates_they_fall_due(lending, paid_loan):
    r = lending.reward(paid_loan["id"], "2026-02-01", "2026-02-28")
    assert (r.status_code, r.json["period_from"], r.json["period_to"], r.json["final_amount"]) == \
        (201, 2, 2, "176.89")
    r = lending.reward(paid_loan["id"], "2026-06-01", "2026-06-02")
    assert (r.status_code, r.json["code"]) == (422, "INVALID_REWARD_REQUEST")


def test_the_benchmark_and_share_are_scheme_settings_printed_in_the_breakdown(lending, paid_loan):
    lending.ok("PATCH", f"/schemes/{lending.scheme['id']}/settings", lending.pilot.admin,
               json={"benchmark_rate": "0.03", "reward_share": "0.40"})
    r = lending.reward(paid_loan["id"], 1, 1)
    assert r.json["final_amount"] == "120.00"           # 600.00 × 0.40 × 0.03 / 0.06
    assert r.json["breakdown"]["settings"]["benchmark_rate"] == "0.03" and r.json["breakdown"]["settings_version"] == 2


@pytest.mark.parametrize("settings, value", [
    ({"benchmark_rate": "0"}, "benchmark_rate"), ({"benchmark_rate": "0.0000001"}, "benchmark_rate"),
    ({"reward_share": "1.5"}, "reward_share"), ({"advance_ratio": "0"}, "advance_ratio"),
    ({"default_after_days": 0}, "default_after_days"), ({"default_after_days": "90"}, "default_after_days"),
])
def test_financing_settings_out_of_range_are_refused(lending, settings, value):
    r = lending.call("PATCH", f"/schemes/{lending.scheme['id']}/settings", lending.pilot.admin, json=settings)
    assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "VALIDATION_ERROR", value)


def test_a_scheme_prints_the_financing_settings_with_their_defaults(lending):
    settings = lending.scheme["settings"]
    assert (settings["reward_share"], settings["benchmark_rate"], settings["advance_ratio"],
            settings["default_after_days"]) == ("0.50", "0.0385", "0.70", 90)


def test_the_reward_is_capped_by_what_the_enterprise_cap_has_left_then_refused(lending, paid_loan, db):
    lending.ok("PATCH", f"/schemes/{lending.scheme['id']}/settings", lending.pilot.admin,
               json={"enterprise_cap": "200.00"})
    first = lending.reward(paid_loan["id"], 1, 1).json
    assert (first["final_amount"], first["breakdown"]["cap_applied"]) == ("192.50", False)
    second = lending.reward(paid_loan["id"], 2, 2).json
    assert (second["final_amount"], second["breakdown"]["before_cap"], second["breakdown"]["cap_applied"]) == \
        ("7.50", "176.89", True)
    before = counts(db)
    frozen = lending.repay(paid_loan["id"], "2026-03-05", "10327.97")
    assert frozen.status_code == 201
    before = counts(db)
    r = lending.reward(paid_loan["id"], 3, 3)
    assert (r.status_code, r.json["code"]) == (409, "CAP_EXHAUSTED")
    assert counts(db) == before


def test_a_reward_the_available_budget_cannot_cover_is_refused_and_nothing_is_written(client, world, frozen_clock,
                                                                                      db):
    frozen_clock("2026-01-10T10:00:00+08:00")
    lending = Lending(client, world, scheme_budget="100.00")
    loan = lending.loan()
    frozen_clock("2026-02-01T10:00:00+08:00")
    lending.repay(loan["id"], "2026-01-31", "10327.97")
    before = counts(db)
    r = lending.reward(loan["id"], 1, 1)
    assert (r.status_code, r.json["code"], r.json["details"]) == \
        (409, "BUDGET_EXHAUSTED", {"reward": "192.50", "available": "100.00"})
    assert counts(db) == before and lending.budget()["available"] == "100.00"


@pytest.mark.parametrize("case, status, code", [
    ("no interest paid", 409, "NO_INTEREST_PAID"),
    ("beyond the term", 422, "INVALID_REWARD_REQUEST"),
    ("backwards", 422, "INVALID_REWARD_REQUEST"),
    ("another enterprise", 403, "FORBIDDEN"),
    ("a cloud scheme", 409, "WRONG_SCHEME_KIND"),
    ("a financier", 403, "FORBIDDEN"),
])
def test_a_reward_request_that_cannot_be_granted_is_refused_and_nothing_is_written(lending, paid_loan, db, case,
                                                                                   status, code):
    other = lending.pilot.enterprise("大岭山家具", city="东莞")
    cloud = lending.pilot.scheme("1000.00")
    calls = {
        "no interest paid": lambda: lending.reward(paid_loan["id"], 2, 3),
        "beyond the term": lambda: lending.reward(paid_loan["id"], 12, 13),
        "backwards": lambda: lending.reward(paid_loan["id"], 2, 1),
        "another enterprise": lambda: lending.reward(paid_loan["id"], 1, 1,
                                                     token=lending.pilot.enterprise_tokens[other.name]),
        "a cloud scheme": lambda: lending.reward(paid_loan["id"], 1, 1, scheme_id=cloud["id"]),
        "a financier": lambda: lending.reward(paid_loan["id"], 1, 1, token=lending.bank_token),
    }
    before = counts(db)
    r = calls[case]()
    assert (r.status_code, r.json["code"]) == (status, code), r.json
    assert counts(db) == before


def test_a_reward_outside_the_scheme_s_application_window_is_refused(lending, paid_loan, frozen_clock, db):
    frozen_clock("2027-01-02T10:00:00+08:00")
    r = lending.reward(paid_loan["id"], 1, 1)
    assert (r.status_code, r.json["code"]) == (409, "OUTSIDE_APPLICATION_WINDOW")


def test_interest_of_a_period_paid_in_parts_is_rewarded_part_by_part_never_twice(lending, frozen_clock):
    frozen_clock("2026-01-10T10:00:00+08:00")
    loan = lending.loan()
    lending.repay(loan["id"], "2026-01-10", "250.00")
    first = lending.reward(loan["id"], 1, 1).json
    assert (first["final_amount"], first["paid_interest"]) == ("80.20", "250.00")
    r = lending.reward(loan["id"], 1, 1)
    assert (r.status_code, r.json["code"]) == (409, "INTEREST_ALREADY_REWARDED")
    frozen_clock("2026-01-31T10:00:00+08:00")
    lending.repay(loan["id"], "2026-01-31", "10077.97")
    second = lending.reward(loan["id"], 1, 1).json
    assert (second["final_amount"], second["paid_interest"]) == ("112.29", "350.00")
    assert [x["interest"] for x in second["breakdown"]["lines"]] == ["350.00"]


def test_a_returned_reward_claim_is_corrected_by_asking_again_and_keeps_its_id(lending, paid_loan, db):
    claim = lending.reward(paid_loan["id"], 1, 1).json
    p = lending.pilot
    p.ok("POST", f"/claims/{claim['id']}/return", p.reviewer, json={"reason": "利息凭证不清"})
    lending.ok("PATCH", f"/schemes/{lending.scheme['id']}/settings", p.admin, json={"benchmark_rate": "0.03"})
    again = lending.reward(paid_loan["id"], 1, 1)
    assert (again.status_code, again.json["id"], again.json["status"], again.json["final_amount"],
            again.json["submissions"]) == (201, claim["id"], "submitted", "150.00", 2)
    assert again.json["breakdown"]["released"] == "42.50"
    assert row_count(db, LoanReward) == 1 and row_count(db, LoanRewardLine) == 1
    approved = p.ok("POST", f"/claims/{claim['id']}/approve", p.reviewer)
    assert approved["status"] == "publicity"
    b = lending.budget()
    assert (b["available"], b["reserved"], b["payable"]) == ("999850.00", "0.00", "150.00")


def test_a_lapsed_reward_claim_frees_its_interest_for_another_claim(lending, paid_loan, frozen_clock):
    claim = lending.reward(paid_loan["id"], 1, 1).json
    p = lending.pilot
    p.ok("POST", f"/claims/{claim['id']}/return", p.reviewer, json={"reason": "逾期未改"})
    frozen_clock("2027-01-01T10:00:00+08:00")
    p.daily()
    assert p.get_claim(claim["id"])["status"] == "lapsed"
    frozen_clock("2027-01-02T10:00:00+08:00")
    next_year = lending.open_scheme("1000.00", year=2027, name="2027年融资上云服务券", apply_from="2027-01-01",
                                    apply_to="2027-12-31", redeem_from="2027-01-01", redeem_to="2027-12-31")
    r = lending.reward(paid_loan["id"], 1, 1, scheme_id=next_year["id"])
    assert (r.status_code, r.json["final_amount"]) == (201, "192.50")


# --- order financing ---------------------------------------------------------------------------

@pytest.fixture
def order(lending, frozen_clock):
    frozen_clock("2026-01-10T10:00:00+08:00")
    return lending.issued_voucher()          # (cloud scheme, contract of 200,000.00, issued voucher)


def advance(lending, order, amount, token=None, **over):
    _, contract, voucher = order
    return lending.call("POST", "/loans", token or lending.bank_token,
                        json=lending.order_body(contract, voucher, amount, **over))


def test_an_order_financing_shows_its_limit_and_assigns_the_voucher(lending, order, db):
    preview = lending.call("POST", "/loans/preview", lending.bank_token,
                           json=lending.order_body(order[1], order[2], "140000.00"))
    assert preview.status_code == 200 and row_count(db, Loan) == 0
    loan = advance(lending, order, "140000.00").json
    assert (loan["kind"], loan["status"], loan["guarantor_id"]) == ("order", "active", None)
    assert loan["terms"]["advance_limit"] == "140000.00" and loan["terms"]["settings"]["advance_ratio"] == "0.70"
    assert [i["payment"] for i in loan["schedule"]] == ["140700.00"] == [i["payment"] for i in preview.json["schedule"]]
    assert lending.ok("GET", f"/vouchers/{order[2]['id']}", lending.enterprise_token)["assignee_org_id"] == \
        lending.bank.id


@pytest.mark.parametrize("case, status, code", [
    ("over the limit", 409, "ADVANCE_OVER_LIMIT"),
    ("a guarantor", 422, "VALIDATION_ERROR"),
    ("no voucher", 422, "VALIDATION_ERROR"),
    ("another contract's voucher", 422, "VALIDATION_ERROR"),
    ("a voucher not issued", 409, "VOUCHER_NOT_ISSUED"),
    ("assigned already", 409, "VOUCHER_ALREADY_ASSIGNED"),
])
def test_order_financing_that_cannot_be_granted_is_refused_and_nothing_is_written(lending, order, db, case, status,
                                                                                  code):
    scheme, contract, voucher = order
    p = lending.pilot
    if case == "a voucher not issued":
        other = p.contract("南海陶瓷", [("cpe_gateway", 10, "1000.00")], signed_on="2026-01-06")
        pending = p.apply("南海陶瓷", scheme["id"], other["id"]).json          # reserved, not yet issued
        contract, voucher = other, pending
    if case == "assigned already":
        assert advance(lending, order, "1000.00").status_code == 201
    over = {"over the limit": {"principal": "140000.01"}, "a guarantor": {"guarantor_id": lending.maker.id},
            "no voucher": {"voucher_id": None}}.get(case, {})
    if case == "another contract's voucher":
        over = {"contract_id": p.contract("南海陶瓷", [("cpe_gateway", 1, "1000.00")], signed_on="2026-01-06")["id"]}
    before = (row_count(db, Loan), [v.assignee_org_id for v in _vouchers(db)])
    body = {k: v for k, v in lending.order_body(contract, voucher, "1000.00", **over).items() if v is not None}
    r = lending.call("POST", "/loans", lending.bank_token, json=body)
    assert (r.status_code, r.json["code"]) == (status, code), r.json
    assert (row_count(db, Loan), [v.assignee_org_id for v in _vouchers(db)]) == before


def _vouchers(db):
    import sqlalchemy as sa
    with db.connect() as c:
        return c.execute(sa.select(Voucher.assignee_org_id).order_by(Voucher.id)).all()


def test_a_voucher_whose_claim_is_in_a_payout_batch_cannot_be_assigned(lending, order, frozen_clock, app):
    p = lending.pilot
    app.config["PUBLICITY_DAYS_OVERRIDE"] = 0
    claim = p.claim("南海陶瓷", order[2]["id"], "190000.00").json
    p.ok("POST", f"/claims/{claim['id']}/approve", p.reviewer)
    assert p.build_batch(order[0]["id"]).status_code == 201
    r = advance(lending, order, "1000.00")
    assert (r.status_code, r.json["code"], r.json["details"]["claim_status"]) == (409, "VOUCHER_NOT_ISSUED", "in_batch")


def test_a_claim_under_review_is_paid_to_the_financier_once_the_voucher_is_assigned(lending, order):
    p = lending.pilot
    claim = p.claim("南海陶瓷", order[2]["id"], "190000.00").json
    assert claim["payee_org_id"] == lending.enterprise.id
    assert advance(lending, order, "140000.00").status_code == 201
    assert p.get_claim(claim["id"])["payee_org_id"] == lending.bank.id
    assert lending.ok("GET", f"/claims/{claim['id']}", lending.bank_token)["id"] == claim["id"]  # the payee reads it


def test_a_second_advance_after_the_first_is_repaid_assigns_the_voucher_again(lending, order, frozen_clock):
    loan = advance(lending, order, "1000.00").json
    frozen_clock("2026-01-31T10:00:00+08:00")
    assert lending.repay(loan["id"], "2026-01-31", "1005.00").json["status"] == "repaid"
    again = advance(lending, order, "2000.00", token=lending.other_bank_token, first_due_on="2026-02-28")
    assert again.status_code == 201, again.json
    assert lending.ok("GET", f"/vouchers/{order[2]['id']}", lending.pilot.auditor)["assignee_org_id"] == \
        lending.other_bank.id


def test_a_payment_already_in_a_batch_stays_with_the_financier_when_the_advance_is_repaid(lending, order, app,
                                                                                         frozen_clock):
    p = lending.pilot
    app.config["PUBLICITY_DAYS_OVERRIDE"] = 0
    loan = advance(lending, order, "140000.00").json
    claim = p.claim("南海陶瓷", order[2]["id"], "190000.00").json
    p.ok("POST", f"/claims/{claim['id']}/approve", p.reviewer)
    batch = p.build_batch(order[0]["id"]).json
    assert [(x["claim_id"], x["payee_name"]) for x in batch["lines"]] == [(claim["id"], "集群发展银行")]
    frozen_clock("2026-01-31T10:00:00+08:00")
    assert lending.repay(loan["id"], "2026-01-31", "140700.00").json["status"] == "repaid"
    assert lending.ok("GET", f"/vouchers/{order[2]['id']}", p.auditor)["assignee_org_id"] is None
    assert p.get_claim(claim["id"])["payee_org_id"] == lending.bank.id    # the batch line says who is paid
