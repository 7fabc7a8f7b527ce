"""The OpenAPI document says what the service really does: who may call each operation (public
operations carry ``security: []``), and every answer it can give, errors included, in the one
error shape. Written from the access rules on the views, so a new endpoint is documented the same
way without anyone remembering to; ``tests/test_openapi_contract.py`` (schemathesis) and
``tests/test_role_matrix.py`` hold the service to it.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from flask import Flask

OPEN_BY_FRAMEWORK = {"static", "portal.static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}
METHODS = ("get", "post", "put", "patch", "delete")

ERRORS = {  # status: (component name, when)
    "400": ("MALFORMED_REQUEST", "The request is malformed (not JSON, not a form)"),
    "401": ("UNAUTHENTICATED", "No bearer token, or an unknown or revoked one"),
    "403": ("FORBIDDEN", "The caller's role may not do this, or the object belongs to another organisation"),
    "404": ("NOT_FOUND", "No such object"),
    "409": ("CONFLICT", "A rule or the object's state refuses it (the code names which)"),
    "413": ("PAYLOAD_TOO_LARGE", "The upload is larger than the service accepts"),
    "415": ("UNSUPPORTED_MEDIA_TYPE", "The body is not of a type the operation reads"),
    "422": ("UNPROCESSABLE_ENTITY", "The request does not satisfy the schema or a validation rule"),
}


def openapi_path(rule: str) -> str:
    """``/api/v1/orgs/<int:org_id>`` → ``/api/v1/orgs/{org_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def access_rules(app: Flask) -> Iterator[tuple[str, str, Any]]:
    """(rule, METHOD, access rule) of every view; ``access`` is None when the view has none."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_BY_FRAMEWORK:
            continue
        view = app.view_functions[rule.endpoint]
        cls = getattr(view, "view_class", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            target = view if cls is None else getattr(cls, method.lower(), None)
            yield rule.rule, method, getattr(target, "_yq_access", None)


def complete(app: Flask, paths: dict[str, dict], components: dict[str, dict]) -> None:
    """Finish the document flask-smorest built from the schemas (in place)."""
    responses = components.setdefault("responses", {})
    for status, (name, description) in ERRORS.items():
        responses.setdefault(name, {"description": description,
                                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    access = {(openapi_path(rule), method.lower()): rule_of for rule, method, rule_of in access_rules(app)}
    for path, item in paths.items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            rule = access.get((path, method))
            # who may call it, machine-readable: "public", "authenticated" or the roles; read by
            # tests/test_role_matrix.py, absent only for a view without an access rule
            if rule is not None:
                op["x-access"] = rule if isinstance(rule, str) else sorted(rule)
            wanted = ["400", "422"]
            if rule == "public":
                op["security"] = []  # no token needed (the published catalogue, the publicity list)
            else:
                wanted += ["401", "403"]
            if "{" in path:
                wanted.append("404")
            if method in ("post", "patch", "put", "delete"):
                wanted += ["409", "413", "415"]
            for status in wanted:
                op["responses"].setdefault(status, {"$ref": f"#/components/responses/{ERRORS[status][0]}"})
            _form_fields_into_body(op, components)


def _form_fields_into_body(op: dict, components: dict) -> None:
    """flask-smorest documents the text fields of a multipart form as ``in: formData`` parameters
    (OpenAPI 2); OpenAPI 3 wants them in the multipart body beside the files."""
    fields = [p for p in op.get("parameters", []) if p.get("in") == "formData"]
    if not fields:
        return
    op["parameters"] = [p for p in op["parameters"] if p.get("in") != "formData"]
    if not op["parameters"]:
        del op["parameters"]
    body = op.setdefault("requestBody", {"required": True, "content": {"multipart/form-data": {"schema": {}}}})
    media = body["content"].setdefault("multipart/form-data", {"schema": {}})
    schema = media["schema"]
    if "$ref" in schema:
        schema = dict(components["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    schema = {**schema, "type": "object", "properties": dict(schema.get("properties", {})),
              "required": list(schema.get("required", []))}
    for p in fields:
        schema["properties"][p["name"]] = p.get("schema", {"type": "string"})
        if p.get("required"):
            schema["required"].append(p["name"])
    media["schema"] = schema
