"""Payout batches: maker-checker, frozen lines, the bank file."""
from __future__ import annotations

import csv
import io

from tests.claims.conftest import ENTERPRISES, budget_of


def test_a_batch_takes_every_payable_claim_of_the_scheme_and_freezes_the_payees(pilot, scheme, payable):
    r = pilot.build_batch(scheme["id"])
    assert r.status_code == 201, r.json
    b = r.json
    assert (b["status"], b["total"], b["line_count"], b["skipped"]) == ("draft", "156750.00", 3, [])
    assert [(line["claim_id"], line["payee_name"], line["amount"]) for line in b["lines"]] == \
        [(cid, name, "52250.00") for cid, (name, _) in zip(payable, ENTERPRISES)]
    assert len({line["reference"] for line in b["lines"]}) == 3
    assert {pilot.get_claim(c)["status"] for c in payable} == {"in_batch"}
    # a draft moves no money
    assert budget_of(pilot, scheme["id"])["payable"] == "156750.00"
    r = pilot.build_batch(scheme["id"])
    assert (r.status_code, r.json["code"]) == (409, "NOTHING_TO_PAY")


def test_the_maker_cannot_approve_their_own_batch_even_holding_both_roles(pilot, scheme, payable, world):
    both = world.token(["finance_maker", "finance_checker"], pilot.authority)
    batch = pilot.build_batch(scheme["id"], token=both).json
    r = pilot.approve_batch(batch["id"], token=both)
    assert (r.status_code, r.json["code"]) == (403, "SELF_APPROVAL")
    assert pilot.ok("GET", f"/payout-batches/{batch['id']}", pilot.auditor)["status"] == "draft"
    assert budget_of(pilot, scheme["id"])["in_transit"] == "0.00"
    r = pilot.approve_batch(batch["id"])
    assert (r.status_code, r.json["status"]) == (200, "approved")


def test_a_maker_without_the_checker_role_is_refused_by_role(pilot, scheme, payable):
    batch = pilot.build_batch(scheme["id"]).json
    r = pilot.approve_batch(batch["id"], token=pilot.finance()[0])
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    r = pilot.build_batch(scheme["id"], token=pilot.reviewer)
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")


def test_approval_moves_the_total_to_in_transit_once_and_a_second_approval_is_refused(pilot, scheme, payable, world):
    batch = pilot.build_batch(scheme["id"]).json
    assert pilot.approve_batch(batch["id"]).status_code == 200
    after = budget_of(pilot, scheme["id"])
    assert (after["payable"], after["in_transit"]) == ("0.00", "156750.00")
    journals = pilot.verify()["journals"]
    for token in (pilot.finance()[1], world.token("finance_checker", pilot.authority)):
        r = pilot.approve_batch(batch["id"], token=token)
        assert (r.status_code, r.json["code"], r.json["details"]["status"]) == (409, "BATCH_NOT_DRAFT", "approved")
    assert budget_of(pilot, scheme["id"]) == after and pilot.verify() == {**pilot.verify(), "journals": journals}


def test_approving_a_batch_anchors_the_committed_ledger_head_outside_the_database(pilot, scheme, payable,
                                                                                 anchors_file):
    import json
    batch = pilot.build_batch(scheme["id"]).json
    assert not anchors_file.exists()
    assert pilot.approve_batch(batch["id"]).status_code == 200
    [anchor] = [json.loads(line) for line in anchors_file.read_text().splitlines()]
    verified = pilot.verify()
    assert verified["ok"] and verified["anchors_checked"] == 1 and anchor["head_hash"] == verified["head_hash"]
    assert pilot.approve_batch(batch["id"]).status_code == 409
    assert len(anchors_file.read_text().splitlines()) == 1  # a refused approval anchors nothing


def test_an_approval_replayed_with_its_idempotency_key_returns_the_first_answer(pilot, scheme, payable):
    batch = pilot.build_batch(scheme["id"]).json
    key = {"Idempotency-Key": "approve-batch-1"}
    first = pilot.call("POST", f"/payout-batches/{batch['id']}/approve", pilot.finance()[1], headers=key)
    again = pilot.call("POST", f"/payout-batches/{batch['id']}/approve", pilot.finance()[1], headers=key)
    assert first.status_code == again.status_code == 200 and first.json == again.json
    assert budget_of(pilot, scheme["id"])["in_transit"] == "156750.00"


def test_the_bank_file_is_utf8_csv_with_a_bom_of_exactly_the_approved_lines(pilot, scheme, payable):
    batch = pilot.build_batch(scheme["id"]).json
    r = pilot.call("GET", f"/payout-batches/{batch['id']}/bank-file", pilot.finance()[0])
    assert (r.status_code, r.json["code"]) == (409, "BATCH_NOT_APPROVED")
    pilot.approve_batch(batch["id"])
    r = pilot.call("GET", f"/payout-batches/{batch['id']}/bank-file", pilot.finance()[1])
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.is_streamed
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.data.startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows reads it as UTF-8
    text = r.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "reference,payee_name,payee_account,payee_bank,amount,purpose"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [{"reference": line["reference"], "payee_name": line["payee_name"],
                     "payee_account": line["payee_account"], "payee_bank": line["payee_bank"],
                     "amount": line["amount"],
                     "purpose": f"2026年上云上平台服务券 兑付申请{line['claim_id']}号"} for line in batch["lines"]]
    assert {row["payee_bank"] for row in rows} == {"测试银行"}
    r = pilot.call("GET", f"/payout-batches/{batch['id']}/bank-file", pilot.reviewer)
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")


def test_the_bank_file_as_xlsx_has_the_same_columns_and_rows_as_the_csv(pilot, scheme, payable):
    from openpyxl import load_workbook

    batch = pilot.approve_batch(pilot.build_batch(scheme["id"]).json["id"]).json
    csv_rows = list(csv.reader(io.StringIO(pilot.bank_file(batch["id"]))))
    r = pilot.call("GET", f"/payout-batches/{batch['id']}/bank-file?format=xlsx", pilot.finance()[0])
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert r.headers["Content-Disposition"].endswith('.xlsx"')
    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0] == csv_rows[0]
    assert [[str(v) if i != 4 else f"{v:.2f}" for i, v in enumerate(row)] for row in cells[1:]] == csv_rows[1:]
    assert all(row[4].number_format == "0.00" for row in list(ws.iter_rows())[1:])
    r = pilot.call("GET", f"/payout-batches/{batch['id']}/bank-file?format=pdf", pilot.finance()[0])
    assert (r.status_code, r.json["code"]) == (422, "VALIDATION_ERROR")


def test_a_payee_without_a_bank_account_is_left_out_and_reported(pilot, scheme, no_publicity):
    pilot.enterprise("南海陶瓷", bank_name="", bank_account="")
    pilot.enterprise("大岭山家具", city="东莞")
    claims = {}
    for name in ("南海陶瓷", "大岭山家具"):
        voucher = pilot.issued_voucher(name, scheme["id"])
        claims[name] = pilot.claim(name, voucher["id"], "190000.00").json["id"]
        pilot.ok("POST", f"/claims/{claims[name]}/approve", pilot.reviewer)
    batch = pilot.build_batch(scheme["id"]).json
    assert [line["claim_id"] for line in batch["lines"]] == [claims["大岭山家具"]]
    assert batch["skipped"] == [{"claim_id": claims["南海陶瓷"], "payee_org_id": pilot.enterprises["南海陶瓷"].id,
                                 "code": "PAYEE_BANK_ACCOUNT_MISSING"}]
    assert pilot.get_claim(claims["南海陶瓷"])["status"] == "payable"
    r = pilot.build_batch(scheme["id"])
    assert (r.status_code, r.json["code"]) == (409, "NOTHING_TO_PAY")
    assert r.json["details"]["skipped"][0]["claim_id"] == claims["南海陶瓷"]


def test_a_cancelled_draft_gives_its_claims_back_to_the_next_batch(pilot, scheme, payable):
    first = pilot.build_batch(scheme["id"]).json
    r = pilot.call("POST", f"/payout-batches/{first['id']}/cancel", pilot.finance()[0])
    assert r.json["status"] == "cancelled"
    assert {pilot.get_claim(c)["status"] for c in payable} == {"payable"}
    second = pilot.build_batch(scheme["id"]).json
    assert second["total"] == "156750.00"
    r = pilot.call("POST", f"/payout-batches/{first['id']}/approve", pilot.finance()[1])
    assert (r.status_code, r.json["code"]) == (409, "BATCH_NOT_DRAFT")
    pilot.approve_batch(second["id"])
    r = pilot.call("POST", f"/payout-batches/{second['id']}/cancel", pilot.finance()[0])
    assert (r.status_code, r.json["code"]) == (409, "BATCH_NOT_DRAFT")
    assert pilot.verify()["ok"]


def test_claims_in_publicity_wait_for_a_later_batch(pilot, scheme, frozen_clock):
    pilot.enterprise("南海陶瓷")
    voucher = pilot.issued_voucher("南海陶瓷", scheme["id"])
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)  # Monday 2 March: ends 9 March
    frozen_clock("2026-03-09T17:00:00+08:00")
    assert pilot.build_batch(scheme["id"]).json["code"] == "NOTHING_TO_PAY"
    frozen_clock("2026-03-10T09:00:00+08:00")
    batch = pilot.build_batch(scheme["id"]).json  # nobody read the claim: the batch ends its publicity
    assert [line["claim_id"] for line in batch["lines"]] == [claim["id"]]


def test_batches_are_listed_for_finance_and_auditors(pilot, scheme, payable):
    batch = pilot.build_batch(scheme["id"]).json
    page = pilot.ok("GET", f"/payout-batches?scheme_id={scheme['id']}", pilot.auditor)
    assert [(b["id"], b["status"], b["total"]) for b in page["items"]] == [(batch["id"], "draft", "156750.00")]
    assert pilot.call("GET", "/payout-batches", pilot.enterprise_tokens["南海陶瓷"]).status_code == 403
