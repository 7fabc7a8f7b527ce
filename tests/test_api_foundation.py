"""The bootstrap API: organisations, users, tokens, errors, idempotent replays, ledger verify."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from parties.models import Organisation
from tests.support.world import auth, uscc


@pytest.fixture
def admin(world):
    return world.token("admin")


def org_body(**over):
    body = {"kind": "enterprise", "name": "佛山市南海陶瓷有限公司", "uscc": uscc(), "city": "佛山市",
            "founded_on": "2015-06-01", "prior_year_revenue": "8800000.00", "bank_name": "工商银行",
            "bank_account": "6222000011112222"}
    body.update(over)
    return body


def org_count(db):
    with db.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(Organisation.__table__)).scalar()


def test_admin_registers_an_enterprise_and_the_city_is_stored_without_shi(client, admin):
    r = client.post("/api/v1/orgs", json=org_body(), headers=auth(admin))
    assert r.status_code == 201, r.json
    assert r.json["city"] == "佛山" and r.json["prior_year_revenue"] == "8800000.00" and r.json["id"] > 0


def test_a_bad_check_digit_is_refused_naming_the_field(client, admin, db):
    good = uscc()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    r = client.post("/api/v1/orgs", json=org_body(uscc=bad), headers=auth(admin))
    assert r.status_code == 422
    assert r.json["code"] == "VALIDATION_ERROR" and r.json["details"]["field"] == "uscc"
    assert org_count(db) == 0


def test_the_same_uscc_cannot_be_registered_twice(client, admin, db):
    body = org_body()
    assert client.post("/api/v1/orgs", json=body, headers=auth(admin)).status_code == 201
    r = client.post("/api/v1/orgs", json=body, headers=auth(admin))
    assert r.status_code == 409 and r.json["code"] == "DUPLICATE_ORGANISATION"
    assert org_count(db) == 1


@pytest.mark.parametrize("money", [8800000, "8800000.001", "8800000", "-1.00"])
def test_money_must_be_a_string_with_two_decimals(client, admin, money, db):
    r = client.post("/api/v1/orgs", json=org_body(prior_year_revenue=money), headers=auth(admin))
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR"
    assert r.json["details"]["field"] == "prior_year_revenue"
    assert org_count(db) == 0


def test_only_an_admin_registers_organisations(client, world):
    reviewer = world.token("reviewer", world.org("authority"))
    r = client.post("/api/v1/orgs", json=org_body(), headers=auth(reviewer))
    assert r.status_code == 403 and r.json["code"] == "FORBIDDEN"
    assert client.post("/api/v1/orgs", json=org_body()).json["code"] == "UNAUTHENTICATED"
    r = client.post("/api/v1/orgs", json=org_body(), headers=auth("yq_not-a-token"))
    assert r.status_code == 401 and r.json["code"] == "UNAUTHENTICATED"
    r = client.post("/api/v1/orgs", json=org_body(), headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


def test_admin_creates_a_user_whose_token_works_and_roles_can_be_several(client, admin, world):
    authority = world.org("authority")
    r = client.post("/api/v1/users", json={"username": "li", "roles": ["finance_maker", "finance_checker"],
                                           "org_id": authority.id}, headers=auth(admin))
    assert r.status_code == 201 and r.json["token"].startswith("yq_")
    me = client.get("/api/v1/users/me", headers=auth(r.json["token"]))
    assert me.json["roles"] == ["finance_checker", "finance_maker"] and me.json["org_id"] == authority.id


def test_tokens_are_stored_only_as_hashes(client, admin, db):
    r = client.post("/api/v1/users", json={"username": "wang", "role": "auditor"}, headers=auth(admin))
    token = r.json["token"]
    with db.connect() as c:
        stored = [row[0] for row in c.exec_driver_sql("SELECT token_hash FROM api_token")]
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_a_role_needs_the_right_kind_of_organisation(client, admin, world):
    enterprise = world.org("enterprise")
    r = client.post("/api/v1/users", json={"username": "x", "role": "reviewer", "org_id": enterprise.id},
                    headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "org_id"
    r = client.post("/api/v1/users", json={"username": "x", "role": "pilot"}, headers=auth(admin))
    assert r.status_code == 422


def test_errors_have_one_shape(client, admin):
    for r, status, code in [
        (client.get("/api/v1/nowhere"), 404, "NOT_FOUND"),
        (client.delete("/api/v1/orgs", headers=auth(admin)), 405, "METHOD_NOT_ALLOWED"),
        (client.post("/api/v1/orgs", data="{not json", content_type="application/json", headers=auth(admin)),
         400, "MALFORMED_REQUEST"),
        (client.get("/api/v1/orgs/999", headers=auth(admin)), 404, "NOT_FOUND"),
    ]:
        assert r.status_code == status, (r.status_code, r.json)
        assert set(r.json) == {"code", "message", "details"} and r.json["code"] == code


def test_an_idempotency_key_replays_the_first_response(client, admin, db):
    body = org_body()
    h = auth(admin) | {"Idempotency-Key": "create-ceramics"}
    first = client.post("/api/v1/orgs", json=body, headers=h)
    again = client.post("/api/v1/orgs", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert org_count(db) == 1
    other = client.post("/api/v1/orgs", json=org_body(), headers=h)
    assert other.status_code == 409 and other.json["code"] == "IDEMPOTENCY_MISMATCH"


def test_auditor_verifies_the_ledger_and_an_enterprise_may_not(client, world):
    auditor = world.token("auditor")
    r = client.get("/api/v1/ledger/verify", headers=auth(auditor))
    assert r.status_code == 200
    assert r.json["ok"] is True and r.json["journals"] == 0 and r.json["first_bad_journal"] is None
    assert len(r.json["head_hash"]) == 64
    enterprise = world.token("enterprise", world.org("enterprise"))
    assert client.get("/api/v1/ledger/verify", headers=auth(enterprise)).status_code == 403


def test_openapi_document_and_docs_are_served(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200 and "/api/v1/orgs" in spec.json["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"/api/docs/assets/swagger-ui-bundle.js" in docs.data
    bundle = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000
    assert client.get("/api/docs/assets/../../etc/passwd").status_code == 404


def test_staff_list_organisations_a_page_at_a_time(client, admin, world):
    for i in range(3):
        assert client.post("/api/v1/orgs", json=org_body(name=f"企业{i}"), headers=auth(admin)).status_code == 201
    first = client.get("/api/v1/orgs?kind=enterprise&limit=2", headers=auth(admin))
    assert first.status_code == 200 and len(first.json["items"]) == 2
    assert first.json["items"][0]["prior_year_revenue"] == "8800000.00"
    rest = client.get(f"/api/v1/orgs?kind=enterprise&limit=2&cursor={first.json['next_cursor']}", headers=auth(admin))
    assert len(rest.json["items"]) == 1 and rest.json["next_cursor"] is None
    enterprise = world.token("enterprise", world.org("enterprise"))
    assert client.get("/api/v1/orgs", headers=auth(enterprise)).status_code == 403
    assert client.get("/api/v1/orgs?cursor=garbage!", headers=auth(admin)).status_code == 422


def test_a_request_whose_response_failed_after_its_work_saves_nothing_and_runs_again_on_retry(client, admin, db,
                                                                                               monkeypatch):
    """The work and its stored answer commit together: a failure while answering undoes the work."""
    from parties import schemas as admin_api
    real = admin_api.OrgOut.dump

    def dump_fails(self, obj, **kw):
        raise RuntimeError("the response could not be written after the work")
    monkeypatch.setattr(admin_api.OrgOut, "dump", dump_fails)
    h = auth(admin) | {"Idempotency-Key": "org-after-crash"}
    body = org_body()
    first = client.post("/api/v1/orgs", json=body, headers=h)
    assert first.status_code == 500 and org_count(db) == 0
    monkeypatch.setattr(admin_api.OrgOut, "dump", real)
    again = client.post("/api/v1/orgs", json=body, headers=h)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert org_count(db) == 1
