"""Every endpoint declares who may call it; an undeclared one is a forgotten role check."""
from __future__ import annotations

from yunquan.app import create_app

OPEN_BY_FRAMEWORK = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def _access_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_BY_FRAMEWORK:
            continue
        view = app.view_functions[rule.endpoint]
        cls = getattr(view, "view_class", None)
        if cls is None:
            yield rule, None, getattr(view, "_yq_access", None)
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, getattr(getattr(cls, method.lower(), None), "_yq_access", None)


def test_every_endpoint_declares_its_access_rule(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    missing = [f"{method or '*'} {rule.rule}" for rule, method, access in _access_rules(app) if access is None]
    assert missing == []


def test_the_audit_sees_the_api(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    seen = {(m, r.rule): a for r, m, a in _access_rules(app)}
    assert seen[("GET", "/api/v1/ledger/verify")] == frozenset({"auditor", "admin"})
    assert seen[("POST", "/api/v1/orgs")] == frozenset({"admin"})
