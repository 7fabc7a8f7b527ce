"""``Idempotency-Key``: a key is either done, with the response it answered, or not done at all."""
from __future__ import annotations

import pytest

from tests.support.world import auth
from tests.test_api_foundation import org_body, org_count


@pytest.fixture
def admin(world):
    return world.token("admin")


def test_a_server_error_before_anything_was_saved_is_not_replayed_and_the_retry_runs(client, admin, db, monkeypatch):
    from parties import service

    def broken(*a, **kw):
        raise RuntimeError("the database went away before anything was written")
    real = service.register
    monkeypatch.setattr(service, "register", broken)
    h = auth(admin) | {"Idempotency-Key": "org-5xx"}
    body = org_body()
    first = client.post("/api/v1/orgs", json=body, headers=h)
    assert first.status_code == 500 and org_count(db) == 0
    monkeypatch.setattr(service, "register", real)
    again = client.post("/api/v1/orgs", json=body, headers=h)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert org_count(db) == 1
