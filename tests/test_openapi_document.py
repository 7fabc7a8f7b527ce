"""The OpenAPI document is complete: it validates as OpenAPI 3, uploads are multipart request bodies
with named properties (``file`` everywhere), every operation has a summary and a description, every
field a type and an example."""
from __future__ import annotations

import io
from typing import Any, Iterator

import pytest
from openapi_spec_validator import validate

from tests.support.world import auth

METHODS = ("get", "post", "put", "patch", "delete")
COMPOSED = ("$ref", "allOf", "anyOf", "oneOf")


@pytest.fixture(scope="module")
def document():
    from yunquan.app import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    return app.test_client().get("/api/openapi.json").get_json()


def operations(doc) -> Iterator[tuple[str, str, dict]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def resolve(doc, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def field_gaps(schema: dict, where: str) -> Iterator[str]:
    """Properties (nested ones included) without a type or without an example."""
    for name, prop in (schema.get("properties") or {}).items():
        here = f"{where}.{name}"
        if not any(k in prop for k in COMPOSED):
            if "type" not in prop:
                yield f"{here}: no type"
            if "example" not in prop:
                yield f"{here}: no example"
        yield from field_gaps(prop, here)
        if isinstance(prop.get("items"), dict):
            yield from field_gaps(prop["items"], here + "[]")


def test_the_document_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_operation_has_a_summary_and_a_description(document):
    missing = [f"{m.upper()} {p}" for p, m, op in operations(document)
               if not op.get("summary", "").strip() or not op.get("description", "").strip()]
    assert missing == []


def test_every_description_says_who_may_call_the_operation(document):
    assert all("Who:" in op["description"] for _, _, op in operations(document))


def test_every_field_of_every_schema_has_a_type_and_an_example(document):
    gaps = [gap for name, schema in document["components"]["schemas"].items() for gap in field_gaps(schema, name)]
    for path, method, op in operations(document):
        for param in op.get("parameters", []):
            if "$ref" in param:
                param = document["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
            schema = param.get("schema", {})
            if not any(k in schema for k in COMPOSED) and ("type" not in schema or "example" not in schema):
                gaps.append(f"{method.upper()} {path} parameter {param['name']}")
        for media in op.get("requestBody", {}).get("content", {}).values():
            if "$ref" not in media.get("schema", {}):
                gaps.extend(field_gaps(media["schema"], f"{method.upper()} {path} body"))
    assert gaps == []


def test_uploads_are_multipart_request_bodies_whose_file_field_is_named_file(document):
    uploads = 0
    for path, method, op in operations(document):
        assert all(p.get("in") != "formData" for p in op.get("parameters", [])), f"{method} {path}"
        media = op.get("requestBody", {}).get("content", {}).get("multipart/form-data")
        if media is None:
            continue
        uploads += 1
        schema = resolve(document, media["schema"])
        files = [name for name, prop in schema["properties"].items() if prop.get("format") == "binary"]
        assert files == ["file"], f"{method.upper()} {path}: {files}"
        assert "file" in schema.get("required", [])
    assert uploads >= 3  # evidence, product import, bank statement


def test_money_fields_are_documented_as_strings_with_a_money_example(document):
    budget = document["components"]["schemas"]["BudgetOut"]["properties"]
    assert budget["available"]["type"] == "string" and budget["available"]["example"] == "55000.00"
    verify = document["components"]["schemas"]["VerifyOut"]["properties"]
    assert verify["checked_at"] == {**verify["checked_at"], "type": "string", "format": "date-time"}


STATEMENT = b"bank_txn_id,value_date,reference,payee_account,amount\nT1,2026-03-20,YQ999-1,6222000011112222,1.00\n"


def _import(client, token, field: str) -> Any:
    return client.post("/api/v1/reconciliations", headers=auth(token), content_type="multipart/form-data",
                       data={field: (io.BytesIO(STATEMENT), "statement.csv")})


def test_a_bank_statement_is_uploaded_as_file_and_the_earlier_name_statement_still_works(client, world, authority):
    token = world.token("finance_maker", authority)
    by_file = _import(client, token, "file")
    assert by_file.status_code == 201, by_file.get_json()
    assert by_file.get_json()["lines"][0]["outcome"] == "unknown_reference"
    by_old_name = _import(client, token, "statement")
    assert by_old_name.status_code == 201, by_old_name.get_json()
    assert by_old_name.get_json()["lines"][0]["bank_txn_id"] == "T1"
    neither = _import(client, token, "upload")
    assert neither.status_code == 422 and neither.get_json()["details"]["field"] == "file"


def test_verify_answers_when_it_checked(client, world, authority):
    token = world.token("auditor", authority)
    body = client.get("/api/v1/ledger/verify", headers=auth(token)).get_json()
    assert body["ok"] is True and body["checked_at"].endswith("Z")


def test_a_request_without_a_token_is_told_to_bring_a_bearer_token(client):
    out = client.get("/api/v1/ledger/verify")
    assert out.status_code == 401 and out.headers["WWW-Authenticate"] == 'Bearer realm="yunquan"'
    revoked = client.get("/api/v1/ledger/verify", headers=auth("yq_not-a-token-we-issued"))
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"] == 'Bearer realm="yunquan", error="invalid_token"'


def test_every_operation_documents_accept_language(document):
    language = document["components"]["parameters"]["AcceptLanguage"]
    assert language["in"] == "header" and language["name"] == "Accept-Language"
    assert all({"$ref": "#/components/parameters/AcceptLanguage"} in op.get("parameters", [])
               for _, _, op in operations(document))
