"""Inputs an outside probe sent that were accepted or answered wrongly: each now gets one clear
refusal with the one error shape."""
from __future__ import annotations

import datetime as dt
import io
import os
import stat

import pytest

from tests.support.pilot import Pilot
from tests.support.world import auth, uscc
from tests.test_api_foundation import org_body, org_count


@pytest.fixture
def admin(world):
    return world.token("admin")


NUL = "text must not contain NUL characters"


@pytest.mark.parametrize("send", ["json", "query", "form", "filename"])
def test_a_nul_byte_is_refused_with_one_message_wherever_it_comes_in(client, admin, world, send, db):
    if send == "json":
        r = client.post("/api/v1/orgs", json=org_body(name="南海\x00陶瓷"), headers=auth(admin))
    elif send == "query":
        r = client.get("/api/v1/products?q=%E7%BD%91%00%E5%85%B3")
    else:
        token = world.token("enterprise", world.org("enterprise"))
        form = {"kind": "invoice\x00" if send == "form" else "invoice",
                "file": (io.BytesIO(b"%PDF-1.4 x"), "a\x00.pdf" if send == "filename" else "a.pdf")}
        r = client.post("/api/v1/evidence", data=form, content_type="multipart/form-data", headers=auth(token))
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR" and r.json["message"] == NUL, r.json
    assert org_count(db) == (1 if send in ("form", "filename") else 0)  # only the uploader's own organisation


def test_a_nul_byte_in_an_imported_cell_or_a_statement_line_is_refused_with_the_same_message():
    from catalog import importer
    from payouts import statement
    row = "网关\x00,场景,模块,效果,每台补贴300.00元,cpe_gateway,台,1000.00,2026-01-01,2027-12-31"
    header = "产品名称,应用场景,功能模块,预期效果,奖补标准,产品类型,计量单位,单价（元）,有效期起,有效期止"
    _, _, rows = importer.read_table("p.csv", f"{header}\n{row}\n".encode())
    _, problems = importer._row_spec(rows[0][1], "服务商")
    assert ("name", NUL) in problems
    text = "bank_txn_id,value_date,reference,payee_account,amount\nT1\x00,2026-03-01,YQ1-1,6222,1.00\n"
    with pytest.raises(Exception) as refused:
        data = io.BytesIO(text.encode())
        list(statement.lines(data, statement.scan(data), today=dt.date(2026, 3, 2)))
    assert NUL in refused.value.message and refused.value.details["field"] == "bank_txn_id"


def test_a_month_in_full_width_digits_is_not_a_month(client, admin):
    r = client.post("/api/v1/ledger/periods/２０２６-０１/close", headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "month", r.json
    assert client.get("/api/v1/ledger/trial-balance", headers=auth(admin)).status_code == 200


@pytest.mark.parametrize("founded_on", ["9999-12-31", "2027-01-01", "1948-12-31", "0215-06-01"])
def test_a_founding_date_in_the_future_or_before_1949_is_refused(client, admin, founded_on, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    r = client.post("/api/v1/orgs", json=org_body(founded_on=founded_on), headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "founded_on", r.json


@pytest.mark.parametrize("city,ok", [("佛山市", True), ("佛山", True), ("深圳", True), ("北京", False),
                                     ("香港", False), ("佛山县", False), ("市", False)])
def test_a_city_must_be_one_of_guangdongs_21(client, admin, city, ok):
    r = client.post("/api/v1/orgs", json=org_body(city=city), headers=auth(admin))
    assert (r.status_code == 201) is ok, r.json
    if not ok:
        assert r.json["details"]["field"] == "city"


@pytest.mark.parametrize("name", ["南海\u202e司公瓷陶", "南海\u2066陶瓷\u2069", "南海\u200b陶瓷", "南海\u00ad陶瓷",
                                  "南海\n陶瓷"])
def test_names_with_invisible_control_or_format_characters_are_refused(client, admin, world, name):
    r = client.post("/api/v1/orgs", json=org_body(name=name), headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "name", r.json
    r = client.post("/api/v1/orgs", json=org_body(bank_name=name), headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "bank_name"
    r = client.post("/api/v1/users", json={"username": name, "role": "admin"}, headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "username"
    provider = world.token("provider", world.org("provider"))
    from tests.catalog.conftest import product_body
    r = client.post("/api/v1/products", json=product_body(name=name), headers=auth(provider))
    assert r.status_code == 422 and r.json["details"]["field"] == "name"


def test_a_405_names_the_allowed_methods(client, admin):
    r = client.delete("/api/v1/orgs", headers=auth(admin))
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert r.json["code"] == "METHOD_NOT_ALLOWED"


def test_a_new_sqlite_database_file_is_readable_by_its_owner_only(tmp_path):
    from yunquan.db import make_engine
    from yunquan.schema import upgrade
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
        upgrade(engine)
        engine.dispose()
    finally:
        os.umask(old)
    for f in tmp_path.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_an_invoice_absurdly_above_the_contract_is_refused(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    pilot = Pilot(client, world)
    pilot.worked_products()
    pilot.enterprise("南海陶瓷")
    scheme = pilot.scheme()
    voucher = pilot.issued_voucher("南海陶瓷", scheme["id"])
    r = pilot.claim("南海陶瓷", voucher["id"], "190000.00", invoice="2000000.01")  # contract 200,000.00
    assert r.status_code == 422 and r.json["details"]["field"] == "invoice_amount", r.json
    assert r.json["details"]["max_invoice_amount"] == "2000000.00"
    assert pilot.claim("南海陶瓷", voucher["id"], "190000.00", invoice="2000000.00").status_code == 201


# --- correcting where an organisation is paid -------------------------------------------------

def test_an_admin_corrects_a_bank_account_the_change_is_audited_and_the_next_batch_pays_it(client, world,
                                                                                            frozen_clock):
    from tests.support.pilot import statement_for  # noqa: F401 (the claim cycle's helpers)
    frozen_clock("2026-03-02T10:00:00+08:00")
    pilot = Pilot(client, world)
    pilot.worked_products()
    org = pilot.enterprise("南海陶瓷", bank_account="6222000011112222")
    client.application.config["PUBLICITY_DAYS_OVERRIDE"] = 0
    scheme = pilot.scheme()
    voucher = pilot.issued_voucher("南海陶瓷", scheme["id"])
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    admin_id, admin = world.user("admin")
    change = {"bank_name": "建设银行佛山分行", "bank_account": "6227 0000 3333 4444", "reason": "企业更换基本户（函2026-12）"}
    for token in (pilot.reviewer, pilot.finance()[0], pilot.auditor, pilot.enterprise_tokens["南海陶瓷"]):
        assert pilot.call("PATCH", f"/orgs/{org.id}/bank-account", token, json=change).status_code == 403
    r = pilot.call("PATCH", f"/orgs/{org.id}/bank-account", admin, json=change)
    assert r.status_code == 200 and r.json["bank_account"] == "6227000033334444"
    again = pilot.ok("PATCH", f"/orgs/{org.id}/bank-account", admin,
                     json=change | {"bank_account": "6227000055556666", "reason": "更正上次录入"})
    assert again["bank_name"] == "建设银行佛山分行"
    history = pilot.ok("GET", f"/orgs/{org.id}/bank-account/changes", pilot.auditor)["items"]
    assert [(h["old_bank_account"], h["new_bank_account"], h["changed_by"]) for h in history] == [
        ("6222000011112222", "6227000033334444", admin_id), ("6227000033334444", "6227000055556666", admin_id)]
    assert history[0]["reason"] == "企业更换基本户（函2026-12）" and history[0]["changed_at"].endswith("Z")
    batch = pilot.build_batch(scheme["id"]).json
    assert [line["payee_account"] for line in batch["lines"]] == ["6227000055556666"]


@pytest.mark.parametrize("body,field", [({"bank_name": "银行", "bank_account": "12ab", "reason": "x"}, "bank_account"),
                                        ({"bank_name": "=cmd", "bank_account": "622200001111", "reason": "x"},
                                         "bank_name"),
                                        ({"bank_name": "银行", "bank_account": "622200001111", "reason": " "}, "reason"),
                                        ({"bank_name": "银行", "bank_account": "622200001111"}, "reason")])
def test_a_bad_bank_account_correction_is_refused_and_nothing_is_recorded(client, world, body, field, admin):
    org = world.org("enterprise")
    r = client.patch(f"/api/v1/orgs/{org.id}/bank-account", json=body, headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == field, r.json
    changes = client.get(f"/api/v1/orgs/{org.id}/bank-account/changes", headers=auth(admin)).json["items"]
    assert changes == [] and client.get(f"/api/v1/orgs/{org.id}", headers=auth(admin)).json["bank_account"] == \
        "6222000011112222"
    assert client.patch("/api/v1/orgs/999999/bank-account", json={"bank_name": "银行", "bank_account": "622200001111",
                        "reason": "x"}, headers=auth(admin)).status_code == 404


