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


class WorkerKilled(BaseException):
    """The process dies: no handler runs, the response is never sent."""


def kill_after_the_work(monkeypatch, module, name):
    """Make the view die right after its service's work, while building the response."""
    real = getattr(module, name)

    def dies(*a, **kw):
        real(*a, **kw)
        raise WorkerKilled()
    monkeypatch.setattr(module, name, dies)
    return lambda: monkeypatch.setattr(module, name, real)


@pytest.fixture
def cast(client, world):
    from tests.support.pilot import Pilot
    pilot = Pilot(client, world)
    pilot.enterprise("南海陶瓷")
    pilot.worked_products()
    return pilot


def test_a_contract_whose_response_was_lost_is_recorded_once_and_the_retry_gets_its_201(cast, db, monkeypatch,
                                                                                        frozen_clock):
    import vouchers.api
    from tests.support.pilot import WORKED_LINES
    from tests.support.world import row_count
    from vouchers.models import Contract
    frozen_clock("2026-03-02T10:00:00+08:00")
    body = {"enterprise_id": cast.enterprises["南海陶瓷"].id, "signed_on": "2026-02-20",
            "lines": [{"product_id": cast.products[k], "quantity": q, "unit_price": u} for k, q, u in WORKED_LINES]}
    h = {"Idempotency-Key": "contract-1"}
    revive = kill_after_the_work(monkeypatch, vouchers.api, "_contract_view")
    with pytest.raises(WorkerKilled):
        cast.call("POST", "/contracts", cast.provider_token, json=body, headers=h)
    revive()
    frozen_clock("2026-03-02T10:30:00+08:00")  # long after any in-progress window
    again = cast.call("POST", "/contracts", cast.provider_token, json=body, headers=h)
    assert again.status_code == 201 and row_count(db, Contract) == 1
    replay = cast.call("POST", "/contracts", cast.provider_token, json=body, headers=h)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == again.json and row_count(db, Contract) == 1


def test_a_voucher_application_whose_response_was_lost_answers_201_on_retry_not_duplicate_funding(
        cast, db, monkeypatch, frozen_clock):
    import vouchers.api
    from tests.support.pilot import WORKED_LINES
    from tests.support.world import row_count
    from vouchers.models import Voucher
    frozen_clock("2026-03-02T10:00:00+08:00")
    scheme = cast.scheme()
    contract = cast.contract("南海陶瓷", WORKED_LINES)
    body, h = {"scheme_id": scheme["id"], "contract_id": contract["id"]}, {"Idempotency-Key": "apply-1"}
    token = cast.enterprise_tokens["南海陶瓷"]
    real = vouchers.api.applications.apply

    def applies_then_dies(*a, **kw):
        real(*a, **kw)
        raise WorkerKilled()
    monkeypatch.setattr(vouchers.api.applications, "apply", applies_then_dies)
    with pytest.raises(WorkerKilled):
        cast.call("POST", "/vouchers", token, json=body, headers=h)
    monkeypatch.setattr(vouchers.api.applications, "apply", real)
    frozen_clock("2026-03-02T10:30:00+08:00")
    again = cast.call("POST", "/vouchers", token, json=body, headers=h)
    assert again.status_code == 201, again.json
    assert again.json["status"] == "reserved" and row_count(db, Voucher) == 1
    assert cast.budget(scheme["id"])["reserved"] == "55000.00"


@pytest.mark.parametrize("path", ["/vouchers", "/orgs"])
def test_the_same_key_sent_eight_times_at_once_does_the_work_once_and_every_answer_is_the_first(
        cast, db, frozen_clock, admin, path):
    """Requests really run in parallel on PostgreSQL: the losers wait on the winner's key row and
    answer with its response; on SQLite writers take turns."""
    import threading

    from parties.models import Organisation
    from tests.support.pilot import WORKED_LINES
    from tests.support.world import row_count
    from vouchers.models import Voucher
    frozen_clock("2026-03-02T10:00:00+08:00")
    if path == "/vouchers":
        scheme = cast.scheme()
        contract = cast.contract("南海陶瓷", WORKED_LINES)
        body, token, model = {"scheme_id": scheme["id"], "contract_id": contract["id"]}, \
            cast.enterprise_tokens["南海陶瓷"], Voucher
    else:
        body, token, model = org_body(), admin, Organisation
    before = row_count(db, model)
    app, answers, start = cast.client.application, [], threading.Barrier(8)

    def send():
        client = app.test_client()
        start.wait()
        r = client.post(f"/api/v1{path}", json=body, headers=auth(token) | {"Idempotency-Key": "same-key"})
        answers.append((r.status_code, r.json, r.headers.get("Idempotent-Replayed")))
    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert row_count(db, model) == before + 1
    assert [a[0] for a in answers] == [201] * 8, answers
    assert all(a[1] == answers[0][1] for a in answers)
    assert sum(1 for a in answers if a[2] is None) == 1  # exactly one answer was not a replay


def stored_answers(db) -> list[str]:
    import sqlalchemy as sa

    from yunquan.models import IdempotentRequest
    with db.connect() as c:
        return [r.response_body or "" for r in c.execute(sa.select(IdempotentRequest.__table__))]


def test_a_replayed_user_creation_answers_the_user_without_its_token_and_the_token_is_never_stored(client, admin,
                                                                                                    db):
    h = auth(admin) | {"Idempotency-Key": "new-auditor"}
    first = client.post("/api/v1/users", json={"username": "审计员", "role": "auditor"}, headers=h)
    assert first.status_code == 201 and first.json["token"].startswith("yq_")
    assert stored_answers(db) and not any(first.json["token"] in body for body in stored_answers(db))
    replay = client.post("/api/v1/users", json={"username": "审计员", "role": "auditor"}, headers=h)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == first.json | {"token": None}


def test_an_issued_token_is_not_stored_for_replays_either(client, admin, world, db):
    uid, _ = world.user("auditor")
    r = client.post(f"/api/v1/users/{uid}/tokens", headers=auth(admin) | {"Idempotency-Key": "again"})
    assert r.status_code == 201 and not any(r.json["token"] in body for body in stored_answers(db))


def test_a_revoked_token_answers_401_and_a_new_one_works(client, admin, world):
    uid, token = world.user("auditor")
    assert client.get("/api/v1/users/me", headers=auth(token)).status_code == 200
    r = client.post(f"/api/v1/users/{uid}/tokens/revoke", headers=auth(admin))
    assert r.status_code == 200 and r.json == {"user_id": uid, "revoked": 1}
    out = client.get("/api/v1/users/me", headers=auth(token))
    assert out.status_code == 401 and out.headers["WWW-Authenticate"].startswith("Bearer")
    fresh = client.post(f"/api/v1/users/{uid}/tokens", headers=auth(admin)).json["token"]
    assert client.get("/api/v1/users/me", headers=auth(fresh)).status_code == 200
    assert client.post(f"/api/v1/users/{uid}/tokens/revoke", headers=auth(token)).status_code == 401
    other = world.token("auditor")
    assert client.post(f"/api/v1/users/{uid}/tokens/revoke", headers=auth(other)).status_code == 403
    assert client.post("/api/v1/users/999999/tokens/revoke", headers=auth(admin)).status_code == 404


def test_a_key_is_forgotten_after_its_time_to_live(client, admin, db, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    h = auth(admin) | {"Idempotency-Key": "daily-key"}
    assert client.post("/api/v1/orgs", json=org_body(), headers=h).status_code == 201
    frozen_clock("2026-03-03T09:59:00+08:00")
    assert client.post("/api/v1/orgs", json=org_body(), headers=h).json["code"] == "IDEMPOTENCY_MISMATCH"
    frozen_clock("2026-03-03T10:01:00+08:00")  # 24 h and a minute later: the key is free again
    again = client.post("/api/v1/orgs", json=org_body(), headers=h)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers and org_count(db) == 2


def test_the_daily_purge_deletes_only_expired_answers(client, admin, db, frozen_clock, uow_factory):
    from yunquan.requests import purge_expired
    frozen_clock("2026-03-02T10:00:00+08:00")
    client.post("/api/v1/orgs", json=org_body(), headers=auth(admin) | {"Idempotency-Key": "old"})
    frozen_clock("2026-03-03T11:00:00+08:00")
    client.post("/api/v1/orgs", json=org_body(), headers=auth(admin) | {"Idempotency-Key": "new"})
    with uow_factory() as u:
        assert purge_expired(u.session, ttl_hours=24) == 1
        u.commit()
    assert len(stored_answers(db)) == 1


def test_an_answer_larger_than_the_cap_is_not_kept_but_the_key_stays_done(db, world, tmp_path):
    from yunquan.app import create_app
    client = create_app({"TESTING": True, "ENGINE": db, "IDEMPOTENCY_MAX_RESPONSE_BYTES": 64}).test_client()
    h = auth(world.token("admin")) | {"Idempotency-Key": "big"}
    body = org_body()
    assert client.post("/api/v1/orgs", json=body, headers=h).status_code == 201
    replay = client.post("/api/v1/orgs", json=body, headers=h)
    assert replay.status_code == 409 and replay.json["code"] == "IDEMPOTENCY_RESPONSE_NOT_KEPT"
    assert replay.json["details"]["status"] == 201 and org_count(db) == 1
