"""Bank reconciliation: every line matched, mismatched, unknown, missing or returned; imports are
idempotent on the bank transaction id and all or nothing."""
from __future__ import annotations

import io

import pytest

from tests.claims.conftest import budget_of
from tests.support.pilot import STATEMENT_HEADER, statement

DAY = "2026-03-02"
IN_TRANSIT = {"available": "843250.00", "reserved": "0.00", "payable": "0.00", "in_transit": "156750.00",
              "disbursed": "0.00"}


def row(txn: str, line: dict, amount: str | None = None, *, account: str | None = None, ref: str | None = None):
    return (txn, DAY, ref or line["reference"], account or line["payee_account"], amount or line["amount"])


def counts(r) -> tuple:
    assert r.status_code == 201, r.json
    return tuple(r.json[k] for k in ("matched", "amount_mismatch", "unknown_reference", "missing", "returned"))


def outcomes(r) -> list[tuple]:
    return [(x["bank_txn_id"], x["reference"], x["outcome"]) for x in r.json["lines"]]


def statuses(pilot, ids) -> list[str]:
    return [pilot.get_claim(c)["status"] for c in ids]


def test_a_full_statement_disburses_every_payment_once(pilot, scheme, payable, sent):
    lines = sent["lines"]
    r = pilot.import_statement(statement(*(row(f"T{i}", line) for i, line in enumerate(lines))))
    assert counts(r) == (3, 0, 0, 0, 0)
    assert outcomes(r) == [(f"T{i}", line["reference"], "matched") for i, line in enumerate(lines)]
    assert statuses(pilot, payable) == ["paid"] * 3
    b = budget_of(pilot, scheme["id"])
    assert (b["in_transit"], b["disbursed"]) == ("0.00", "156750.00")
    assert pilot.verify()["ok"]


def test_importing_the_same_statement_again_changes_nothing(pilot, scheme, payable, sent):
    text = statement(*(row(f"T{i}", line) for i, line in enumerate(sent["lines"])))
    counts(pilot.import_statement(text))
    before, journals = budget_of(pilot, scheme["id"]), pilot.verify()["journals"]
    again = pilot.import_statement(text)
    assert counts(again) == (0, 0, 0, 0, 0) and again.json["duplicate"] == 3
    assert {x["outcome"] for x in again.json["lines"]} == {"duplicate"}
    assert budget_of(pilot, scheme["id"]) == before and pilot.verify()["journals"] == journals


def test_a_partial_statement_reports_the_missing_and_a_complete_one_later_settles_the_rest(pilot, scheme, payable,
                                                                                          sent):
    a, b, c = sent["lines"]
    r = pilot.import_statement(statement(row("T1", a)))
    assert counts(r) == (1, 0, 0, 2, 0)
    assert [(x["reference"], x["outcome"]) for x in r.json["lines"] if x["outcome"] == "missing"] == \
        [(b["reference"], "missing"), (c["reference"], "missing")]
    assert statuses(pilot, payable) == ["paid", "in_batch", "in_batch"]
    assert budget_of(pilot, scheme["id"])["disbursed"] == "52250.00"
    r = pilot.import_statement(statement(row("T1", a), row("T2", b), row("T3", c)))
    assert counts(r) == (2, 0, 0, 0, 0) and r.json["duplicate"] == 1
    assert statuses(pilot, payable) == ["paid"] * 3
    assert budget_of(pilot, scheme["id"])["disbursed"] == "156750.00"
    assert pilot.verify()["ok"]


def test_an_amount_mismatch_moves_nothing_until_a_corrected_statement_settles_it(pilot, scheme, payable, sent):
    a, b, c = sent["lines"]
    r = pilot.import_statement(statement(row("T1", a), row("T2", b, "52205.00"), row("T3", c, account="999")))
    assert counts(r) == (1, 2, 0, 0, 0)
    assert [(x["outcome"], x["reason"]) for x in r.json["lines"]] == \
        [("matched", None), ("amount_mismatch", "amount"), ("amount_mismatch", "payee_account")]
    assert statuses(pilot, payable) == ["paid", "in_batch", "in_batch"]
    assert budget_of(pilot, scheme["id"])["in_transit"] == "104500.00"
    # the bank corrects its statement: same transaction ids, right details
    r = pilot.import_statement(statement(row("T1", a), row("T2", b), row("T3", c)))
    assert counts(r) == (2, 0, 0, 0, 0) and r.json["duplicate"] == 1
    assert statuses(pilot, payable) == ["paid"] * 3
    assert budget_of(pilot, scheme["id"])["disbursed"] == "156750.00"
    assert pilot.verify()["ok"]


def test_an_unknown_reference_is_reported_and_moves_nothing(pilot, scheme, payable, sent):
    r = pilot.import_statement(statement(("T9", DAY, "YQ999-1", "6222", "100.00"), ("T10", DAY, "", "6222", "5.00")))
    assert counts(r) == (0, 0, 2, 0, 0)
    assert budget_of(pilot, scheme["id"]) == IN_TRANSIT


def test_a_returned_payment_goes_back_to_payable_and_is_paid_by_the_next_batch(pilot, scheme, payable, sent):
    a, b, c = sent["lines"]
    counts(pilot.import_statement(statement(row("T1", a), row("T2", b), row("T3", c))))
    r = pilot.import_statement(statement(row("R1", b, "-52250.00")))
    assert counts(r) == (0, 0, 0, 0, 1)
    assert statuses(pilot, payable) == ["paid", "payable", "paid"]
    bud = budget_of(pilot, scheme["id"])
    assert (bud["payable"], bud["disbursed"]) == ("52250.00", "104500.00")
    # a second return of the same payment is not money coming back twice
    r = pilot.import_statement(statement(row("R2", b, "-52250.00")))
    assert counts(r) == (0, 1, 0, 0, 0) and r.json["lines"][0]["reason"] == "already_returned"
    again = pilot.build_batch(scheme["id"]).json
    assert [(line["claim_id"], line["amount"]) for line in again["lines"]] == [(payable[1], "52250.00")]
    assert again["lines"][0]["reference"] != b["reference"]
    pilot.approve_batch(again["id"])
    counts(pilot.import_statement(statement(row("T4", again["lines"][0]))))
    assert statuses(pilot, payable) == ["paid"] * 3
    assert budget_of(pilot, scheme["id"])["disbursed"] == "156750.00"
    assert pilot.verify()["ok"]


def test_a_payment_returned_before_it_was_ever_matched_leaves_in_transit(pilot, scheme, payable, sent):
    a = sent["lines"][0]
    r = pilot.import_statement(statement(row("R1", a, "-52250.00")))
    assert counts(r) == (0, 0, 0, 2, 1)
    bud = budget_of(pilot, scheme["id"])
    assert (bud["payable"], bud["in_transit"], bud["disbursed"]) == ("52250.00", "104500.00", "0.00")
    assert pilot.verify()["ok"]


def test_a_payment_and_its_return_on_one_statement_net_to_payable(pilot, scheme, payable, sent):
    a, b, c = sent["lines"]
    r = pilot.import_statement(statement(row("T1", a), row("R1", a, "-52250.00"), row("T2", b), row("T3", c)))
    assert counts(r) == (3, 0, 0, 0, 1)
    assert statuses(pilot, payable) == ["payable", "paid", "paid"]
    bud = budget_of(pilot, scheme["id"])
    assert (bud["payable"], bud["disbursed"]) == ("52250.00", "104500.00")


def test_a_second_bank_transaction_for_a_paid_reference_is_not_paid_twice(pilot, scheme, payable, sent):
    a = sent["lines"][0]
    counts(pilot.import_statement(statement(row("T1", a))))
    r = pilot.import_statement(statement(row("T1-bis", a)))
    assert counts(r) == (0, 1, 0, 2, 0) and r.json["lines"][0]["reason"] == "already_paid"
    assert budget_of(pilot, scheme["id"])["disbursed"] == "52250.00"


def test_a_transaction_that_moved_money_cannot_be_rewritten(pilot, scheme, payable, sent):
    a = sent["lines"][0]
    counts(pilot.import_statement(statement(row("T1", a))))
    before, journals = budget_of(pilot, scheme["id"]), pilot.verify()["journals"]
    r = pilot.import_statement(statement(row("T1", a, "-52250.00")))
    assert (r.status_code, r.json["code"], r.json["details"]["line"]) == (409, "BANK_TXN_CONFLICT", 2)
    r = pilot.import_statement(statement(row("T7", a, "100.00"), row("T7", a)))
    assert (r.status_code, r.json["code"], r.json["details"]["line"]) == (409, "BANK_TXN_CONFLICT", 3)
    assert budget_of(pilot, scheme["id"]) == before and pilot.verify()["journals"] == journals


@pytest.mark.parametrize("header, unknown, missing", [
    ("bank_txn_id,value_date,reference,payee_account,amount,memo", ["memo"], []),
    ("bank_txn_id,value_date,reference,amount", [], ["payee_account"]),
    ("txn,value_date,reference,payee_account,amount", ["txn"], ["bank_txn_id"]),
])
def test_a_statement_with_other_columns_is_refused_whole(pilot, scheme, payable, sent, header, unknown, missing):
    r = pilot.import_statement(header + "\nT1,2026-03-02,YQ1-1,6222,52250.00,x\n")
    assert (r.status_code, r.json["code"]) == (422, "STATEMENT_HEADER_INVALID")
    assert (r.json["details"]["unknown_columns"], r.json["details"]["missing_columns"]) == (unknown, missing)
    assert budget_of(pilot, scheme["id"]) == IN_TRANSIT


CODE = {"amount": "STATEMENT_AMOUNT_INVALID", "value_date": "STATEMENT_DATE_INVALID",
        "bank_txn_id": "STATEMENT_LINE_INVALID"}


@pytest.mark.parametrize("field, value", [
    ("amount", "52250.5"), ("amount", "52250.00元"), ("amount", "1٩.00"), ("amount", "52250.001"), ("amount", "0.00"), ("amount", ""),
    ("amount", "5225O.00"), ("amount", '"52,25.00"'), ("amount", '"5,2250.00"'), ("amount", "52 250.00"),
    ("value_date", "2026-13-01"), ("value_date", "2026.03.02"), ("value_date", "2026-03-03"),
    ("value_date", "20260230"), ("value_date", "2026/3/2"), ("value_date", "02/03/2026"),
    ("bank_txn_id", ""),
])
def test_a_bad_amount_or_date_refuses_the_whole_statement_naming_the_line(pilot, scheme, payable, sent, field, value):
    a, b = sent["lines"][:2]
    good, bad = list(row("T1", a)), list(row("T2", b))
    bad[{"bank_txn_id": 0, "value_date": 1, "amount": 4}[field]] = value
    r = pilot.import_statement(statement(good, bad))
    assert (r.status_code, r.json["code"]) == (422, CODE[field])
    assert (r.json["details"]["line"], r.json["details"]["field"]) == (3, field)
    assert budget_of(pilot, scheme["id"]) == IN_TRANSIT  # the good first line was not applied either
    assert statuses(pilot, payable) == ["in_batch"] * 3


def test_an_empty_file_or_a_ragged_line_is_refused(pilot, scheme, payable, sent):
    r = pilot.import_statement("")
    assert (r.status_code, r.json["code"]) == (422, "STATEMENT_EMPTY")
    r = pilot.import_statement(STATEMENT_HEADER + "\nT1,2026-03-02,YQ1-1,52250.00\n")
    assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "STATEMENT_LINE_INVALID", "columns")


def test_a_gb18030_statement_with_a_bom_less_header_in_any_order_is_read(pilot, scheme, payable, sent):
    a = sent["lines"][0]
    text = ("amount,reference,bank_txn_id,payee_account,value_date\r\n"
            f"{a['amount']},{a['reference']},流水001,{a['payee_account']},{DAY}\r\n")
    r = pilot.import_statement(text.encode("gb18030"))
    assert counts(r) == (1, 0, 0, 2, 0) and r.json["lines"][0]["bank_txn_id"] == "流水001"


def test_only_finance_imports_statements(pilot, scheme, payable, sent):
    text = statement(row("T1", sent["lines"][0]))
    for token in (pilot.reviewer, pilot.auditor, pilot.enterprise_tokens["南海陶瓷"]):
        r = pilot.import_statement(text, token=token)
        assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    assert counts(pilot.import_statement(text, token=pilot.finance()[1])) == (1, 0, 0, 2, 0)


def test_an_import_replayed_with_its_idempotency_key_returns_the_first_answer(pilot, scheme, payable, sent):
    """The multipart boundary differs between two sends of one file; the key still recognises it."""
    text = statement(*(row(f"T{i}", line) for i, line in enumerate(sent["lines"])))
    send = dict(data=None, content_type="multipart/form-data", headers={"Idempotency-Key": "statement-0302"})
    first = pilot.call("POST", "/reconciliations", pilot.finance()[0],
                       **{**send, "data": {"statement": (io.BytesIO(text.encode()), "s.csv")}})
    again = pilot.call("POST", "/reconciliations", pilot.finance()[0],
                       **{**send, "data": {"statement": (io.BytesIO(text.encode()), "s.csv")}})
    assert counts(first) == (3, 0, 0, 0, 0)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    other = pilot.call("POST", "/reconciliations", pilot.finance()[0],
                       **{**send, "data": {"statement": (io.BytesIO(text.encode() + b"T9,2026-03-02,X,1,1.00\n"),
                                                         "s.csv")}})
    assert (other.status_code, other.json["code"]) == (409, "IDEMPOTENCY_MISMATCH")


def test_an_import_runs_with_the_garbage_collector_paused_and_turns_it_back_on(pilot, scheme, payable, sent,
                                                                               monkeypatch):
    """``kernel.bulk.collection_paused`` around the import, also when the import is refused halfway."""
    import gc

    from schemes import budget
    seen = []
    settle = budget.settle_bank_lines

    def watching(*args, **kwargs):
        seen.append(gc.isenabled())
        return settle(*args, **kwargs)

    monkeypatch.setattr(budget, "settle_bank_lines", watching)
    lines = sent["lines"]
    counts(pilot.import_statement(statement(*(row(f"T{i}", line) for i, line in enumerate(lines)))))
    assert seen == [False] and gc.isenabled()
    # the same bank transaction id with another amount: refused while applying, rolled back
    r = pilot.import_statement(statement(row("T0", lines[0], amount="1.00")))
    assert r.status_code == 409 and gc.isenabled()
