"""Claims through the API: bad input gets a stable code and changes nothing; roles and owners."""
from __future__ import annotations

import pytest

from tests.claims.conftest import budget_of
from tests.support.pilot import PDF

ENT = "南海陶瓷"
UNTOUCHED = {"available": "945000.00", "reserved": "55000.00", "payable": "0.00", "in_transit": "0.00",
             "disbursed": "0.00"}


def _nothing_changed(pilot, scheme, voucher):
    assert pilot.ok("GET", f"/vouchers/{voucher['id']}", pilot.auditor)["status"] == "issued"
    assert pilot.ok("GET", "/claims", pilot.auditor)["items"] == []
    assert budget_of(pilot, scheme["id"]) == UNTOUCHED


def test_the_worked_example_claim_comes_to_52250_and_prints_its_computation(pilot, scheme, voucher):
    r = pilot.claim(ENT, voucher["id"], "190000.00", invoice="190000.00")
    assert r.status_code == 201, r.json
    c = r.json
    assert (c["status"], c["final_amount"], c["released_amount"], c["voucher_id"]) == \
        ("submitted", "52250.00", "2750.00", voucher["id"])
    assert c["breakdown"]["paid_ratio"] == "0.9500" and c["breakdown"]["settings_version"] == 1
    assert c["payee_org_id"] == pilot.enterprises[ENT].id
    # submission moves no money: the reservation is consumed at approval
    assert budget_of(pilot, scheme["id"]) == UNTOUCHED


def test_a_claim_missing_an_evidence_kind_lists_what_is_missing(pilot, scheme, voucher):
    ids = pilot.evidence_set(ENT)[:2]
    r = pilot.claim(ENT, voucher["id"], "190000.00", evidence=ids)
    assert (r.status_code, r.json["code"], r.json["details"]["missing"]) == \
        (422, "EVIDENCE_MISSING", ["acceptance_report"])
    r = pilot.claim(ENT, voucher["id"], "190000.00", evidence=[])
    assert r.json["details"]["missing"] == ["invoice", "payment_proof", "acceptance_report"]
    _nothing_changed(pilot, scheme, voucher)
    # the files were not bound to the refused claim: they still serve a good one
    third = pilot.upload(ENT, "acceptance_report", PDF + b"report").json["id"]
    assert pilot.claim(ENT, voucher["id"], "190000.00", evidence=ids + [third]).status_code == 201


def test_evidence_of_another_enterprise_or_unknown_evidence_is_refused(pilot, scheme, voucher):
    pilot.enterprise("大岭山家具", city="东莞")
    theirs = pilot.evidence_set("大岭山家具")
    r = pilot.claim(ENT, voucher["id"], "190000.00", evidence=theirs)
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    r = pilot.claim(ENT, voucher["id"], "190000.00", evidence=[999999])
    assert (r.status_code, r.json["code"]) == (404, "NOT_FOUND")
    _nothing_changed(pilot, scheme, voucher)


def test_evidence_used_by_one_claim_cannot_serve_another(pilot, scheme, voucher):
    ids = pilot.evidence_set(ENT)
    assert pilot.claim(ENT, voucher["id"], "190000.00", evidence=ids).status_code == 201
    pilot.enterprise("南海陶瓷二厂")
    other = pilot.issued_voucher("南海陶瓷二厂", scheme["id"])
    # the same enterprise's second voucher, to keep ownership out of the way
    second = pilot.issued_voucher(ENT, scheme["id"])
    r = pilot.claim(ENT, second["id"], "190000.00", evidence=ids)
    assert (r.status_code, r.json["code"]) == (409, "EVIDENCE_IN_USE")
    assert other["status"] == "issued"


@pytest.mark.parametrize("paid, invoice, field", [("190000.00", "180000.00", "paid_amount"),
                                                  ("0.00", "190000.00", "paid_amount"),
                                                  ("190000.00", "0.00", "invoice_amount")])
def test_paid_more_than_invoiced_or_nothing_paid_is_a_validation_error(pilot, scheme, voucher, paid, invoice, field):
    r = pilot.claim(ENT, voucher["id"], paid, invoice=invoice)
    assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "VALIDATION_ERROR", field)
    _nothing_changed(pilot, scheme, voucher)


@pytest.mark.parametrize("paid", [190000, "190000.0", "190000.001", "-190000.00", "１９0000.00"])
def test_money_that_is_not_a_two_decimal_string_is_refused(pilot, scheme, voucher, paid):
    body = {"invoice_amount": "190000.00", "paid_amount": paid, "evidence_ids": pilot.evidence_set(ENT)}
    r = pilot.call("POST", f"/vouchers/{voucher['id']}/claims", pilot.enterprise_tokens[ENT], json=body)
    assert (r.status_code, r.json["code"]) == (422, "VALIDATION_ERROR")


def test_a_claim_on_an_expired_voucher_is_refused(pilot, scheme, voucher, frozen_clock):
    ids = pilot.evidence_set(ENT)
    frozen_clock("2027-01-01T09:00:00+08:00")
    r = pilot.claim(ENT, voucher["id"], "190000.00", evidence=ids)
    assert (r.status_code, r.json["code"]) == (409, "VOUCHER_EXPIRED")
    assert pilot.ok("GET", "/claims", pilot.auditor)["items"] == []


def test_a_claim_on_a_voucher_not_yet_issued_or_rejected_is_refused(pilot, scheme):
    pilot.enterprise(ENT)
    contract = pilot.contract(ENT, [("cpe_gateway", 10, "1000.00")])
    reserved = pilot.apply(ENT, scheme["id"], contract["id"]).json
    r = pilot.claim(ENT, reserved["id"], "10000.00")
    assert (r.status_code, r.json["code"], r.json["details"]["status"]) == (409, "VOUCHER_NOT_ISSUED", "reserved")
    pilot.ok("POST", f"/vouchers/{reserved['id']}/reject", pilot.reviewer, json={"reason": "材料不全"})
    r = pilot.claim(ENT, reserved["id"], "10000.00")
    assert (r.status_code, r.json["code"], r.json["details"]["status"]) == (409, "VOUCHER_NOT_ISSUED", "rejected")


def test_a_claim_before_the_redemption_window_opens_is_refused(pilot):
    scheme = pilot.scheme("1000000.00", redeem_from="2026-04-01")
    pilot.enterprise(ENT)
    voucher = pilot.issued_voucher(ENT, scheme["id"])
    r = pilot.claim(ENT, voucher["id"], "190000.00")
    assert (r.status_code, r.json["code"]) == (409, "OUTSIDE_REDEMPTION_WINDOW")


def test_only_the_vouchers_enterprise_claims_it_and_only_once(pilot, scheme, voucher):
    pilot.enterprise("大岭山家具", city="东莞")
    r = pilot.claim("大岭山家具", voucher["id"], "190000.00")
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    first = pilot.claim(ENT, voucher["id"], "190000.00").json
    r = pilot.claim(ENT, voucher["id"], "200000.00")
    assert (r.status_code, r.json["code"], r.json["details"]["claim_id"]) == (409, "CLAIM_EXISTS", first["id"])


def test_a_returned_claim_is_corrected_under_the_same_id_and_reviewed_again(pilot, scheme, voucher):
    ids = pilot.evidence_set(ENT)
    first = pilot.claim(ENT, voucher["id"], "185000.00", evidence=ids).json
    r = pilot.ok("POST", f"/claims/{first['id']}/return", pilot.reviewer, json={"reason": "验收报告未盖章"})
    assert (r["status"], r["return_reason"]) == ("returned", "验收报告未盖章")
    report = pilot.upload(ENT, "acceptance_report", PDF + b"stamped").json["id"]
    again = pilot.claim(ENT, voucher["id"], "190000.00", evidence=ids[:2] + [report])
    assert again.status_code == 201, again.json
    assert (again.json["id"], again.json["status"], again.json["final_amount"], again.json["submissions"]) == \
        (first["id"], "submitted", "52250.00", 2)
    assert again.json["evidence_ids"] == sorted(ids[:2] + [report])
    r = pilot.call("POST", f"/claims/{first['id']}/resubmit", pilot.enterprise_tokens[ENT],
                   json={"invoice_amount": "1.00", "paid_amount": "1.00", "evidence_ids": ids})
    assert (r.status_code, r.json["code"]) == (409, "INVALID_STATE")


def test_review_actions_need_a_reviewer_and_the_right_state(pilot, scheme, voucher):
    claim = pilot.claim(ENT, voucher["id"], "190000.00").json
    r = pilot.call("POST", f"/claims/{claim['id']}/approve", pilot.enterprise_tokens[ENT])
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    r = pilot.call("POST", f"/claims/{claim['id']}/object", pilot.reviewer, json={"reason": "x"})
    assert (r.status_code, r.json["code"]) == (409, "INVALID_STATE")
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    r = pilot.call("POST", f"/claims/{claim['id']}/approve", pilot.second_reviewer)
    assert (r.status_code, r.json["code"], r.json["details"]["status"]) == (409, "INVALID_STATE", "publicity")
    r = pilot.call("POST", f"/claims/{claim['id']}/return", pilot.reviewer, json={"reason": "x"})
    assert r.status_code == 409
    assert budget_of(pilot, scheme["id"])["payable"] == "52250.00"
    assert pilot.verify()["ok"]


def test_the_submitter_can_never_approve_the_claim(pilot, scheme, voucher, uow_factory):
    """A user cannot hold the enterprise and reviewer roles (different organisations), so the rule
    is exercised on the service: the one user who submitted is refused, whatever roles they hold."""
    from claims import service as claims
    from kernel.errors import SelfApproval
    from parties.actors import Actor
    claim = pilot.claim(ENT, voucher["id"], "190000.00").json
    with uow_factory() as u:
        submitter = claims.get(u.session, claim["id"]).submitted_by
    with pytest.raises(SelfApproval), uow_factory() as u:
        claims.approve(u, actor=Actor(user_id=submitter, org_id=None, is_staff=True), claim_id=claim["id"])
    assert pilot.get_claim(claim["id"])["status"] == "submitted"
    assert budget_of(pilot, scheme["id"]) == UNTOUCHED


def test_an_approval_replayed_with_its_idempotency_key_posts_once(pilot, scheme, voucher):
    claim = pilot.claim(ENT, voucher["id"], "190000.00").json
    headers = {"Idempotency-Key": "approve-claim-1"}
    first = pilot.call("POST", f"/claims/{claim['id']}/approve", pilot.reviewer, headers=headers)
    journals = pilot.verify()["journals"]
    again = pilot.call("POST", f"/claims/{claim['id']}/approve", pilot.reviewer, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200) and again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert pilot.verify()["journals"] == journals


def test_claims_are_shown_to_their_enterprise_their_provider_and_staff_only(pilot, scheme, voucher):
    claim = pilot.claim(ENT, voucher["id"], "190000.00").json
    pilot.enterprise("大岭山家具", city="东莞")
    for token in (pilot.enterprise_tokens[ENT], pilot.provider_token, pilot.reviewer, pilot.auditor):
        assert pilot.call("GET", f"/claims/{claim['id']}", token).status_code == 200
    r = pilot.call("GET", f"/claims/{claim['id']}", pilot.enterprise_tokens["大岭山家具"])
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    assert pilot.ok("GET", "/claims", pilot.enterprise_tokens["大岭山家具"])["items"] == []
    assert [c["id"] for c in pilot.ok("GET", "/claims", pilot.enterprise_tokens[ENT])["items"]] == [claim["id"]]
    assert pilot.call("GET", "/claims/999999", pilot.auditor).status_code == 404


def test_the_public_list_shows_names_and_amounts_and_nothing_private(pilot, scheme, voucher):
    claim = pilot.claim(ENT, voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    page = pilot.ok("GET", "/publicity", None)
    assert page["items"] == [{"claim_id": claim["id"], "enterprise_name": ENT, "provider_name": "粤云平台",
                              "scheme_id": scheme["id"], "scheme_name": scheme["name"], "amount": "52250.00",
                              "publicity_starts_on": "2026-03-02", "publicity_ends_on": "2026-03-09"}]
    assert pilot.ok("GET", f"/publicity?scheme_id={scheme['id'] + 1}", None)["items"] == []


def test_publicity_ended_reads_payable_at_once_and_is_stored_by_the_daily_job_not_by_a_read(
        pilot, scheme, voucher, frozen_clock, uow_factory):
    from claims import service as claims
    from schemes import service as schemes
    claim = pilot.claim(ENT, voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    frozen_clock("2026-03-10T09:00:00+08:00")
    with uow_factory() as u:
        assert claims.get(u.session, claim["id"]).status == "publicity"  # nobody has looked yet
    assert [c["status"] for c in pilot.ok("GET", "/claims", pilot.auditor)["items"]] == ["payable"]
    assert pilot.get_claim(claim["id"])["status"] == "payable"
    with uow_factory() as u:
        assert claims.get(u.session, claim["id"]).status == "publicity"  # a read never writes
    with uow_factory() as u:
        schemes.settle(u, scheme_id=scheme["id"])  # the daily job (or the next write to the scheme)
    with uow_factory() as u:
        assert claims.get(u.session, claim["id"]).status == "payable"