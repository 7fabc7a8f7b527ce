"""The catalogue over HTTP: who may do what, what each caller sees, and every bad input refused
with its code and field and nothing saved."""
from __future__ import annotations

import io

import pytest

from tests.catalog.conftest import API, product_body, saved
from tests.support.world import auth

WHO = ("anonymous", "owner", "other_provider", "reviewer", "enterprise", "admin", "auditor")


def token_of(cast, who):
    return {"anonymous": None, "owner": cast.provider_token, "other_provider": cast.other_token,
            "reviewer": cast.reviewer_token, "enterprise": cast.enterprise_token, "admin": cast.admin_token,
            "auditor": cast.auditor_token}[who]


def call(cast, who, method, path, **kwargs):
    token = token_of(cast, who)
    return cast.client.open(path, method=method, headers=auth(token) if token else {}, **kwargs)


def csv_file():
    text = ("产品名称,产品类型,计量单位,单价（元）,应用场景,功能模块,预期效果,奖补标准,有效期起,有效期止\n"
            "工业级5G CPE网关,cpe_gateway,台,1000.00,设备联网,5G接入,联网率90%,每台补贴300.00元,2026-01-01,2027-12-31\n")
    return {"file": (io.BytesIO(text.encode()), "products.csv")}


# expected status for each caller; None: the call is not made for that caller
MATRIX = {
    "register": ("POST", "/products", {"anonymous": 401, "owner": 201, "other_provider": 201, "reviewer": 403,
                                       "enterprise": 403, "admin": 403, "auditor": 403}),
    "read draft": ("GET", "/products/{draft}", {"anonymous": 401, "owner": 200, "other_provider": 403,
                                                "reviewer": 200, "enterprise": 403, "admin": 200, "auditor": 200}),
    "read approved": ("GET", "/products/{approved}", {w: 200 for w in WHO}),
    "list": ("GET", "/products", {w: 200 for w in WHO}),
    "change": ("PATCH", "/products/{draft}", {"anonymous": 401, "owner": 200, "other_provider": 403,
                                              "reviewer": 403, "enterprise": 403, "admin": 403, "auditor": 403}),
    "submit": ("POST", "/products/{draft}/submit", {"anonymous": 401, "owner": 200, "other_provider": 403,
                                                    "reviewer": 403, "enterprise": 403, "admin": 403,
                                                    "auditor": 403}),
    "approve": ("POST", "/products/{submitted}/approve", {"anonymous": 401, "owner": 403, "other_provider": 403,
                                                         "reviewer": 200, "enterprise": 403, "admin": 403,
                                                         "auditor": 403}),
    "reject": ("POST", "/products/{submitted}/reject", {"anonymous": 401, "owner": 403, "other_provider": 403,
                                                       "reviewer": 200, "enterprise": 403, "admin": 403,
                                                       "auditor": 403}),
    "delist": ("POST", "/products/{approved}/delist", {"anonymous": 401, "owner": 200, "other_provider": 403,
                                                       "reviewer": 200, "enterprise": 403, "admin": 403,
                                                       "auditor": 403}),
    "import": ("POST", "/products/import?dry_run=true", {"anonymous": 401, "owner": 200, "other_provider": 200,
                                                         "reviewer": 403, "enterprise": 403, "admin": 403,
                                                         "auditor": 403}),
    "export": ("GET", "/products/export", {w: 200 for w in WHO}),
}
CASES = [(action, who, status) for action, (_, _, table) in MATRIX.items() for who, status in table.items()]


@pytest.mark.parametrize("action, who, expected", CASES, ids=[f"{a}-{w}" for a, w, _ in CASES])
def test_each_role_may_or_may_not_call_each_catalogue_endpoint(cast, action, who, expected):
    ids = {"draft": cast.create(name="草稿产品")["id"],
           "submitted": cast.submitted(name="待审产品")["id"],
           "approved": cast.approved(name="已上架产品")["id"]}
    method, path, _ = MATRIX[action]
    kwargs = {}
    if action == "register":
        kwargs["json"] = product_body(name="新产品")
    elif action == "change":
        kwargs["json"] = {"scenario": "改过的场景"}
    elif action == "reject":
        kwargs["json"] = {"reason": "缺少报价依据"}
    elif action == "import":
        kwargs["data"], kwargs["content_type"] = csv_file(), "multipart/form-data"
    before = {k: cast.client.get(f"{API}/products/{v}", headers=auth(cast.reviewer_token)).json
              for k, v in ids.items()}
    r = call(cast, who, method, API + path.format(**ids), **kwargs)
    assert r.status_code == expected, r.json
    if expected in (401, 403):
        assert r.json["code"] == {401: "UNAUTHENTICATED", 403: "FORBIDDEN"}[expected]
        after = {k: cast.client.get(f"{API}/products/{v}", headers=auth(cast.reviewer_token)).json
                 for k, v in ids.items()}
        assert after == before  # a refused call changes nothing


def test_registering_returns_the_product_id_version_status_and_fields(cast):
    r = cast.client.post(f"{API}/products", json=product_body(), headers=auth(cast.provider_token))
    assert r.status_code == 201
    body = r.json
    assert (body["version"], body["status"], body["provider_id"]) == (1, "draft", cast.provider.id)
    assert body["provider_name"] == "中国移动通信集团广东有限公司"
    assert body["unit_price"] == "150000.00"
    assert body["standard"] == {"kind": "ratio", "rate": "0.30", "cap": "40000.00"}
    assert body["standard_text"] == "按合同金额30%补贴，每项最高40000.00元"
    assert body["modules"] == ["本地分流", "边缘计算"]
    assert (body["valid_from"], body["valid_to"]) == ("2026-01-01", "2027-12-31")


def test_the_review_workflow_reports_each_status_and_the_reason(cast):
    p = cast.create()
    assert cast.step(p["id"], "submit", cast.provider_token).json["status"] == "submitted"
    r = cast.step(p["id"], "reject", cast.reviewer_token, reason="缺少报价依据")
    assert (r.json["status"], r.json["rejection_reason"]) == ("rejected", "缺少报价依据")
    mine = cast.client.get(f"{API}/products/{p['id']}", headers=auth(cast.provider_token)).json
    assert (mine["status"], mine["rejection_reason"]) == ("rejected", "缺少报价依据")


def names(response):
    assert response.status_code == 200, response.json
    return sorted(item["name"] for item in response.json["items"])


def test_anonymous_and_enterprises_see_approved_products_only(cast):
    cast.create(name="甲草稿")
    cast.submitted(name="乙待审")
    cast.approved(name="丙已上架")
    cast.create(cast.other_token, name="丁他人草稿")
    assert names(cast.client.get(f"{API}/products")) == ["丙已上架"]
    assert names(cast.client.get(f"{API}/products", headers=auth(cast.enterprise_token))) == ["丙已上架"]
    assert names(cast.client.get(f"{API}/products?status=draft", headers=auth(cast.enterprise_token))) == []


def test_a_provider_sees_its_own_drafts_but_not_another_providers(cast):
    cast.create(name="甲草稿")
    cast.approved(name="丙已上架")
    cast.create(cast.other_token, name="丁他人草稿")
    assert names(cast.client.get(f"{API}/products", headers=auth(cast.provider_token))) == ["丙已上架", "甲草稿"]
    assert names(cast.client.get(f"{API}/products", headers=auth(cast.other_token))) == ["丁他人草稿", "丙已上架"]


def test_staff_see_every_status_and_reviewers_use_the_submitted_queue(cast):
    cast.create(name="甲草稿")
    cast.submitted(name="乙待审")
    cast.approved(name="丙已上架")
    for token in (cast.reviewer_token, cast.auditor_token, cast.admin_token):
        assert names(cast.client.get(f"{API}/products", headers=auth(token))) == ["丙已上架", "乙待审", "甲草稿"]
    queue = cast.client.get(f"{API}/products?status=submitted", headers=auth(cast.reviewer_token)).json["items"]
    assert [(i["name"], i["status"]) for i in queue] == [("乙待审", "submitted")]


def test_the_public_sees_the_approved_version_while_a_new_one_waits(cast):
    p = cast.approved()
    r = cast.client.patch(f"{API}/products/{p['id']}", json={"unit_price": "138000.00"},
                          headers=auth(cast.provider_token))
    assert (r.status_code, r.json["version"], r.json["status"]) == (200, 2, "draft")
    public = cast.client.get(f"{API}/products/{p['id']}").json
    assert (public["version"], public["unit_price"], [v["version"] for v in public["versions"]]) == \
        (1, "150000.00", [1])
    own = cast.client.get(f"{API}/products/{p['id']}", headers=auth(cast.provider_token)).json
    assert (own["version"], [v["status"] for v in own["versions"]]) == (2, ["approved", "draft"])
    assert cast.client.get(f"{API}/products/{p['id']}?version=1", headers=auth(cast.provider_token)).json[
        "unit_price"] == "150000.00"
    assert cast.client.get(f"{API}/products/{p['id']}?version=2").status_code == 404


def test_search_finds_chinese_text_in_name_scenario_modules_and_effect(cast):
    cast.approved(name="边缘计算MEC服务器", scenario="陶瓷窑炉视觉质检")
    cast.approved(name="工业级5G CPE网关", item_kind="cpe_gateway", scenario="设备联网", modules=["协议转换"],
                  expected_effect="联网率90%", standard={"kind": "per_unit", "amount": "300.00"})
    cast.approved(cast.other_token, name="能耗监测APP", item_kind="industrial_app", unit="套·年",
                  unit_price="80000.00", scenario="能耗", modules=["窑炉能耗采集"])
    get = cast.client.get
    assert names(get(f"{API}/products", query_string={"q": "窑炉"})) == ["能耗监测APP", "边缘计算MEC服务器"]
    assert names(get(f"{API}/products", query_string={"q": "协议转换"})) == ["工业级5G CPE网关"]
    assert names(get(f"{API}/products", query_string={"q": "mec"})) == ["边缘计算MEC服务器"]
    assert names(get(f"{API}/products", query_string={"item_kind": "cpe_gateway"})) == ["工业级5G CPE网关"]
    assert names(get(f"{API}/products", query_string={"provider_id": cast.other_provider.id})) == ["能耗监测APP"]


def test_search_treats_percent_and_underscore_as_plain_characters(cast):
    cast.approved(name="覆盖率100%方案")
    cast.approved(name="普通方案")
    cast.approved(name="A_B方案")
    assert names(cast.client.get(f"{API}/products", query_string={"q": "%"})) == ["覆盖率100%方案"]
    assert names(cast.client.get(f"{API}/products", query_string={"q": "_"})) == ["A_B方案"]


def test_valid_on_keeps_products_whose_window_covers_the_date(cast):
    cast.approved(name="全年有效", valid_from="2026-01-01", valid_to="2026-12-31")
    cast.approved(name="上半年有效", valid_from="2026-01-01", valid_to="2026-06-30")
    assert names(cast.client.get(f"{API}/products?valid_on=2026-09-01")) == ["全年有效"]
    assert names(cast.client.get(f"{API}/products?valid_on=2026-06-30")) == ["上半年有效", "全年有效"]


def test_the_catalogue_pages_with_a_cursor(cast):
    for n in range(3):
        cast.approved(name=f"产品{n}")
    first = cast.client.get(f"{API}/products?limit=2").json
    assert [i["name"] for i in first["items"]] == ["产品0", "产品1"] and first["next_cursor"]
    second = cast.client.get(f"{API}/products?limit=2&cursor={first['next_cursor']}").json
    assert [i["name"] for i in second["items"]] == ["产品2"] and second["next_cursor"] is None
    bad = cast.client.get(f"{API}/products?cursor=%%%")
    assert (bad.status_code, bad.json["code"], bad.json["details"]["field"]) == (422, "VALIDATION_ERROR", "cursor")


# --- bad input: code, field, nothing saved ------------------------------------------------------

BAD_INPUT = [
    ({"item_kind": "router"}, 422, "VALIDATION_ERROR", "item_kind"),
    ({"unit": "套"}, 422, "VALIDATION_ERROR", "unit"),
    ({"unit_price": "1000.005"}, 422, "VALIDATION_ERROR", "unit_price"),
    ({"unit_price": 1000}, 422, "VALIDATION_ERROR", "unit_price"),
    ({"unit_price": "0.00"}, 422, "VALIDATION_ERROR", "unit_price"),
    ({"unit_price": "-5.00"}, 422, "VALIDATION_ERROR", "unit_price"),
    ({"standard": {"kind": "tiered", "bands": [{"upto": "500000.00", "rate": "0.50"},
                                               {"upto": "100000.00", "rate": "0.30"}, {"upto": None, "rate": "0.10"}]}},
     422, "VALIDATION_ERROR", "standard"),
    ({"standard": {"kind": "tiered", "bands": [{"upto": None, "rate": "0.50"}, {"upto": "100000.00", "rate": "0.30"}]}},
     422, "VALIDATION_ERROR", "standard"),
    ({"standard": {"kind": "ratio", "rate": "1.50"}}, 422, "VALIDATION_ERROR", "standard"),
    ({"standard": {"kind": "ratio", "rate": 0.3}}, 422, "VALIDATION_ERROR", "standard"),
    ({"standard": {"kind": "per_unit", "amount": "300.00", "cap": "-1.00"}}, 422, "VALIDATION_ERROR", "standard"),
    ({"standard": {"kind": "subsidy"}}, 422, "VALIDATION_ERROR", "standard"),
    ({"standard": "30%"}, 422, "VALIDATION_ERROR", "standard"),
    ({"valid_from": "2026-06-01", "valid_to": "2026-05-31"}, 422, "VALIDATION_ERROR", "valid_to"),
    ({"valid_to": "2026-13-01"}, 422, "VALIDATION_ERROR", "valid_to"),
    ({"modules": []}, 422, "VALIDATION_ERROR", "modules"),
    ({"scenario": None}, 422, "VALIDATION_ERROR", "scenario"),
    ({"expected_effect": "   "}, 422, "VALIDATION_ERROR", "expected_effect"),
    ({"colour": "red"}, 422, "VALIDATION_ERROR", "colour"),
]


@pytest.mark.parametrize("overrides, status, code, field", BAD_INPUT,
                         ids=[f"{next(iter(o))}={list(o.values())[0]!r}"[:60] for o, *_ in BAD_INPUT])
def test_a_bad_product_is_refused_with_its_field_and_nothing_saved(cast, db, overrides, status, code, field):
    before = saved(db)
    r = cast.client.post(f"{API}/products", json=product_body(**overrides), headers=auth(cast.provider_token))
    assert (r.status_code, r.json["code"], r.json["details"].get("field")) == (status, code, field), r.json
    assert saved(db) == before


def test_the_standard_error_says_exactly_what_is_wrong(cast):
    r = cast.client.post(f"{API}/products", headers=auth(cast.provider_token), json=product_body(standard={
        "kind": "tiered", "bands": [{"upto": "100000.00", "rate": "0.50"}, {"upto": "100000.00", "rate": "0.30"},
                                    {"upto": None, "rate": "0.10"}]}))
    assert r.json["message"] == "bands must be strictly increasing: bands[1].upto 100000.00 is not above 100000.00"
    assert r.json["details"]["path"] == "bands[1].upto"


def test_a_second_product_with_the_same_name_is_refused(cast, db):
    cast.create()
    before = saved(db)
    r = cast.client.post(f"{API}/products", json=product_body(), headers=auth(cast.provider_token))
    assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (409, "DUPLICATE_PRODUCT", "name")
    assert saved(db) == before
    assert cast.client.post(f"{API}/products", json=product_body(), headers=auth(cast.other_token)).status_code == 201


def test_a_bad_change_is_refused_and_the_product_stays_as_it_was(cast, db):
    p = cast.approved()
    before = saved(db)
    for change, field in (({"unit_price": "1.001"}, "unit_price"), ({"item_kind": "mep"}, "unit"),
                          ({"valid_to": "2025-01-01"}, "valid_to"), ({}, None)):
        r = cast.client.patch(f"{API}/products/{p['id']}", json=change, headers=auth(cast.provider_token))
        assert (r.status_code, r.json["code"], r.json["details"].get("field")) == (422, "VALIDATION_ERROR", field)
    assert saved(db) == before


def test_review_steps_out_of_order_are_conflicts(cast):
    draft = cast.create()
    r = cast.step(draft["id"], "approve", cast.reviewer_token)
    assert (r.status_code, r.json["code"], r.json["details"]["status"]) == (409, "INVALID_STATE", "draft")
    assert cast.step(draft["id"], "submit", cast.provider_token).status_code == 200
    r = cast.step(draft["id"], "submit", cast.provider_token)
    assert (r.status_code, r.json["code"]) == (409, "INVALID_STATE")
    r = cast.client.patch(f"{API}/products/{draft['id']}", json={"scenario": "x"}, headers=auth(cast.provider_token))
    assert (r.status_code, r.json["code"]) == (409, "INVALID_STATE")
    assert cast.step(999, "approve", cast.reviewer_token).json["code"] == "NOT_FOUND"


def test_a_rejection_needs_a_reason(cast):
    p = cast.submitted()
    missing = cast.step(p["id"], "reject", cast.reviewer_token)
    assert (missing.status_code, missing.json["code"]) == (422, "VALIDATION_ERROR")
    blank = cast.step(p["id"], "reject", cast.reviewer_token, reason="  ")
    assert (blank.status_code, blank.json["details"]["field"]) == (422, "reason")
    assert cast.client.get(f"{API}/products/{p['id']}", headers=auth(cast.reviewer_token)).json["status"] == \
        "submitted"


def test_unknown_list_filters_are_refused(cast):
    r = cast.client.get(f"{API}/products?item_kind=router")
    assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "VALIDATION_ERROR", "item_kind")
