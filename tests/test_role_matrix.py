"""Who may call what, read from the OpenAPI document itself: every operation it lists, every role
(and no token), and objects of another organisation (IDOR). An operation appears here as soon as it
is in the document; one without an access rule (``x-access``), or whose path names an object this
file cannot place (``OBJECTS``), fails the suite until someone says who it belongs to.

- No token: 401 with ``WWW-Authenticate`` unless the operation is public.
- A role the rule leaves out: 403 ``FORBIDDEN`` naming the roles needed; a role it lets in is never
  refused for its role (whatever the answer about the request itself), and nothing answers 5xx.
- A party (enterprise, provider) pointing at another organisation's object: refused (403, or 404
  for what it may not know exists, or 422 before anything is read), never a 2xx.
"""
from __future__ import annotations

import pytest

from kernel import clock
from tests.support.contract import seeded_pilot
from tests.support.people import resident_id
from tests.support.pilot import statement
from tests.support.world import auth
from yunquan.app import create_app

APP = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
DOC = APP.test_client().get("/api/openapi.json").json
OPERATIONS = sorted((method.upper(), path) for path, item in DOC["paths"].items()
                    for method in item if method in ("get", "post", "put", "patch", "delete"))
ROLES = ("admin", "provider", "enterprise", "financier", "guarantor", "reviewer", "finance_maker",
         "finance_checker", "auditor")
PARTY_ROLES = ("enterprise", "provider", "financier", "guarantor")

# Every path parameter: whose object it names. "owner" objects belong to the seeded enterprise or
# provider (another organisation of the same kind must not reach them); "shared" ones belong to no
# party (a scheme, a pilot, a batch of the authority, a month).
OBJECTS = {
    "org_id": "owner", "voucher_id": "owner", "claim_id": "owner", "contract_id": "owner",
    "evidence_id": "owner", "product_id": "owner", "loan_id": "owner", "trainee_id": "owner",
    # a pilot application (申报书) belongs to its lead unit, the seeded provider
    "application_id": "owner",
    # a training programme is offered to every enterprise, which enrols its own employees in it
    "training_id": "shared",
    # reports: a ledger account (auditors only), an imported bank statement (finance), a file format
    "code": "shared", "statement_id": "shared", "fmt": "shared",
    "scheme_id": "shared", "cluster_id": "shared", "batch_id": "shared", "user_id": "shared",
    "month": "shared", "filename": "shared",
}


def params_of(path: str) -> list[str]:
    import re
    return re.findall(r"{([^}]+)}", path)


@pytest.fixture(scope="module")
def seeded(engine, tmp_path_factory):
    pilot, tokens = seeded_pilot(engine, tmp_path_factory.mktemp("evidence"))
    world = pilot.world
    other_enterprise = world.org("enterprise", city="东莞", name="另一企业")
    other_provider = world.org("provider", city="广州", name="另一服务商")
    others = {"enterprise": world.token("enterprise", other_enterprise),
              "provider": world.token("provider", other_provider),
              "financier": tokens["financier"], "guarantor": tokens["guarantor"]}
    cluster = pilot.ok("POST", "/clusters", pilot.admin, 201, json={
        "name": "佛山陶瓷产业集群", "industry": "陶瓷", "starting_area": "南海区西樵镇", "city": "佛山",
        "lead_org_id": pilot.provider.id, "year": 2026})
    voucher = pilot.ok("GET", f"/vouchers/{pilot.seeded['voucher']}", pilot.auditor)
    claim = pilot.ok("GET", f"/claims/{pilot.seeded['claim']}", pilot.auditor)
    spare_user, _ = world.user("auditor", pilot.authority)
    # A loan of the seeded enterprise lent by a bank and guaranteed by a maker other than the ones
    # whose tokens the matrix uses: a party of another organisation never reaches it.
    lender, maker = world.org("financier", city="广州", name="放贷银行"), world.org("guarantor", city="佛山", name="担保装备")
    loan = pilot.ok("POST", "/loans", world.token("financier", lender), 201, json={
        "kind": "instalment", "enterprise_id": pilot.enterprises["南海陶瓷"].id, "guarantor_id": maker.id,
        "principal": "120000.00", "annual_rate": "0.06", "term_months": 12, "method": "annuity",
        "first_due_on": "2026-04-30"})
    imported = pilot.import_statement(statement(("T-matrix", "2026-03-02", "NO-SUCH-REF", "6222000000000000",
                                                  "1.00")))
    assert imported.status_code == 201, imported.json
    training = pilot.ok("POST", "/trainings", pilot.provider_token, 201, json={
        "title": "精益生产数字化", "online_hours_min": 40, "offline_hours_min": 16, "fee": "3500.00"})
    trainee = pilot.ok("POST", f"/trainings/{training['id']}/trainees", pilot.enterprise_tokens["南海陶瓷"], 201,
                       json={"name": "张三", "id_number": resident_id()})
    application = pilot.ok("POST", "/pilot-applications", pilot.provider_token, 201, json={
        "name": "顺德家具产业集群", "industry": "家具", "starting_area": "顺德区乐从镇", "city": "佛山", "year": 2026,
        "annexes": {"projects": [{"name": "家具云平台", "unit": "粤云平台", "start_on": "2026-04-01",
                                  "end_on": "2026-12-31", "investment": "1000000.00"}],
                    "product_ids": [pilot.products["cpe_gateway"]]}})
    values = {"org_id": pilot.enterprises["南海陶瓷"].id, "application_id": application["id"], "voucher_id": voucher["id"], "claim_id": claim["id"],
              "contract_id": voucher["contract_id"], "evidence_id": claim["evidence_ids"][0],
              "product_id": pilot.products["cpe_gateway"], "scheme_id": pilot.seeded["scheme"],
              "cluster_id": cluster["id"], "batch_id": pilot.seeded["batch"], "user_id": spare_user,
              "month": "2026-01", "filename": "swagger-ui.css", "loan_id": loan["id"],
              "training_id": training["id"], "trainee_id": trainee["id"], "statement_id": imported.json["id"],
              "code": f"scheme:{pilot.seeded['scheme']}:available", "fmt": "pdf"}
    yield pilot, tokens, others, values
    clock.set_clock(None)


def url(path: str, values: dict) -> str:
    for name in params_of(path):
        path = path.replace("{" + name + "}", str(values[name]))
    return path


def send(pilot, method: str, path: str, token: str | None):
    headers = auth(token) if token else {}
    kwargs = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
    r = pilot.client.open(path, method=method, headers=headers, **kwargs)
    r.get_data()  # a streamed file is read to its end, so its request context closes
    return r


def refused_for_role(r) -> bool:
    return r.status_code == 403 and r.json["code"] == "FORBIDDEN" and "needs" in r.json["details"]


def test_every_path_parameter_names_an_object_the_matrix_can_place():
    unknown = sorted({p for _, path in OPERATIONS for p in params_of(path)} - set(OBJECTS))
    assert unknown == [], f"say in OBJECTS whose object these name: {unknown}"


def test_every_operation_declares_who_may_call_it():
    missing = [f"{m} {p}" for m, p in OPERATIONS if "x-access" not in DOC["paths"][p][m.lower()]]
    assert missing == []


IDOR = [(m, p) for m, p in OPERATIONS if any(OBJECTS.get(x) == "owner" for x in params_of(p))
        and DOC["paths"][p][m.lower()].get("x-access") != "public"]


@pytest.mark.parametrize("method,path", IDOR, ids=[f"{m} {p}" for m, p in IDOR])
def test_a_party_never_reaches_another_organisations_object(seeded, method, path, record_property):
    pilot, _, others, values = seeded
    access = DOC["paths"][path][method.lower()]["x-access"]
    roles = [r for r in PARTY_ROLES if access == "authenticated" or r in access]
    for role in roles:
        r = send(pilot, method, url(path, values), others[role])
        assert r.status_code in (403, 404, 422), (role, method, path, r.status_code, r.json)
        assert set(r.json) == {"code", "message", "details"}
    record_property("figure:role matrix IDOR requests", len(roles))


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_role_gets_the_answer_the_access_rule_promises(seeded, method, path, record_property):
    pilot, tokens, _, values = seeded
    access = DOC["paths"][path][method.lower()]["x-access"]
    target = url(path, values)
    anonymous = send(pilot, method, target, None)
    if access == "public":
        assert anonymous.status_code < 400 or anonymous.status_code in (404, 422), anonymous.status_code
    else:
        assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    for role in ROLES:
        r = send(pilot, method, target, tokens[role])
        assert r.status_code < 500, (role, r.status_code, r.get_data(as_text=True)[:300])
        allowed = access in ("public", "authenticated") or role in access
        if allowed:
            assert not refused_for_role(r) and r.status_code != 401, (role, r.status_code, r.json)
        else:
            assert refused_for_role(r), (role, r.status_code, r.get_data(as_text=True)[:300])
            assert sorted(r.json["details"]["needs"]) == sorted(access)
    record_property("figure:role matrix requests", len(ROLES) + 1)
