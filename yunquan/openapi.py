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


# Examples of fields by name (a field's own ``metadata={"example": ...}`` wins): what a reader of
# /api/docs sees filled in, and what schemathesis sends first.
NAMED_EXAMPLES: dict[str, Any] = {
    "name": "梅州智造科技有限公司", "city": "梅州", "area": "梅江区", "bank_name": "中国工商银行梅州分行",
    "bank_account": "6222000011112222", "payee_account": "6222000011112222", "payee_bank": "中国工商银行梅州分行",
    "username": "finance1", "password": "correct-horse-battery", "reason": "发票金额与合同不符，请补充验收报告",
    "q": "网关", "title": "5G 全连接工厂标杆案例", "month": "2026-02", "year": 2026, "scenario": "工厂内网改造",
    "unit": "台", "item_kind": "cpe_gateway", "starting_area": "梅州高新区", "industry": "电子信息",
    "expected_effect": "设备联网率提升至 90%", "modules": ["设备联网", "数据采集"], "tracks": ["精益", "软件"],
    "id_number": "11010519491231002X", "id_number_masked": "1101**********002X", "filename": "发票.pdf",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "head_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "code": "NOT_FOUND", "message": "organisation 7 not found", "account": "scheme:1:available",
    "account_code": "scheme:1:available", "name_zh": "2026年上云上平台服务券 可用额度", "reference": "YQ1-1",
    "bank_txn_id": "T20261120001", "token": "yq_3q2d9Kc0vR7bWm1xZ4", "role": "reviewer", "roles": ["reviewer"],
    "cursor": "MTA", "memo": "voucher 12 reserved", "problem": "journal 7 does not match its chain entry",
    "certificate_level": "中级", "annual_rate": "0.06", "rate": "0.30", "share": "0.50", "purpose": "上云券兑付 12",
    "prefix": "scheme:1:", "format": "csv", "key": "voucher:12:reserve", "founded_on": "2015-06-01",
}
MONEY_EXAMPLE = "55000.00"


def _uscc_example() -> str:
    from parties.rules import uscc_check_digit
    first17 = "91441400MA4UH1234"
    return first17 + uscc_check_digit(first17)


def register_fields(api) -> None:
    """Our marshmallow fields, typed in the document (before any blueprint is registered), and an
    example for every field that has none."""
    from adapters.fields import JsonText, Money, Rate, Stamp
    from catalog.schemas import StandardField, Stamp as CatalogStamp
    from financing.schemas import PeriodRef
    from talent.schemas import Hours
    from vouchers.schemas import Quantity
    for field, type_, fmt in ((Money, "string", None), (Rate, "string", None), (Stamp, "string", "date-time"),
                              (CatalogStamp, "string", "date-time"), (JsonText, "object", None),
                              (StandardField, "object", None), (Quantity, "string", None), (Hours, "string", None),
                              (PeriodRef, "integer", None)):
        api.register_field(field, type_, fmt)
    money_fields = (Money,)

    def typed_with_example(converter, field, ret=None, **kwargs) -> dict:
        out: dict[str, Any] = {}
        composed = any(k in ret for k in ("$ref", "allOf", "anyOf", "oneOf"))
        if "type" not in ret and not composed:
            out["type"] = "string"
        if "example" not in ret and not composed:
            out["example"] = example_for(field.name or "", {**ret, **out}, money=isinstance(field, money_fields))
        return out

    api.ma_plugin.converter.add_attribute_function(typed_with_example)


def example_for(name: str, prop: dict, *, money: bool = False) -> Any:
    """A plausible value of a field by its name, type and format."""
    if prop.get("enum"):
        return next((v for v in prop["enum"] if v is not None), None)
    type_, fmt = prop.get("type"), prop.get("format")
    if money or (type_ == "string" and "money" in str(prop.get("description", ""))):
        return MONEY_EXAMPLE
    if name == "uscc":
        return _uscc_example()
    if name in NAMED_EXAMPLES:
        value = NAMED_EXAMPLES[name]
        if type_ is None or {"string": str, "integer": int, "array": list, "boolean": bool}.get(type_, object) \
                in (type(value), object):
            return value
    if type_ == "integer":
        low = prop.get("minimum", 1)
        return max(int(low), 1) if prop.get("maximum", 10 ** 9) >= 1 else int(low)
    if type_ == "number":
        return 1
    if type_ == "boolean":
        return True
    if type_ == "array":
        item = prop.get("items") or {}
        return [item["example"]] if "example" in item else []
    if type_ == "object":
        return {}
    if fmt == "date":
        return "2026-03-02"
    if fmt == "date-time":
        return "2026-03-02T02:00:00Z"
    if fmt == "binary":
        return "（文件内容）"
    if name.endswith("_rate") or name.endswith("_ratio"):
        return "0.30"
    if name.endswith("_on") or name.endswith("_from") or name.endswith("_to") or name == "as_of":
        return "2026-03-02"
    return "示例"


LANGUAGE_REF = "#/components/parameters/AcceptLanguage"
LANGUAGE = {"name": "Accept-Language", "in": "header", "required": False,
            "description": "`zh-CN` (or `zh`): error messages in Chinese; anything else or none: English. "
                           "The error `code` never changes.",
            "schema": {"type": "string", "example": "zh-CN"}}


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
    components.setdefault("parameters", {})["AcceptLanguage"] = LANGUAGE
    responses = components.setdefault("responses", {})
    for status, (name, description) in ERRORS.items():
        responses.setdefault(name, {"description": description,
                                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    for schema in components.get("schemas", {}).values():  # schemas made before our fields were known
        for name, prop in (schema.get("properties") or {}).items():
            if not any(k in prop for k in ("$ref", "allOf", "anyOf", "oneOf")):
                prop.setdefault("type", "string")
                prop.setdefault("example", example_for(name, prop))
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
                who = who_may_call(rule)
                op["description"] = f"{op['description'].rstrip()}\n\n{who}" if op.get("description") else who
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
            params = op.setdefault("parameters", [])
            if not any(p.get("$ref") == LANGUAGE_REF for p in params):
                params.append({"$ref": LANGUAGE_REF})
            _form_fields_into_body(op, components)


def who_may_call(rule) -> str:
    """The access rule of an operation in words, for its description."""
    if rule == "public":
        return "Who: anyone, no token needed."
    if rule == "authenticated":
        return "Who: any signed-in user (bearer token); what belongs to another organisation answers 403."
    if isinstance(rule, str):
        return f"Who: {rule}."
    return "Who: the roles " + ", ".join(sorted(rule)) + "."


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
