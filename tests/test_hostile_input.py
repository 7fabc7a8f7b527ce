"""Requests no client should send still get a clear 4xx with the one error shape, never a 500."""
from __future__ import annotations

import pytest

from tests.support.world import auth


@pytest.fixture
def admin(world):
    return world.token("admin")


def scheme_body(**over):
    return {"kind": "cloud", "name": "方案", "year": 2026, "budget": "100.00", "apply_from": "2026-01-01",
            "apply_to": "2026-06-30", "redeem_from": "2026-01-01", "redeem_to": "2026-12-31", **over}


def post_raw(client, path, text, token):
    return client.post(path, data=text, content_type="application/json", headers=auth(token))


def test_lone_surrogates_and_nul_in_json_text_are_refused(client, admin):
    r = post_raw(client, "/api/v1/schemes", '{"kind": "cloud", "name": "\\ud800"}', admin)
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR"
    r = post_raw(client, "/api/v1/schemes", '{"kind": "cloud", "name": "a\\u0000b"}', admin)
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR"


def test_absurdly_nested_json_and_enormous_integers_are_malformed(client, admin):
    r = post_raw(client, "/api/v1/orgs", "[" * 100_000 + "]" * 100_000, admin)
    assert r.status_code == 400 and r.json["code"] == "MALFORMED_REQUEST"
    r = post_raw(client, "/api/v1/orgs", '{"x": ' + "9" * 5000 + "}", admin)
    assert r.status_code == 400 and r.json["code"] == "MALFORMED_REQUEST"


@pytest.mark.parametrize("settings", [{"enterprise_cap": "1e30"}, {"min_prior_revenue": "1E+20"},
                                      {"max_share_prd": "1E-999999"}, {"city_quotas": {"佛山": "1e30"}}])
def test_settings_with_absurd_numbers_are_validation_errors(client, admin, settings):
    r = client.post("/api/v1/schemes", json=scheme_body(settings=settings), headers=auth(admin))
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR"


def test_ids_are_ascii_digits(client, admin):
    assert client.get("/api/v1/orgs/١", headers=auth(admin)).status_code == 404
    r = client.get("/api/v1/vouchers?scheme_id=١", headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "scheme_id"


def test_the_openapi_document_describes_the_one_error_shape(client):
    spec = client.get("/api/openapi.json").json
    error = spec["components"]["schemas"]["Error"]["properties"]
    assert set(error) == {"code", "message", "details"} and error["code"]["type"] == "string"


def test_csv_downloads_name_their_charset_once(client):
    r = client.get("/api/v1/products/export?format=csv")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
