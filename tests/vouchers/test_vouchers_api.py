"""Schemes, contracts and vouchers through the API: who may, who may not, and every bad input."""
from __future__ import annotations

import pytest

from tests.support.pilot import WORKED_LINES
from tests.support.world import row_count as count
from vouchers.models import Contract, Voucher


def test_a_scheme_shows_every_effective_setting_and_its_budget(pilot):
    s = pilot.scheme("5000000.00", enterprise_cap="800000.00", settings={"city_quotas": {"佛山市": "1000000.00"}})
    assert s["settings"]["enterprise_cap"] == "800000.00"
    assert s["settings"]["max_share_prd"] == "0.30" and s["settings"]["max_share_other"] == "0.50"
    assert s["settings"]["provider_quota_major"] == "8000000.00" and s["settings"]["provider_quota_other"] == "5000000.00"
    assert s["settings"]["settle_min_paid_ratio"] == "0.90" and s["settings"]["publicity_working_days"] == 5
    assert s["settings"]["city_quotas"] == {"佛山": "1000000.00"} and "深圳" not in s["settings"]["covered_cities"]
    assert s["budget"] == {"total": "5000000.00", "available": "5000000.00", "reserved": "0.00", "payable": "0.00",
                           "in_transit": "0.00", "disbursed": "0.00"}


@pytest.mark.parametrize("change, field", [
    ({"budget": 5000000}, "budget"),
    ({"budget": "0.00"}, "budget"),
    ({"apply_to": "2025-12-31"}, "apply_to"),
    ({"settings": {"max_share_prd": "1.30"}}, "max_share_prd"),
    ({"settings": {"enterprise_cap": "10.001"}}, "enterprise_cap"),
    ({"settings": {"review_scope": "county"}}, "review_scope"),
    ({"wiggle": 1}, "wiggle"),
])
def test_a_bad_scheme_is_refused_naming_the_field(pilot, change, field):
    body = {"kind": "cloud", "name": "x", "year": 2026, "budget": "100.00", "apply_from": "2026-01-01",
            "apply_to": "2026-06-30", "redeem_from": "2026-01-01", "redeem_to": "2026-12-31", **change}
    r = pilot.call("POST", "/schemes", pilot.admin, json=body)
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR"
    assert r.json["details"]["field"] == field


def test_only_an_admin_opens_schemes_and_only_staff_read_budgets(pilot):
    body = {"kind": "cloud", "name": "x", "year": 2026, "budget": "100.00", "apply_from": "2026-01-01",
            "apply_to": "2026-06-30", "redeem_from": "2026-01-01", "redeem_to": "2026-12-31"}
    assert pilot.call("POST", "/schemes", pilot.reviewer, json=body).status_code == 403
    assert pilot.call("POST", "/schemes", None, json=body).status_code == 401
    s = pilot.scheme()
    assert pilot.call("GET", f"/schemes/{s['id']}/budget", pilot.enterprise_tokens["南海陶瓷"]).status_code == 403
    assert pilot.call("GET", f"/schemes/{s['id']}/budget", pilot.provider_token).status_code == 403
    for token in (pilot.reviewer, pilot.auditor, pilot.admin):
        assert pilot.call("GET", f"/schemes/{s['id']}/budget", token).status_code == 200


def test_settings_changes_make_a_new_version_that_vouchers_name(pilot):
    s = pilot.scheme()
    changed = pilot.ok("PATCH", f"/schemes/{s['id']}/settings", pilot.admin, json={"enterprise_cap": "60000.00"})
    assert changed["settings_version"] == 2 and changed["settings"]["enterprise_cap"] == "60000.00"
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    v = pilot.apply("南海陶瓷", s["id"], c["id"]).json
    assert v["breakdown"]["settings_version"] == 2 and v["breakdown"]["settings"]["enterprise_cap"] == "60000.00"


def test_the_contract_prices_every_line_and_pins_the_version(pilot):
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    assert c["amount"] == "200000.00"
    assert [line["amount"] for line in c["lines"]] == ["10000.00", "150000.00", "40000.00"]
    assert all(line["version_id"] for line in c["lines"])


def _contract(pilot, **line):
    body = {"enterprise_id": pilot.enterprises["南海陶瓷"].id, "signed_on": "2026-02-20",
            "lines": [{"product_id": pilot.products["cpe_gateway"], "quantity": 10, "unit_price": "1000.00", **line}]}
    return pilot.call("POST", "/contracts", pilot.provider_token, json=body)


@pytest.mark.parametrize("line, field", [
    ({"quantity": 0}, "lines[0].quantity"),
    ({"quantity": "2.5"}, "lines[0].quantity"),
    ({"quantity": 2.5}, "lines[0].quantity"),
    ({"unit_price": "1000.001"}, "lines[0].unit_price"),
    ({"unit_price": 1000}, "lines[0].unit_price"),
])
def test_bad_contract_lines_are_refused_and_nothing_is_saved(pilot, db, line, field):
    r = _contract(pilot, **line)
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR", r.json
    assert r.json["details"]["field"] == field
    assert count(db, Contract) == 0


def test_fractional_square_metres_are_fine_for_coverage_area(pilot):
    c = pilot.contract("南海陶瓷", [("coverage_area", "120.50", "20.00")])
    assert c["lines"][0]["quantity"] == "120.50" and c["amount"] == "2410.00"


def test_a_signing_date_outside_the_product_validity_is_refused(pilot, db):
    r = pilot.call("POST", "/contracts", pilot.provider_token, json={
        "enterprise_id": pilot.enterprises["南海陶瓷"].id, "signed_on": "2024-12-31",
        "lines": [{"product_id": pilot.products["cpe_gateway"], "quantity": 1, "unit_price": "1000.00"}]})
    assert r.status_code == 409 and r.json["code"] == "PRODUCT_NOT_VALID_ON_DATE"
    assert count(db, Contract) == 0


def test_a_contract_cannot_be_signed_in_the_future(pilot):
    r = _contract(pilot) if False else pilot.call("POST", "/contracts", pilot.provider_token, json={
        "enterprise_id": pilot.enterprises["南海陶瓷"].id, "signed_on": "2026-03-03",
        "lines": [{"product_id": pilot.products["cpe_gateway"], "quantity": 1, "unit_price": "1000.00"}]})
    assert r.status_code == 422 and r.json["details"]["field"] == "signed_on"


def test_a_product_of_a_provider_outside_the_alliance_is_refused_until_it_joins(pilot, world, db):
    outsider = world.org("provider", city="佛山", name="外部服务商")
    outsider_token = world.token("provider", outsider)
    pid = pilot.product("outsider_gateway", provider_token=outsider_token, **{
        "name": "外部网关", "item_kind": "cpe_gateway", "unit": "台", "unit_price": "900.00",
        "standard": {"kind": "per_unit", "amount": "200.00"}})
    body = {"enterprise_id": pilot.enterprises["南海陶瓷"].id, "signed_on": "2026-02-20",
            "lines": [{"product_id": pid, "quantity": 2, "unit_price": "900.00"}]}
    r = pilot.call("POST", "/contracts", pilot.provider_token, json=body)
    assert r.status_code == 409 and r.json["code"] == "PRODUCT_NOT_IN_ALLIANCE"
    assert count(db, Contract) == 0
    cluster = pilot.ok("POST", "/clusters", pilot.admin, 201, json={
        "name": "南海陶瓷集群", "industry": "建筑陶瓷", "starting_area": "南海区", "city": "佛山",
        "lead_org_id": pilot.provider.id, "year": 2026})
    pilot.ok("POST", f"/clusters/{cluster['id']}/members", pilot.admin, 201,
             json={"org_id": outsider.id, "role": "partner"})
    assert pilot.call("POST", "/contracts", pilot.provider_token, json=body).status_code == 201


def test_only_providers_record_contracts_and_only_parties_read_them(pilot, world):
    body = {"enterprise_id": pilot.enterprises["南海陶瓷"].id, "signed_on": "2026-02-20",
            "lines": [{"product_id": pilot.products["cpe_gateway"], "quantity": 1, "unit_price": "1000.00"}]}
    assert pilot.call("POST", "/contracts", pilot.enterprise_tokens["南海陶瓷"], json=body).status_code == 403
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    other = pilot.enterprise("别家", city="东莞")
    assert other is not None
    assert pilot.call("GET", f"/contracts/{c['id']}", pilot.enterprise_tokens["别家"]).status_code == 403
    assert pilot.call("GET", f"/contracts/{c['id']}", pilot.enterprise_tokens["南海陶瓷"]).status_code == 200
    assert pilot.call("GET", f"/contracts/{c['id']}", pilot.auditor).status_code == 200


def test_only_the_contracts_enterprise_applies_and_others_cannot_read_the_voucher(pilot, db):
    s = pilot.scheme()
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    pilot.enterprise("别家", city="东莞")
    r = pilot.apply("别家", s["id"], c["id"])
    assert r.status_code == 403 and count(db, Voucher) == 0
    assert pilot.call("POST", "/vouchers", pilot.provider_token,
                      json={"scheme_id": s["id"], "contract_id": c["id"]}).status_code == 403
    v = pilot.apply("南海陶瓷", s["id"], c["id"]).json
    assert pilot.call("GET", f"/vouchers/{v['id']}", pilot.enterprise_tokens["别家"]).status_code == 403
    mine = pilot.ok("GET", f"/vouchers/{v['id']}", pilot.enterprise_tokens["南海陶瓷"])
    assert {"id", "status", "face_value", "breakdown", "scheme_id", "contract_id"} <= set(mine)
    assert pilot.ok("GET", f"/vouchers/{v['id']}", pilot.provider_token)["id"] == v["id"]
    listed = pilot.ok("GET", "/vouchers", pilot.enterprise_tokens["别家"])
    assert listed["items"] == []
    own = pilot.ok("GET", "/vouchers", pilot.enterprise_tokens["南海陶瓷"])["items"]
    assert [(x["id"], x["face_value"]) for x in own] == [(v["id"], "55000.00")]
    assert len(pilot.ok("GET", f"/vouchers?scheme_id={s['id']}&status=reserved", pilot.auditor)["items"]) == 1


def test_only_reviewers_approve_or_reject_and_rejection_needs_a_reason(pilot):
    s = pilot.scheme()
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    v = pilot.apply("南海陶瓷", s["id"], c["id"]).json
    for token in (pilot.admin, pilot.auditor, pilot.enterprise_tokens["南海陶瓷"], pilot.provider_token):
        assert pilot.call("POST", f"/vouchers/{v['id']}/approve", token).status_code == 403
    assert pilot.call("POST", f"/vouchers/{v['id']}/reject", pilot.reviewer, json={}).status_code == 422
    assert pilot.ok("POST", f"/vouchers/{v['id']}/approve", pilot.reviewer)["status"] == "issued"
    again = pilot.call("POST", f"/vouchers/{v['id']}/approve", pilot.reviewer)
    assert again.status_code == 409 and again.json["code"] == "INVALID_STATE"


def test_a_city_scoped_reviewer_only_reviews_their_own_city(pilot, world):
    s = pilot.scheme(settings={"review_scope": "city"})
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    v = pilot.apply("南海陶瓷", s["id"], c["id"]).json
    guangzhou = pilot.call("POST", f"/vouchers/{v['id']}/approve", pilot.reviewer)  # authority in 广州
    assert guangzhou.status_code == 403
    foshan = world.token("reviewer", world.org("authority", city="佛山"))
    assert pilot.ok("POST", f"/vouchers/{v['id']}/approve", foshan)["status"] == "issued"


def test_a_cloud_voucher_under_a_talent_scheme_is_refused(pilot, db):
    s = pilot.scheme(kind="talent")
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    r = pilot.apply("南海陶瓷", s["id"], c["id"])
    assert r.status_code == 409 and r.json["code"] == "WRONG_SCHEME_KIND" and count(db, Voucher) == 0


def test_the_dry_run_quotes_without_reserving(pilot):
    s = pilot.scheme()
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    q = pilot.ok("POST", f"/schemes/{s['id']}/dry-run", pilot.admin, json={"contract_id": c["id"]})
    assert q["face_value"] == "55000.00" and q["eligible"] is True
    assert pilot.budget(s["id"])["reserved"] == "0.00"
    assert pilot.call("POST", f"/schemes/{s['id']}/dry-run", pilot.enterprise_tokens["大岭山家具"],
                      json={"contract_id": c["id"]}).status_code == 403  # another enterprise's contract


def test_a_rejected_application_frees_the_contract_for_a_new_one(pilot):
    s = pilot.scheme()
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    v = pilot.apply("南海陶瓷", s["id"], c["id"]).json
    pilot.ok("POST", f"/vouchers/{v['id']}/reject", pilot.reviewer, json={"reason": "材料不全"})
    again = pilot.apply("南海陶瓷", s["id"], c["id"])
    assert again.status_code == 201 and again.json["status"] == "reserved"
    assert pilot.budget(s["id"])["reserved"] == "55000.00"
    assert pilot.verify()["ok"] is True


def test_a_cluster_pilot_exports_the_annex5_table_of_its_alliance(pilot, world):
    outsider = world.org("provider", name="集群外服务商")
    pilot.product("outside", provider_token=world.token("provider", outsider), name="集群外网关",
                  item_kind="cpe_gateway", unit="台", unit_price="900.00", standard={"kind": "per_unit", "amount": "1.00"})
    partner = world.org("provider", name="联合体成员")
    pilot.product("partner", provider_token=world.token("provider", partner), name="成员MEP", item_kind="mep",
                  unit="套", unit_price="120000.00", standard={"kind": "ratio", "rate": "0.20"})
    cluster = pilot.ok("POST", "/clusters", pilot.admin, 201, json={
        "name": "南海陶瓷集群", "industry": "建筑陶瓷", "starting_area": "南海区", "city": "佛山市",
        "lead_org_id": pilot.provider.id, "year": 2026})
    pilot.ok("POST", f"/clusters/{cluster['id']}/members", pilot.admin, 201, json={"org_id": partner.id,
                                                                                  "role": "partner"})
    r = pilot.client.get(f"/api/v1/clusters/{cluster['id']}/products/export?format=csv")
    assert r.status_code == 200
    text = r.data.decode("utf-8-sig")
    assert text.splitlines()[0].split(",")[1:7] == ["产品名称", "产品单位", "应用场景", "功能模块", "预期效果", "奖补标准"]
    assert "成员MEP" in text and "工业级CPE网关" in text and "集群外网关" not in text
    assert pilot.client.get("/api/v1/clusters/999/products/export").status_code == 404


def test_a_provider_leads_one_pilot_and_a_national_platform_three_a_year(pilot, world):
    body = {"name": "集群", "industry": "家具", "starting_area": "大岭山镇", "city": "东莞", "year": 2026}
    small = world.org("provider", provider_class="other")
    assert pilot.call("POST", "/clusters", pilot.admin, json={**body, "lead_org_id": small.id}).status_code == 201
    r = pilot.call("POST", "/clusters", pilot.admin, json={**body, "lead_org_id": small.id, "year": 2027})
    assert r.status_code == 409 and r.json["code"] == "LEAD_LIMIT_EXCEEDED"
    for _ in range(3):
        assert pilot.call("POST", "/clusters", pilot.admin, json={**body, "lead_org_id": pilot.provider.id}).status_code == 201
    r = pilot.call("POST", "/clusters", pilot.admin, json={**body, "lead_org_id": pilot.provider.id})
    assert r.status_code == 409 and r.json["code"] == "LEAD_LIMIT_EXCEEDED"
    assert pilot.call("POST", "/clusters", pilot.admin,
                      json={**body, "lead_org_id": pilot.provider.id, "year": 2027}).status_code == 201
    enterprise = pilot.enterprises["南海陶瓷"]
    r = pilot.call("POST", "/clusters", pilot.admin, json={**body, "lead_org_id": enterprise.id})
    assert r.status_code == 422 and r.json["details"]["field"] == "lead_org_id"


def test_an_idempotency_key_replays_a_voucher_application(pilot, db):
    s = pilot.scheme()
    c = pilot.contract("南海陶瓷", WORKED_LINES)
    headers = {"Authorization": f"Bearer {pilot.enterprise_tokens['南海陶瓷']}", "Idempotency-Key": "apply-1"}
    body = {"scheme_id": s["id"], "contract_id": c["id"]}
    first = pilot.client.post("/api/v1/vouchers", json=body, headers=headers)
    again = pilot.client.post("/api/v1/vouchers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and again.json == first.json
    assert count(db, Voucher) == 1 and pilot.budget(s["id"])["reserved"] == "55000.00"


def test_raising_a_city_quota_lets_the_waiting_vouchers_through_at_once(pilot):
    s = pilot.scheme(settings={"city_quotas": {"佛山": "60000.00"}})
    pilot.enterprise("西樵纺织", city="佛山")
    first = pilot.apply("南海陶瓷", s["id"], pilot.contract("南海陶瓷", WORKED_LINES)["id"]).json
    second = pilot.apply("西樵纺织", s["id"], pilot.contract("西樵纺织", WORKED_LINES)["id"]).json
    assert (first["status"], second["status"]) == ("reserved", "waitlisted")
    assert second["waitlist_reason"] == "city_quota"
    pilot.ok("PATCH", f"/schemes/{s['id']}/settings", pilot.admin, json={"city_quotas": {"佛山": "1000000.00"}})
    assert pilot.ok("GET", f"/vouchers/{second['id']}", pilot.auditor)["status"] == "reserved"
    assert pilot.budget(s["id"])["reserved"] == "110000.00"


def test_ids_beyond_any_row_are_not_found_not_a_crash(pilot):
    for path in ("/vouchers/9223372036854775808", "/contracts/2147483648", "/schemes/99999999999/budget"):
        r = pilot.call("GET", path, pilot.auditor)
        assert r.status_code == 404 and r.json["code"] == "NOT_FOUND", (path, r.json)
    r = pilot.call("POST", "/vouchers", pilot.enterprise_tokens["南海陶瓷"],
                   json={"scheme_id": 2**40, "contract_id": 1})
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR"
