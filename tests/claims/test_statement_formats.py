"""Bank statements as real banks export them: GBK CSV with Chinese headers, XLSX written by
openpyxl, thousands separators, three ways of writing a date; an empty statement and bad cells
refused with stable codes and nothing written. And what finance reads afterwards: the batch
reconciled, the voucher settled only once its money arrived."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from payouts.models import BankStatement, BankTxn
from payouts.statement import OUTCOMES
from tests.claims.conftest import budget_of
from tests.support.world import row_count

ZH_HEADER = ["交易流水号", "交易日期", "参考号", "收款账号", "金额"]
README = Path(__file__).resolve().parents[2] / "README.md"


def grouped(amount: str) -> str:
    """52250.00 -> 52,250.00, as a bank writes it."""
    whole, cents = amount.split(".")
    return f"{int(whole):,}.{cents}"


def counts(r) -> tuple:
    assert r.status_code == 201, r.json
    return tuple(r.json[k] for k in ("matched", "amount_mismatch", "unknown_reference", "missing", "returned"))


def gbk_csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(ZH_HEADER)] + [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def workbook(rows: list[list], header=ZH_HEADER) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "交易明细"
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def send(pilot, data: bytes, filename: str, field: str = "file"):
    return pilot.call("POST", "/reconciliations", pilot.finance()[0],
                      data={field: (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_a_gbk_csv_with_chinese_headers_thousands_separators_and_three_date_forms_reconciles(pilot, scheme, payable,
                                                                                            sent):
    a, b, c = sent["lines"]
    data = gbk_csv([["流水0001", "2026-03-02", a["reference"], a["payee_account"], grouped(a["amount"])],
                    ["流水0002", "2026/03/02", b["reference"], b["payee_account"], grouped(b["amount"])],
                    ["流水0003", "20260302", c["reference"], c["payee_account"], c["amount"]]])
    assert "52,250.00".encode() in data and "交易流水号".encode("gbk") in data
    r = send(pilot, data, "工商银行对账单.csv")
    assert counts(r) == (3, 0, 0, 0, 0)
    assert [x["bank_txn_id"] for x in r.json["lines"]] == ["流水0001", "流水0002", "流水0003"]
    assert budget_of(pilot, scheme["id"])["disbursed"] == "156750.00"
    with pilot.client.application.extensions["yunquan"].uow_factory.reader() as s:
        assert s.get(BankStatement, r.json["id"]).encoding == "gb18030"


def test_an_xlsx_statement_written_by_openpyxl_with_numbers_and_date_cells_reconciles(pilot, scheme, payable, sent):
    a, b, c = sent["lines"]
    data = workbook([
        ["B0001", dt.datetime(2026, 3, 2), a["reference"], a["payee_account"], float(a["amount"])],  # number cell
        ["B0002", "2026/03/02", b["reference"], int(b["payee_account"]), grouped(b["amount"])],     # account as number
        ["B0003", 20260302, c["reference"], c["payee_account"], -float(Decimal(c["amount"]))],     # returned
    ])
    r = send(pilot, data, "statement.xlsx")
    assert counts(r) == (2, 0, 0, 0, 1)
    assert [x["outcome"] for x in r.json["lines"]] == ["matched", "matched", "returned"]
    b_ = budget_of(pilot, scheme["id"])
    assert (b_["disbursed"], b_["payable"], b_["in_transit"]) == ("104500.00", "52250.00", "0.00")
    assert pilot.verify()["ok"]


def test_english_headers_in_utf8_with_a_bom_are_still_accepted_under_the_old_field_name(pilot, scheme, payable, sent):
    a = sent["lines"][0]
    text = ("\ufeffbank_txn_id,value_date,reference,payee_account,amount\r\n"
            f"T1,20260302,{a['reference']},{a['payee_account']},\"{grouped(a['amount'])}\"\r\n")
    assert counts(send(pilot, text.encode("utf-8"), "s.csv", field="statement")) == (1, 0, 0, 2, 0)


def test_an_import_without_a_file_is_refused_naming_the_field(pilot, scheme, payable, sent):
    r = pilot.call("POST", "/reconciliations", pilot.finance()[0], data={"other": (io.BytesIO(b"x"), "x.csv")},
                   content_type="multipart/form-data")
    assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "VALIDATION_ERROR", "file")


@pytest.mark.parametrize("data, filename", [
    (",".join(ZH_HEADER).encode("gbk") + b"\r\n", "empty.csv"),
    (b"\xef\xbb\xbfbank_txn_id,value_date,reference,payee_account,amount\r\n\r\n", "empty.csv"),
    (None, "empty.xlsx"),
])
def test_a_statement_with_a_header_and_no_lines_is_refused_as_empty(pilot, scheme, payable, sent, data, filename):
    engine = pilot.client.application.extensions["yunquan"].engine
    before = row_count(engine, BankStatement)
    r = send(pilot, data if data is not None else workbook([]), filename)
    assert (r.status_code, r.json["code"]) == (422, "STATEMENT_EMPTY")
    assert row_count(engine, BankStatement) == before and row_count(engine, BankTxn) == 0


@pytest.mark.parametrize("cell, code", [
    ("12,34.00", "STATEMENT_AMOUNT_INVALID"), (52250.005, "STATEMENT_AMOUNT_INVALID"),
    ("五万", "STATEMENT_AMOUNT_INVALID"), ("2026年3月2日", "STATEMENT_DATE_INVALID"), (20261399, "STATEMENT_DATE_INVALID"),
])
def test_an_xlsx_with_a_bad_cell_is_refused_whole_with_a_stable_code(pilot, scheme, payable, sent, cell, code):
    a, b = sent["lines"][:2]
    bad = ["B2", "2026-03-02", b["reference"], b["payee_account"], b["amount"]]
    bad[1 if code == "STATEMENT_DATE_INVALID" else 4] = cell
    engine = pilot.client.application.extensions["yunquan"].engine
    r = send(pilot, workbook([["B1", "2026-03-02", a["reference"], a["payee_account"], a["amount"]], bad]), "s.xlsx")
    assert (r.status_code, r.json["code"], r.json["details"]["line"]) == (422, code, 3)
    assert row_count(engine, BankStatement) == 0 and row_count(engine, BankTxn) == 0
    assert budget_of(pilot, scheme["id"])["in_transit"] == "156750.00"


def test_a_batch_reads_partly_reconciled_then_reconciled_as_the_bank_answers(pilot, scheme, payable, sent):
    a, b, c = sent["lines"]
    batch_id = sent["id"]
    assert sent["status"] == "approved"
    send(pilot, gbk_csv([["X1", "2026-03-02", a["reference"], a["payee_account"], a["amount"]]]), "1.csv")
    assert pilot.ok("GET", f"/payout-batches/{batch_id}", pilot.auditor)["status"] == "partly_reconciled"
    listed = pilot.ok("GET", "/payout-batches?status=partly_reconciled", pilot.auditor)["items"]
    assert [x["id"] for x in listed] == [batch_id]
    send(pilot, gbk_csv([["X2", "2026-03-02", b["reference"], b["payee_account"], b["amount"]],
                         ["X3", "2026-03-02", c["reference"], c["payee_account"], "-" + c["amount"]]]), "2.csv")
    assert pilot.ok("GET", f"/payout-batches/{batch_id}", pilot.auditor)["status"] == "reconciled"
    assert [x["id"] for x in pilot.ok("GET", "/payout-batches?status=reconciled", pilot.auditor)["items"]] == [batch_id]
    assert pilot.ok("GET", "/payout-batches?status=approved", pilot.auditor)["items"] == []


def test_a_voucher_reads_settled_only_once_its_money_reached_the_enterprise(pilot, scheme, payable, sent):
    a, b = sent["lines"][:2]
    voucher_of = {}
    for line in (a, b):
        claim = pilot.get_claim(line["claim_id"])
        voucher_of[line["claim_id"]] = claim["voucher_id"]
        assert pilot.ok("GET", f"/vouchers/{claim['voucher_id']}", pilot.auditor)["status"] == "redeemed"
    send(pilot, gbk_csv([["Y1", "2026-03-02", a["reference"], a["payee_account"], a["amount"]],
                         ["Y2", "2026-03-02", b["reference"], b["payee_account"], b["amount"]]]), "s.csv")
    read = lambda line: pilot.ok("GET", f"/vouchers/{voucher_of[line['claim_id']]}", pilot.auditor)  # noqa: E731
    assert read(a)["status"] == read(b)["status"] == "settled" and read(a)["final_amount"] == "52250.00"
    send(pilot, gbk_csv([["Y3", "2026-03-02", b["reference"], b["payee_account"], "-" + b["amount"]]]), "r.csv")
    assert (read(a)["status"], read(b)["status"]) == ("settled", "redeemed")  # returned: not settled any more
    listed = lambda status: [v["id"] for v in pilot.ok(  # noqa: E731
        "GET", f"/vouchers?scheme_id={scheme['id']}&status={status}", pilot.auditor)["items"]]
    assert voucher_of[a["claim_id"]] in listed("settled") and voucher_of[a["claim_id"]] not in listed("redeemed")
    assert voucher_of[b["claim_id"]] in listed("redeemed") and voucher_of[b["claim_id"]] not in listed("settled")
    shown = {v["id"]: v["status"] for v in pilot.ok("GET", f"/vouchers?scheme_id={scheme['id']}", pilot.auditor)["items"]}
    assert (shown[voucher_of[a["claim_id"]]], shown[voucher_of[b["claim_id"]]]) == ("settled", "redeemed")


def test_nothing_to_pay_names_the_claims_in_publicity_and_the_day_they_become_payable(pilot, scheme, frozen_clock):
    pilot.enterprise("南海陶瓷")
    voucher = pilot.issued_voucher("南海陶瓷", scheme["id"])
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)  # Monday 2 March: ends 9 March
    r = pilot.build_batch(scheme["id"])
    assert (r.status_code, r.json["code"]) == (409, "NOTHING_TO_PAY")
    assert r.json["details"]["in_publicity"] == [{"claim_id": claim["id"], "publicity_ends_on": "2026-03-09",
                                                  "payable_from": "2026-03-10"}]
    assert r.json["details"]["next_payable_on"] == "2026-03-10" and "2026-03-10" in r.json["message"]


def test_the_readme_names_every_reconciliation_outcome_and_only_those(pilot):
    text = README.read_text(encoding="utf-8")
    section = re.search(r"<!-- reconciliation-outcomes -->(.*?)<!-- /reconciliation-outcomes -->", text, re.S)
    assert section, "README.md marks its list of reconciliation outcomes"
    named = re.findall(r"^\| `([a-z_]+)` \|", section.group(1), re.M)
    assert sorted(named) == sorted(OUTCOMES)
    answer = pilot.client.get("/api/openapi.json").json["components"]["schemas"]["ReconOut"]["properties"]
    assert set(OUTCOMES) <= set(answer)  # every outcome is a count in the answer
    assert set(answer) - {"id", "lines"} == set(OUTCOMES)
