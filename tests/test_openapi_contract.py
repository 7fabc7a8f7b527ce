"""schemathesis against ``/api/openapi.json``: every operation of the document, generated requests
(valid and invalid), sent in-process to the WSGI app with the tokens of several roles over a seeded
pilot. No answer is a 5xx, every answer is documented (status, content type, schema), and every
4xx is in the one error shape. A new endpoint is covered as soon as it is in the document.

Bounded and reproducible: a fixed seed (hypothesis ``derandomize``) and ``EXAMPLES`` examples per
operation; the terminal summary prints how many cases ran (``conftest.pytest_terminal_summary``).
"""
from __future__ import annotations

import itertools
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kernel import clock
from tests.support.contract import seeded_pilot
from yunquan.app import create_app

# Cases per operation: small enough for the suite's time budget on two cores, raised for a deeper run
# (``YUNQUAN_SCHEMATHESIS_EXAMPLES=200``). The seed is fixed (``derandomize``): a failure replays.
EXAMPLES = int(os.environ.get("YUNQUAN_SCHEMATHESIS_EXAMPLES", "4"))
ROLES = ("admin", "provider", "enterprise", "reviewer", "finance_maker", "finance_checker", "auditor", None)


@schemathesis.check
def one_error_shape(ctx, response, case):
    """Every 4xx is ``{"code", "message", "details"}`` with a string code (API.md)."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"code", "message", "details"}, body
        assert isinstance(body["code"], str) and body["code"].isupper(), body
        if response.status_code == 405:
            assert response.headers.get("allow") or response.headers.get("Allow"), "405 without Allow"
        if response.status_code == 401:
            assert "WWW-Authenticate" in response.headers or "www-authenticate" in response.headers
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, one_error_shape]


# The document is read once from an app built at import; each database's test points that app at
# its own seeded database (``contract``), so the same cases run on SQLite and on PostgreSQL.
APP = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP)


@pytest.fixture(scope="module")
def contract(engine, tmp_path_factory):
    """A pilot with an issued voucher, a claim and a payout batch, and one token per role."""
    pilot, tokens = seeded_pilot(engine, tmp_path_factory.mktemp("evidence"))
    seeded = pilot.client.application
    APP.extensions["yunquan"] = seeded.extensions["yunquan"]
    APP.config.update(EVIDENCE_DIR=seeded.config["EVIDENCE_DIR"], PUBLICITY_DAYS_OVERRIDE=0)
    yield APP, tokens
    clock.set_clock(None)


@pytest.fixture(scope="module")
def role_cycle():
    return itertools.cycle(ROLES)


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_every_operation_answers_within_its_documented_contract(case, contract, role_cycle, record_property):
    _, tokens = contract
    role = next(role_cycle)
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    case.call_and_validate(headers=headers, checks=CHECKS)
    record_property("schemathesis_case", f"{case.operation.label}|{role}")
