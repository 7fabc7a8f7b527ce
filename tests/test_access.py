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
