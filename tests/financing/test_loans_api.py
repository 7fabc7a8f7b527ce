"""Loans through the HTTP API: registration and its preview, repayments, what a loan shows,
default and buy-back, the schedule spreadsheet, who may do what."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from financing.models import Loan, LoanRepayment
from tests.financing.lending import Lending
from tests.support.world import row_count


@pytest.fixture
def lending(client, world, frozen_clock):
    frozen_clock("2026-01-10T10:00:00+08:00")
    return Lending(client, world)


def payments(items):
    return [i["payment"] for i in items]


def test_the_preview_shows_exactly_the_schedule_that_registration_books(lending, db):
    preview = lending.preview()
    assert preview.status_code == 200, preview.json
    assert row_count(db, Loan) == 0
    loan = lending.loan()
    assert loan["schedule"] == preview.json["schedule"]
    assert payments(loan["schedule"]) == ["10327.97"] * 11 + ["10327.99"]
    assert lending.schedule(loan["id"])["items"] == loan["schedule"]
    assert (loan["status"], loan["principal"], loan["annual_rate"]) == ("active", "120000.00", "0.06")
    assert loan["default_after_days"] == 90 and loan["terms"]["settings"]["scheme_id"] == lending.scheme["id"]


def test_equal_principal_repays_10000_a_month_with_interest_on_the_falling_balance(lending):
    loan = lending.loan(method="equal_principal")
    assert payments(loan["schedule"][:3]) == ["10600.00", "10550.00", "10500.00"]
    assert {i["principal"] for i in loan["schedule"]} == {"10000.00"}
    assert lending.schedule(loan["id"])["total_interest"] == "3900.00"


# --- bad input: a stable code and nothing written -------------------------------------------------

def counts(db) -> tuple[int, ...]:
    from claims.models import Claim
    from financing.models import LoanBuyBack, LoanReward, LoanRewardLine
    from ledger.models import LedgerJournal as Journal
    return tuple(row_count(db, m) for m in (Loan, LoanRepayment, LoanBuyBack, LoanReward, LoanRewardLine, Claim,
                                             Journal))


@pytest.mark.parametrize("over, status, code, field", [
    ({"annual_rate": "0"}, 422, "INVALID_LOAN_TERMS", "annual_rate"),
    ({"annual_rate": "-0.01"}, 422, "INVALID_LOAN_TERMS", "annual_rate"),
    ({"annual_rate": "0.2400001"}, 422, "INVALID_LOAN_TERMS", "annual_rate"),
    ({"annual_rate": "6"}, 422, "INVALID_LOAN_TERMS", "annual_rate"),
    ({"annual_rate": 0.06}, 422, "VALIDATION_ERROR", "annual_rate"),
    ({"annual_rate": "NaN"}, 422, "VALIDATION_ERROR", "annual_rate"),
    ({"term_months": 0}, 422, "INVALID_LOAN_TERMS", "term_months"),
    ({"term_months": 361}, 422, "INVALID_LOAN_TERMS", "term_months"),
    ({"term_months": "12"}, 422, "VALIDATION_ERROR", "term_months"),
    ({"principal": "0.00"}, 422, "INVALID_LOAN_TERMS", "principal"),
    ({"principal": "-1.00"}, 422, "VALIDATION_ERROR", "principal"),
    ({"principal": "100.001"}, 422, "VALIDATION_ERROR", "principal"),
    ({"method": "balloon"}, 422, "VALIDATION_ERROR", "method"),
    ({"guarantor_id": None}, 422, "VALIDATION_ERROR", "guarantor_id"),
    ({"first_due_on": "2026-02-30"}, 422, "VALIDATION_ERROR", "first_due_on"),
])
def test_loan_terms_out_of_range_are_refused_by_preview_and_registration_alike(lending, db, over, status, code,
                                                                               field):
    before = counts(db)
    for r in (lending.preview(**over), lending.register(**over)):
        assert (r.status_code, r.json["code"], r.json["details"].get("field")) == (status, code, field), r.json
    assert counts(db) == before


def test_a_guarantor_or_enterprise_that_is_not_one_is_refused_naming_the_field(lending, db, world):
    provider = world.org("provider", city="广州")
    before = counts(db)
    for over, field in (({"guarantor_id": lending.bank.id}, "guarantor_id"),
                        ({"enterprise_id": provider.id}, "enterprise_id")):
        r = lending.register(**over)
        assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "VALIDATION_ERROR", field)
    assert counts(db) == before


def test_only_a_financier_registers_a_loan(lending):
    r = lending.register(token=lending.enterprise_token)
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")


def test_a_repayment_above_everything_owed_is_refused_and_nothing_is_written(lending, db, frozen_clock):
    loan = lending.loan()
    frozen_clock("2026-01-31T10:00:00+08:00")
    owed = lending.get(loan["id"])["payoff_amount"]
    assert owed == "120600.00"          # all principal and the month in progress's interest
    before = counts(db)
    r = lending.repay(loan["id"], "2026-01-31", "120600.01")
    assert (r.status_code, r.json["code"], r.json["details"]["owed"]) == (409, "REPAYMENT_EXCEEDS_OWED", "120600.00")
    assert counts(db) == before
    r = lending.repay(loan["id"], "2026-01-31", owed)
    assert (r.status_code, r.json["status"], r.json["outstanding_principal"]) == (201, "repaid", "0.00")
    assert lending.get(loan["id"])["status"] == "repaid"


@pytest.mark.parametrize("paid_on, amount, code", [
    ("2025-12-30", "100.00", "REPAYMENT_BEFORE_START"),
    ("2026-01-11", "100.00", "INVALID_REPAYMENT"),        # tomorrow: money not received yet
    ("2026-01-10", "0.00", "INVALID_REPAYMENT"),
])
def test_a_repayment_before_the_loan_starts_in_the_future_or_of_nothing_is_refused(lending, db, paid_on, amount,
                                                                                   code):
    loan = lending.loan()
    before = counts(db)
    r = lending.repay(loan["id"], paid_on, amount)
    assert r.json["code"] == code and r.status_code in (409, 422), r.json
    assert counts(db) == before


def test_a_repayment_dated_before_one_already_recorded_is_refused(lending, db, frozen_clock):
    loan = lending.loan()
    frozen_clock("2026-02-05T10:00:00+08:00")
    assert lending.repay(loan["id"], "2026-02-01", "100.00").status_code == 201
    before = counts(db)
    r = lending.repay(loan["id"], "2026-01-31", "100.00")
    assert (r.status_code, r.json["code"]) == (409, "REPAYMENT_OUT_OF_ORDER")
    assert counts(db) == before


def test_only_the_loan_s_own_financier_records_its_repayments(lending, db):
    loan = lending.loan()
    before = counts(db)
    for token in (lending.other_bank_token, lending.enterprise_token):
        r = lending.repay(loan["id"], "2026-01-10", "100.00", token=token)
        assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    assert counts(db) == before


def test_a_buy_back_by_anyone_but_the_named_guarantor_is_refused(lending, db, frozen_clock):
    loan = lending.loan()
    frozen_clock("2026-05-02T10:00:00+08:00")
    before = counts(db)
    for token in (lending.other_maker_token, lending.bank_token, lending.enterprise_token):
        r = lending.buy_back(loan["id"], token=token)
        assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    assert counts(db) == before
    assert lending.get(loan["id"])["status"] == "in_default"


def test_a_buy_back_dated_in_the_future_or_twice_is_refused(lending, db, frozen_clock):
    loan = lending.loan()
    frozen_clock("2026-05-02T10:00:00+08:00")
    r = lending.buy_back(loan["id"], "2026-05-03")
    assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "VALIDATION_ERROR", "paid_on")
    assert lending.buy_back(loan["id"]).status_code == 200
    before = counts(db)
    r = lending.buy_back(loan["id"])
    assert (r.status_code, r.json["code"]) == (409, "LOAN_CLOSED")
    assert counts(db) == before


# --- what a loan shows -------------------------------------------------------------------------

def test_a_loan_shows_what_is_due_overdue_and_paid_at_a_glance(lending, frozen_clock):
    loan = lending.loan()
    frozen_clock("2026-02-28T10:00:00+08:00")
    assert lending.repay(loan["id"], "2026-02-03", "5000.00").status_code == 201
    seen = lending.get(loan["id"], token=lending.enterprise_token)
    assert (seen["as_of"], seen["status"]) == ("2026-02-28", "active")
    assert (seen["overdue"], seen["overdue_since"], seen["days_overdue"]) == ("5327.97", "2026-01-31", 28)
    assert seen["due"] == "15655.94"                      # January's rest and February's instalment, due today
    assert (seen["next_due_on"], seen["next_due_amount"]) == ("2026-03-31", "10327.97")
    assert (seen["paid"], seen["paid_interest"], seen["paid_principal"]) == ("5000.00", "600.00", "4400.00")
    assert seen["outstanding_principal"] == "115600.00"
    assert [r["allocations"] for r in seen["repayments"]] == [[{"period": 1, "interest": "600.00",
                                                                "principal": "4400.00"}]]
    states = [i["state"] for i in lending.schedule(loan["id"])["items"][:3]]
    assert states == ["overdue", "due", "upcoming"]


def test_a_loan_reads_in_default_on_its_default_day_without_anything_stored(lending, db, frozen_clock):
    loan = lending.loan()
    frozen_clock("2026-05-01T08:00:00+08:00")
    seen = lending.get(loan["id"], token=lending.maker_token)
    assert (seen["status"], seen["defaulted_on"], seen["default_period"]) == ("in_default", "2026-05-01", 1)
    assert seen["buy_back_amount"] == "122107.19"
    with db.connect() as c:
        assert c.execute(sa.select(Loan.status)).scalar() == "active"     # a read never writes
    assert lending.ok("GET", "/loans?status=in_default", lending.maker_token)["items"][0]["id"] == loan["id"]
    assert lending.ok("GET", "/loans?status=active", lending.maker_token)["items"] == []


def test_the_default_job_stores_the_default_and_a_later_repayment_does_not_cure_it(lending, db, app, frozen_clock):
    from financing import loans
    loan = lending.loan()
    frozen_clock("2026-05-02T08:00:00+08:00")
    factory = app.extensions["yunquan"].uow_factory
    assert loans.mark_defaults(factory) == 1
    assert loans.mark_defaults(factory) == 0
    r = lending.repay(loan["id"], "2026-05-02", "10327.97")
    assert r.json["status"] == "in_default", r.json
    with db.connect() as c:
        assert c.execute(sa.select(Loan.status, Loan.defaulted_on)).one() == ("in_default", dt.date(2026, 5, 1))


def test_a_repayment_dated_on_the_default_day_counts_though_recorded_after_the_default_job(lending, db, app,
                                                                                           frozen_clock):
    from financing import loans
    loan = lending.loan()
    frozen_clock("2026-05-01T08:00:00+08:00")
    assert loans.mark_defaults(app.extensions["yunquan"].uow_factory) == 1
    frozen_clock("2026-05-02T09:00:00+08:00")
    r = lending.repay(loan["id"], "2026-05-01", "10327.97")
    assert r.json["status"] == "active", r.json
    with db.connect() as c:
        assert c.execute(sa.select(Loan.status, Loan.defaulted_on)).one() == ("active", None)


def test_the_daily_job_also_stores_defaults(lending, db, runner, frozen_clock):
    lending.loan()
    frozen_clock("2026-05-01T08:00:00+08:00")
    from yunquan import cli
    result = runner.invoke(cli.daily)
    assert result.exit_code == 0 and "1 loan(s) went into default" in result.output
    result = runner.invoke(cli.loans_default)
    assert result.exit_code == 0 and "0 loan(s) went into default" in result.output


def test_each_party_lists_its_own_loans_and_staff_list_all(lending, world):
    mine = lending.loan()["id"]
    other_enterprise = lending.pilot.enterprise("大岭山家具", city="东莞")
    theirs = lending.loan(token=lending.other_bank_token, enterprise_id=other_enterprise.id)["id"]

    def ids(token, query=""):
        return [x["id"] for x in lending.ok("GET", f"/loans{query}", token)["items"]]
    assert ids(lending.bank_token) == [mine]
    assert ids(lending.other_bank_token) == [theirs]
    assert ids(lending.enterprise_token) == [mine]
    assert ids(lending.pilot.enterprise_tokens["大岭山家具"]) == [theirs]
    assert ids(lending.maker_token) == [mine, theirs]
    assert ids(lending.other_maker_token) == []
    assert ids(lending.pilot.auditor) == [mine, theirs]
    assert ids(lending.pilot.auditor, f"?financier_id={lending.other_bank.id}") == [theirs]
    page = lending.ok("GET", "/loans?limit=1", lending.pilot.auditor)
    assert [x["id"] for x in page["items"]] == [mine] and page["next_cursor"]
    assert ids(lending.pilot.auditor, f"?limit=1&cursor={page['next_cursor']}") == [theirs]


def test_a_loan_is_read_only_by_its_parties_and_staff(lending):
    loan = lending.loan()
    for token in (lending.other_bank_token, lending.other_maker_token):
        for path in (f"/loans/{loan['id']}", f"/loans/{loan['id']}/schedule", f"/loans/{loan['id']}/schedule.xlsx"):
            r = lending.call("GET", path, token)
            assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    r = lending.call("GET", "/loans/999", lending.pilot.auditor)
    assert (r.status_code, r.json["code"]) == (404, "NOT_FOUND")


def test_the_schedule_exports_as_a_spreadsheet_with_numeric_money_cells(lending):
    from decimal import Decimal

    from openpyxl import load_workbook
    loan = lending.loan()
    r = lending.call("GET", f"/loans/{loan['id']}/schedule.xlsx", lending.enterprise_token)
    assert r.status_code == 200 and r.content_type.startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=False))
    header = next(i for i, row in enumerate(rows) if row[0].value == "期数 period")
    first, last = rows[header + 1], rows[header + 12]
    assert first[0].value == 1 and first[4].value == 10327.97 and first[4].number_format == "#,##0.00"
    assert last[0].value == 12 and last[4].value == 10327.99
    total = rows[header + 13]
    assert total[0].value == "合计 total" and Decimal(str(total[3].value)) == Decimal("3935.66")


def test_a_repayment_replayed_with_its_idempotency_key_is_recorded_once(lending, db):
    loan = lending.loan()
    headers = {"Idempotency-Key": "repay-1"}
    first = lending.call("POST", f"/loans/{loan['id']}/repayments", lending.bank_token, headers=headers,
                         json={"paid_on": "2026-01-10", "amount": "100.00"})
    again = lending.call("POST", f"/loans/{loan['id']}/repayments", lending.bank_token, headers=headers,
                         json={"paid_on": "2026-01-10", "amount": "100.00"})
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert again.headers.get("Idempotent-Replayed") == "true" and row_count(db, LoanRepayment) == 1


def test_reading_every_loan_view_after_the_default_day_changes_nothing_in_the_database(lending, db, frozen_clock):
    from tests.claims.test_reads_never_write import snapshot
    loan = lending.loan()
    frozen_clock("2026-02-05T10:00:00+08:00")
    lending.repay(loan["id"], "2026-02-05", "20000.00")
    frozen_clock("2026-07-01T10:00:00+08:00")
    before = snapshot(db)
    assert lending.get(loan["id"])["status"] == "in_default"
    for path in (f"/loans/{loan['id']}/schedule", f"/loans/{loan['id']}/schedule.xlsx", "/loans",
                 "/loans?status=in_default"):
        assert lending.call("GET", path, lending.pilot.auditor).status_code == 200
    assert snapshot(db) == before


@pytest.mark.parametrize("over", [
    {"principal": "9999999999999999.00"}, {"annual_rate": "1e-999999"}, {"annual_rate": "1E+999999"},
    {"term_months": 10 ** 30}, {"first_due_on": "9999-12-31"}, {"enterprise_id": 2 ** 40},
])
def test_absurd_numbers_in_a_loan_are_refused_with_a_validation_code_never_a_500(lending, db, over):
    r = lending.register(**over)
    assert r.status_code == 422 and r.json["code"] in ("VALIDATION_ERROR", "INVALID_LOAN_TERMS"), r.json
    assert row_count(db, Loan) == 0


def test_absurd_periods_in_a_reward_request_are_refused(lending):
    loan = lending.loan()
    for body in ({"period_from": 1, "period_to": 10 ** 30}, {"period_from": 0, "period_to": 1},
                 {"period_from": "2026-01-01", "period_to": 3}, {"period_from": 1.5, "period_to": 2}):
        r = lending.call("POST", f"/loans/{loan['id']}/rewards", lending.enterprise_token,
                         json={"scheme_id": lending.scheme["id"], **body})
        assert r.status_code == 422 and r.json["code"] in ("VALIDATION_ERROR", "INVALID_REWARD_REQUEST"), r.json


def test_the_financing_settings_defaults_are_the_policy_s_and_the_rules_own():
    from financing import rules
    from schemes.rules import defaults_for
    s = defaults_for("financing")
    assert (s.reward_share, s.benchmark_rate, s.advance_ratio, s.default_after_days) == \
        (rules.REWARD_SHARE, rules.BENCHMARK_RATE, rules.ADVANCE_RATIO, rules.DEFAULT_AFTER_DAYS)
