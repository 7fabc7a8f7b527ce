"""Portal pages doing work through Flask's test client: editing products, the import's dry run
before it saves, errors shown in the page, and object-level checks beyond the role."""
from __future__ import annotations

import base64
import io
import re

from tests.catalog.test_import_export import GOOD_ROWS, MIXED_ROWS, csv_bytes
from tests.portal.support import csrf_of, login, portal_user
from tests.support.pilot import PDF, Pilot


def _flash(html: str) -> str:
    found = re.findall(r'<div class="flash (?:ok|error)"[^>]*>([^<]*)</div>', html)
    return " ".join(found)


def _product_form(token: str, **over) -> dict:
    return {"csrf_token": token, "name": "云MES", "item_kind": "saas", "unit": "账号·年", "unit_price": "2400.00",
            "scenario": "生产报工", "modules": "计划\n报工", "expected_effect": "达成率提升", "standard_kind": "ratio",
            "rate": "0.30", "cap": "", "valid_from": "2026-01-01", "valid_to": "2027-12-31", **over}


def test_a_provider_edits_a_draft_in_place_and_an_approved_product_gets_a_new_version(client, world, uow_factory):
    pilot = Pilot(client, world)
    name = portal_user(world, uow_factory, "provider", pilot.provider)
    login(client, name)
    token = csrf_of(client, "/provider/products/new")
    r = client.post("/provider/products/new", data=_product_form(token), follow_redirects=True)
    assert "已保存为草稿" in _flash(r.get_data(as_text=True))
    product_id = pilot.ok("GET", "/products?q=云MES", pilot.provider_token)["items"][0]["id"]
    page = client.get(f"/provider/products/{product_id}/edit").get_data(as_text=True)
    assert 'value="2400.00"' in page and "计划\n报工" in page  # the form comes back filled in
    r = client.post(f"/provider/products/{product_id}/edit", data=_product_form(token, unit_price="2600.00"),
                    follow_redirects=True)
    assert "第 1 版" in _flash(r.get_data(as_text=True))
    pilot.ok("POST", f"/products/{product_id}/submit", pilot.provider_token)
    pilot.ok("POST", f"/products/{product_id}/approve", pilot.reviewer)
    r = client.post(f"/provider/products/{product_id}/edit", data=_product_form(token, unit_price="2800.00"),
                    follow_redirects=True)
    assert "第 2 版" in _flash(r.get_data(as_text=True))
    shown = pilot.ok("GET", f"/products/{product_id}", pilot.provider_token)
    assert (shown["version"], shown["unit_price"], shown["status"]) == (2, "2800.00", "draft")


def test_a_bad_product_form_is_refused_with_the_reason_and_saves_nothing(client, world, uow_factory):
    pilot = Pilot(client, world)
    login(client, portal_user(world, uow_factory, "provider", pilot.provider))
    token = csrf_of(client, "/provider/products/new")
    r = client.post("/provider/products/new", data=_product_form(token, rate="1.50"))
    assert r.status_code == 200 and _flash(r.get_data(as_text=True))  # the reason, on the form again
    assert 'value="云MES"' in r.get_data(as_text=True)  # what was typed stays
    assert pilot.ok("GET", "/products?q=云MES", pilot.provider_token)["items"] == []


def test_the_standard_preview_shows_the_subsidy_of_a_sample_quantity(client, world, uow_factory):
    login(client, portal_user(world, uow_factory, "provider", world.org("provider")))
    r = client.get("/provider/standard-preview?standard_kind=per_unit&amount=300.00&unit_price=1000&quantity=10&unit=台")
    assert "3,000.00 元" in r.get_data(as_text=True) and "10,000.00 元" in r.get_data(as_text=True)
    tiered = ("/provider/standard-preview?standard_kind=tiered&bands=100000.00,0.50%0A,0.10"
              "&unit_price=150000&quantity=1")
    assert "55,000.00 元" in client.get(tiered).get_data(as_text=True)
    assert "flash error" in client.get("/provider/standard-preview?standard_kind=ratio&rate=abc").get_data(as_text=True)


def test_the_import_shows_its_dry_run_report_and_saves_only_when_confirmed(client, world, uow_factory):
    pilot = Pilot(client, world)
    login(client, portal_user(world, uow_factory, "provider", pilot.provider))
    token = csrf_of(client, "/provider/import")
    bad = client.post("/provider/import", data={"csrf_token": token, "file": (io.BytesIO(csv_bytes(MIXED_ROWS)), "p.csv")},
                      content_type="multipart/form-data")
    html = bad.get_data(as_text=True)
    assert "发现 8 处问题" in html and "确认导入" not in html
    good = client.post("/provider/import", data={"csrf_token": token, "file": (io.BytesIO(csv_bytes(GOOD_ROWS)), "p.csv")},
                       content_type="multipart/form-data")
    html = good.get_data(as_text=True)
    assert "全部通过检查" in html and "确认导入 2 个产品" in html
    assert pilot.ok("GET", f"/products?provider_id={pilot.provider.id}", pilot.provider_token)["items"] == []
    data = re.search(r'name="data" value="([^"]+)"', html).group(1)
    assert base64.b64decode(data) == csv_bytes(GOOD_ROWS)
    done = client.post("/provider/import", data={"csrf_token": token, "data": data, "filename": "p.csv"},
                       follow_redirects=True)
    assert "已导入 2 个产品" in _flash(done.get_data(as_text=True))
    items = pilot.ok("GET", f"/products?provider_id={pilot.provider.id}", pilot.provider_token)["items"]
    assert {i["status"] for i in items} == {"draft"} and len(items) == 2


def test_the_confirm_step_takes_back_the_largest_file_the_dry_run_accepts(app):
    from portal.views_provider import MAX_IMPORT_BYTES
    assert app.config["MAX_FORM_MEMORY_SIZE"] >= len(base64.b64encode(b"x" * MAX_IMPORT_BYTES)) + 1024


def test_an_enterprise_cannot_quote_or_apply_with_another_enterprises_contract(client, world, uow_factory):
    pilot = Pilot(client, world)
    pilot.worked_products()
    scheme = pilot.scheme(apply_to="2026-12-31")
    pilot.enterprise("甲企业")
    other = pilot.enterprise("乙企业")
    contract = pilot.contract("甲企业", [("cpe_gateway", 10, "1000.00")], signed_on="2026-02-20")
    login(client, portal_user(world, uow_factory, "enterprise", other))
    r = client.get(f"/enterprise/apply?scheme_id={scheme['id']}&contract_id={contract['id']}", follow_redirects=True)
    assert "该合同属于其他组织" in _flash(r.get_data(as_text=True))
    token = csrf_of(client, "/enterprise")
    r = client.post("/enterprise/apply", data={"csrf_token": token, "scheme_id": scheme["id"],
                                               "contract_id": contract["id"]}, follow_redirects=True)
    assert _flash(r.get_data(as_text=True))
    assert pilot.ok("GET", "/vouchers", pilot.reviewer)["items"] == []


def test_evidence_is_shown_inline_to_its_enterprise_and_reviewers_only(client, world, uow_factory, app):
    pilot = Pilot(client, world)
    owner = pilot.enterprise("甲企业")
    stranger = pilot.enterprise("乙企业")
    evidence_id = pilot.upload("甲企业", "invoice", PDF, "发票.pdf").json["id"]
    mine = app.test_client()
    login(mine, portal_user(world, uow_factory, "enterprise", owner))
    r = mine.get(f"/evidence/{evidence_id}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF") and r.headers["Content-Disposition"].startswith("inline")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    theirs = app.test_client()
    login(theirs, portal_user(world, uow_factory, "enterprise", stranger))
    assert theirs.get(f"/evidence/{evidence_id}").status_code == 403
    reviewer = app.test_client()
    login(reviewer, portal_user(world, uow_factory, "reviewer", pilot.authority))
    assert reviewer.get(f"/evidence/{evidence_id}").status_code == 200


def _issued_voucher_with_claim(pilot):
    pilot.worked_products()
    scheme = pilot.scheme(apply_to="2026-12-31")
    pilot.enterprise("甲企业")
    voucher = pilot.issued_voucher("甲企业", scheme["id"], [("cpe_gateway", 10, "1000.00")])
    claim = pilot.claim("甲企业", voucher["id"], "10000.00")
    assert claim.status_code == 201, claim.json
    return scheme, voucher, claim.json


def test_a_reviewer_returns_a_claim_the_enterprise_corrects_it_and_an_objection_sends_it_back(client, world,
                                                                                               uow_factory, app):
    pilot = Pilot(client, world)
    scheme, voucher, claim = _issued_voucher_with_claim(pilot)
    reviewer, enterprise = app.test_client(), app.test_client()
    login(reviewer, portal_user(world, uow_factory, "reviewer", pilot.authority))
    login(enterprise, portal_user(world, uow_factory, "enterprise", pilot.enterprises["甲企业"]))
    token = csrf_of(reviewer, "/review/claims")
    assert f"/review/claims/{claim['id']}" in reviewer.get("/review/claims").get_data(as_text=True)
    r = reviewer.post(f"/review/claims/{claim['id']}/return", data={"csrf_token": token, "reason": "发票不清晰"},
                      follow_redirects=True)
    assert "已退回补正" in _flash(r.get_data(as_text=True))
    page = enterprise.get("/enterprise/claims").get_data(as_text=True)
    assert "退回补正" in page and "发票不清晰" in page
    # the enterprise corrects it from the voucher's page: new evidence, the same claim
    etoken = csrf_of(enterprise, f"/enterprise/vouchers/{voucher['id']}")
    ids = pilot.evidence_set("甲企业")
    r = enterprise.post(f"/enterprise/vouchers/{voucher['id']}/claim", follow_redirects=True, data={
        "csrf_token": etoken, "invoice_amount": "10000.00", "paid_amount": "10000.00", "evidence_ids": ids})
    assert f"兑付申请 {claim['id']} 已提交" in _flash(r.get_data(as_text=True))
    r = reviewer.post(f"/review/claims/{claim['id']}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert "进入公示" in _flash(r.get_data(as_text=True))
    assert "甲企业" in client.get("/publicity").get_data(as_text=True)
    r = reviewer.post(f"/review/claims/{claim['id']}/object", data={"csrf_token": token, "reason": "群众举报"},
                      follow_redirects=True)
    assert "提出异议" in _flash(r.get_data(as_text=True))
    assert pilot.ok("GET", f"/claims/{claim['id']}", pilot.reviewer)["status"] == "submitted"
    assert "甲企业" not in client.get("/publicity").get_data(as_text=True)


def test_one_person_holding_both_finance_roles_cannot_approve_their_own_batch(client, world, uow_factory, app):
    pilot = Pilot(client, world)
    app.config["PUBLICITY_DAYS_OVERRIDE"] = 0
    scheme, voucher, claim = _issued_voucher_with_claim(pilot)
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    both = app.test_client()
    login(both, portal_user(world, uow_factory, ["finance_maker", "finance_checker"], pilot.authority))
    token = csrf_of(both, "/finance")
    r = both.post("/finance/batches", data={"csrf_token": token, "scheme_id": scheme["id"]}, follow_redirects=True)
    assert "已生成" in _flash(r.get_data(as_text=True))
    batch_id = pilot.ok("GET", "/payout-batches", pilot.finance()[1])["items"][0]["id"]
    r = both.post(f"/finance/batches/{batch_id}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert "已审批" not in _flash(r.get_data(as_text=True)) and _flash(r.get_data(as_text=True))
    assert pilot.ok("GET", f"/payout-batches/{batch_id}", pilot.finance()[1])["status"] == "draft"
    checker = app.test_client()
    login(checker, portal_user(world, uow_factory, "finance_checker", pilot.authority))
    r = checker.post(f"/finance/batches/{batch_id}/approve", data={"csrf_token": csrf_of(checker, "/finance")},
                     follow_redirects=True)
    assert "已审批" in _flash(r.get_data(as_text=True))
    assert "<svg" in checker.get("/finance").get_data(as_text=True)


def test_the_budget_history_is_the_balance_at_the_end_of_each_day_money_moved(client, world, uow_factory, app,
                                                                             frozen_clock):
    import datetime as dt

    from schemes import budget
    frozen_clock("2026-02-20T10:00:00+08:00")
    pilot = Pilot(client, world)
    scheme, voucher, claim = _issued_voucher_with_claim(pilot)
    frozen_clock("2026-03-02T10:00:00+08:00")
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    with uow_factory.reader() as s:
        days = budget.history(s, scheme["id"])
        now = budget.read(s, scheme["id"])
    assert [d for d, _ in days] == [dt.date(2026, 2, 20), dt.date(2026, 3, 2)]
    assert days[-1][1] == now
    first = days[0][1]
    assert first.total == 10_000_000_00 and first.reserved > 0 and first.payable == 0  # held, not yet approved
    assert days[-1][1].payable > 0  # approved on the second day
    assert sum((first.available, first.reserved, first.payable, first.in_transit, first.disbursed)) == first.total
