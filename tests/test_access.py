"""Every endpoint declares who may call it; an undeclared one is a forgotten role check."""
from __future__ import annotations

from yunquan.app import create_app
from yunquan.openapi import access_rules


def test_every_endpoint_declares_its_access_rule(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    missing = [f"{method} {rule}" for rule, method, access in access_rules(app) if access is None]
    assert missing == []


def test_the_audit_sees_the_api(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    seen = {(m, r): a for r, m, a in access_rules(app)}
    assert seen[("GET", "/api/v1/ledger/verify")] == frozenset({"auditor", "admin"})
    assert seen[("POST", "/api/v1/orgs")] == frozenset({"admin"})


def test_every_portal_page_is_public_or_checks_the_session(tmp_path):
    """A portal view marked with the API's ``roles`` would trust a bearer token and ignore the
    session: portal pages are ``public`` or carry ``portal.security.page``."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    portal_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("portal.") and r.endpoint != "portal.static"]
    assert len(portal_rules) > 20
    wrong = [r.rule for r in portal_rules
             if getattr(app.view_functions[r.endpoint], "_yq_access", None) != "public"
             and not getattr(app.view_functions[r.endpoint], "_yq_portal_session", False)]
    assert wrong == []
