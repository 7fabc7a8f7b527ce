"""The pure rules of claims and statements: exact to the fen, no database."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims import rules as claim_rules
from kernel.money import from_fen
from payouts import statement
from payouts.errors import StatementHeaderInvalid, StatementLineInvalid
from vouchers import rules
from vouchers.errors import ClaimUnderpaid, NothingToClaim

RATIO = D("0.90")


def amount(v, a, p, **kw):
    return rules.claim_amount(face_value=D(v), contract_amount=D(a), paid_amount=D(p), min_paid_ratio=RATIO, **kw)


def test_the_worked_example_comes_out_to_the_fen():
    got = amount("55000.00", "200000.00", "190000.00")
    assert (got.final_amount, got.released) == (D("52250.00"), D("2750.00"))


@pytest.mark.parametrize("paid", ["179999.99", "0.01", "100000.00"])
def test_a_claim_paid_below_ninety_percent_of_the_contract_is_refused(paid):
    with pytest.raises(ClaimUnderpaid) as err:
        amount("55000.00", "200000.00", paid)
    assert err.value.details["min_paid_amount"] == "180000.00"


def test_exactly_ninety_percent_passes_and_the_least_passing_amount_is_rounded_up():
    assert amount("55000.00", "200000.00", "180000.00").final_amount == D("49500.00")
    with pytest.raises(ClaimUnderpaid) as err:
        amount("100.00", "100.01", "90.00")  # 90 % of 100.01 is 90.009
    assert err.value.details["min_paid_amount"] == "90.01"
    assert amount("100.00", "100.01", "90.01").final_amount == D("90.00")


def test_paying_more_than_the_contract_never_raises_the_subsidy_above_the_face_value():
    got = amount("55000.00", "200000.00", "260000.00")
    assert (got.final_amount, got.released, got.limited_by) == (D("55000.00"), D("0.00"), "face_value")


def test_after_an_objection_a_claim_cannot_take_more_than_is_still_held():
    got = amount("55000.00", "200000.00", "200000.00", held=D("52250.00"))
    assert (got.final_amount, got.limited_by) == (D("52250.00"), "held")


@settings(max_examples=400, deadline=None)
@given(v=st.integers(1, 10 ** 11), a=st.integers(1, 10 ** 13), extra=st.integers(0, 10 ** 13))
def test_the_final_amount_is_the_exact_integer_floor(v, a, extra):
    """F = min(V, ⌊V·P/A⌋) computed in integer fen agrees with the Decimal rule for any amounts."""
    p = -(-9 * a // 10) + extra  # the least paid amount at 90 %, rounded up, plus anything
    expected = min(v, v * p // a)
    if expected == 0:
        with pytest.raises(NothingToClaim):
            amount(str(from_fen(v)), str(from_fen(a)), str(from_fen(p)))
        return
    got = amount(str(from_fen(v)), str(from_fen(a)), str(from_fen(p)))
    assert got.final_amount == from_fen(expected)
    assert got.released == from_fen(v - expected)


@settings(max_examples=300, deadline=None)
@given(a=st.integers(1, 10 ** 13), p=st.integers(1, 10 ** 13))
def test_underpaid_is_decided_exactly_in_fen(a, p):
    underpaid = 10 * p < 9 * a
    try:
        amount("1.00", str(from_fen(a)), str(from_fen(p)))
        refused = False
    except ClaimUnderpaid:
        refused = True
    except NothingToClaim:  # F rounds to 0.00: not an underpayment
        refused = False
    assert refused == underpaid


# --- publicity ---------------------------------------------------------------------------------

def test_publicity_skips_weekends_and_holidays():
    pub = claim_rules.publicity(dt.date(2026, 4, 29), 5, ("2026-05-01", "2026-05-04", "2026-05-05", "2026-05-06"))
    assert (pub.ends_on, pub.payable_from) == (dt.date(2026, 5, 12), dt.date(2026, 5, 13))


def test_zero_publicity_days_make_the_claim_payable_on_approval():
    pub = claim_rules.publicity(dt.date(2026, 3, 6), 0)
    assert pub.ends_on == pub.payable_from == dt.date(2026, 3, 6)


@settings(max_examples=200, deadline=None)
@given(start=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)), days=st.integers(1, 20),
       holidays=st.sets(st.dates(dt.date(2025, 1, 1), dt.date(2028, 3, 31)), max_size=30))
def test_publicity_lasts_exactly_the_working_days_after_approval(start, days, holidays):
    off = tuple(d.isoformat() for d in holidays)
    pub = claim_rules.publicity(start, days, off)
    between = [start + dt.timedelta(n) for n in range(1, (pub.ends_on - start).days + 1)]
    working = [d for d in between if d.weekday() < 5 and d.isoformat() not in off]
    assert len(working) == days and working[-1] == pub.ends_on
    assert pub.payable_from == pub.ends_on + dt.timedelta(1)


def test_the_deployment_holiday_list_is_read_strictly():
    assert claim_rules.holiday_list(" 2026-05-01,2026-05-04 ,,") == ("2026-05-01", "2026-05-04")
    with pytest.raises(ValueError):
        claim_rules.holiday_list("2026-05-01,五一")


# --- statements ------------------------------------------------------------------------------

TODAY = dt.date(2026, 3, 20)


def read(text: str | bytes):
    data = io.BytesIO(text.encode("utf-8") if isinstance(text, str) else text)
    scanned = statement.scan(data)
    return scanned, list(statement.lines(data, scanned, today=TODAY))


def test_a_statement_is_read_with_its_bom_blank_lines_and_quoted_fields():
    text = ("\ufeffbank_txn_id,value_date,reference,payee_account,amount\r\n"
            "T1,2026-03-02,YQ1-1,6222,52250.00\r\n\r\n"
            '"T,2",2026-03-03," YQ1-2 ",6223,-100.00\r\n')
    scanned, lines = read(text)
    assert len(lines) == 2 and scanned.encoding == "utf-8-sig"
    assert [(x.line, x.bank_txn_id, x.reference, x.amount) for x in lines] == \
        [(2, "T1", "YQ1-1", 5225000), (4, "T,2", "YQ1-2", -10000)]


def test_a_statement_that_is_not_text_is_refused():
    with pytest.raises(StatementHeaderInvalid):
        read(b"\x00\x81\xff\xfe" * 50)


def test_a_repeated_column_is_refused():
    with pytest.raises(StatementHeaderInvalid) as err:
        read("bank_txn_id,value_date,reference,payee_account,amount,amount\n")
    assert err.value.details["repeated_columns"] == ["amount"]


def test_an_over_long_reference_is_refused():
    with pytest.raises(StatementLineInvalid) as err:
        read(f"bank_txn_id,value_date,reference,payee_account,amount\nT1,2026-03-02,{'Y' * 65},1,1.00\n")
    assert err.value.details["field"] == "reference"


_TEXT = st.sampled_from(["T1", " YQ1-2 ", "", "  ", "6222", "Y" * 64, "Y" * 65, "a\x00b", "参考号"])
_DATE = st.sampled_from(["2026-03-02", "2026/03/20", "20260301", "2026-03-21", "2026-13-01", "3/2/2026", " 2026-03-02",
                         ""])
_AMOUNT = st.sampled_from(["1.00", "-52,250.00", "0.00", "-0.00", "1.5", "1,23.00", " 7.00 ", "abc", "", "1e3"])


@settings(max_examples=300, deadline=None)
@given(txn=_TEXT, day=_DATE, ref=_TEXT, account=_TEXT, amount=_AMOUNT, extra=st.booleans(),
       order=st.permutations(range(5)))
def test_the_quick_reading_of_a_line_agrees_with_the_checked_one(txn, day, ref, account, amount, extra, order):
    cells = [txn, day, ref, account, amount]
    row = [cells[i] for i in order] + (["x"] if extra else [])
    cols = {statement.COLUMNS[i]: position for position, i in enumerate(order)}

    def outcome(parse):
        try:
            return parse(7, row, cols, TODAY)
        except StatementLineInvalid as refused:
            return type(refused), refused.message, refused.details
    assert outcome(statement._parse) == outcome(statement._parse_checked)


SENT = statement.Expected("YQ1-1", 5225000, "6222", statement.SENT)
LINE = statement.StatementLine(2, "T1", dt.date(2026, 3, 2), "YQ1-1", "6222", 5225000)


@pytest.mark.parametrize("line, expected, outcome, reason", [
    (LINE, SENT, "matched", None),
    (LINE, None, "unknown_reference", None),
    (LINE, statement.Expected("YQ1-1", 5225000, "6222", statement.PENDING), "unknown_reference", "not_sent"),
    (LINE, statement.Expected("YQ1-1", 5225001, "6222", statement.SENT), "amount_mismatch", "amount"),
    (LINE, statement.Expected("YQ1-1", 5225000, "6333", statement.SENT), "amount_mismatch", "payee_account"),
    (LINE, statement.Expected("YQ1-1", 5225000, "6222", statement.PAID), "amount_mismatch", "already_paid"),
    (LINE._replace(amount=-5225000), SENT, "returned", None),
])
def test_each_line_is_decided_against_the_payment_expected_under_its_reference(line, expected, outcome, reason):
    d = statement.decide(line, expected)
    assert (d.outcome, d.reason) == (outcome, reason)


def test_a_return_comes_back_from_where_the_money_is():
    back = statement.StatementLine(3, "R1", dt.date(2026, 3, 2), "YQ1-1", "6222", -5225000)
    assert statement.decide(back, SENT).moves_from == "in_transit"
    paid = statement.Expected("YQ1-1", 5225000, "6222", statement.PAID)
    assert statement.decide(back, paid).moves_from == "disbursed"
    gone = statement.Expected("YQ1-1", 5225000, "6222", statement.RETURNED_STATE)
    assert statement.decide(back, gone).reason == "already_returned"


def test_a_transaction_seen_again_is_a_duplicate_a_conflict_or_a_correction():
    changed = statement.StatementLine(5, "T1", dt.date(2026, 3, 2), "YQ1-1", "6222", 5225001)
    moved = statement.StatementLine(9, "T1", dt.date(2026, 3, 2), "YQ1-1", "6222", 5225000)
    assert statement.seen_before(LINE, moved, "matched") == "duplicate"  # the line number does not matter
    assert statement.seen_before(changed, LINE, "matched") == "conflict"
    assert statement.seen_before(changed, LINE, "amount_mismatch") == "reevaluate"


def test_after_an_objection_the_release_is_what_is_still_held_less_the_new_final_amount():
    from decimal import Decimal as D

    from vouchers import rules
    kw = dict(face_value=D("55000.00"), contract_amount=D("200000.00"), min_paid_ratio=D("0.90"),
              held=D("52250.00"))
    same = rules.claim_amount(paid_amount=D("190000.00"), **kw)
    assert (same.final_amount, same.released) == (D("52250.00"), D("0.00"))
    less = rules.claim_amount(paid_amount=D("180000.00"), **kw)
    assert (less.final_amount, less.released) == (D("49500.00"), D("2750.00"))
    fresh = rules.claim_amount(paid_amount=D("190000.00"), face_value=D("55000.00"),
                               contract_amount=D("200000.00"), min_paid_ratio=D("0.90"))
    assert fresh.released == D("2750.00")
