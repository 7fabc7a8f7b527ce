"""Loans through the HTTP API: registration and its preview, repayments, what a loan shows,
default and buy-back, the schedule spreadsheet, who may do what."""
from __future__ import annotations

import io

import pytest

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
