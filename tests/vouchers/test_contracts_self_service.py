"""Enterprise self-service on contracts: each party lists its own contracts, the enterprise previews
what its contract would get, and the same contract cannot be recorded twice by mistake."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from tests.support.pilot import WORKED_LINES
from vouchers import contracts
from vouchers.errors import DuplicateContract
from vouchers.models import Contract
from yunquan.db import UowFactory


def ids(page) -> list[int]:
    return [c["id"] for c in page["items"]]


@pytest.fixture
def signed(pilot):
    """Three contracts: two with 南海陶瓷 (February, March), one with 大岭山家具; another provider signs none."""
    a = pilot.contract("南海陶瓷", WORKED_LINES, signed_on="2026-02-20")
    b = pilot.contract("南海陶瓷", [("cpe_gateway", 5, "1000.00")], signed_on="2026-03-01")
    c = pilot.contract("大岭山家具", WORKED_LINES, signed_on="2026-02-21")
    return a, b, c


def test_each_party_lists_the_contracts_it_signed_and_staff_list_all(pilot, signed):
    a, b, c = signed
    assert ids(pilot.ok("GET", "/contracts", pilot.enterprise_tokens["南海陶瓷"])) == [a["id"], b["id"]]
    assert ids(pilot.ok("GET", "/contracts", pilot.enterprise_tokens["大岭山家具"])) == [c["id"]]
    assert ids(pilot.ok("GET", "/contracts", pilot.provider_token)) == [a["id"], b["id"], c["id"]]
    assert ids(pilot.ok("GET", "/contracts", pilot.auditor)) == [a["id"], b["id"], c["id"]]
    other = pilot.world.org("provider", city="广州", name="别家服务商")
    assert ids(pilot.ok("GET", "/contracts", pilot.world.token("provider", other))) == []
    first = pilot.ok("GET", "/contracts", pilot.enterprise_tokens["南海陶瓷"])["items"][0]
    assert first["amount"] == "200000.00" and [x["amount"] for x in first["lines"]] == \
        ["10000.00", "150000.00", "40000.00"]
    assert pilot.call("GET", "/contracts", None).status_code == 401


def test_contracts_are_filtered_by_party_and_signing_date_and_paged(pilot, signed):
    a, b, c = signed
    ent = pilot.enterprises["南海陶瓷"].id
    assert ids(pilot.ok("GET", f"/contracts?enterprise_id={ent}", pilot.reviewer)) == [a["id"], b["id"]]
    assert ids(pilot.ok("GET", f"/contracts?provider_id={pilot.provider.id}&signed_from=2026-02-21",
                        pilot.reviewer)) == [b["id"], c["id"]]
    assert ids(pilot.ok("GET", "/contracts?signed_to=2026-02-20", pilot.reviewer)) == [a["id"]]
    # an enterprise filtering on another enterprise sees nothing of it
    other = pilot.enterprises["大岭山家具"].id
    assert ids(pilot.ok("GET", f"/contracts?enterprise_id={other}", pilot.enterprise_tokens["南海陶瓷"])) == []
    page1 = pilot.ok("GET", "/contracts?limit=2", pilot.reviewer)
    assert ids(page1) == [a["id"], b["id"]] and page1["next_cursor"]
    page2 = pilot.ok("GET", f"/contracts?limit=2&cursor={page1['next_cursor']}", pilot.reviewer)
    assert ids(page2) == [c["id"]] and page2["next_cursor"] is None


def test_an_enterprise_previews_its_own_contract_but_not_anothers(pilot, signed):
    a, _, c = signed
    s = pilot.scheme()
    q = pilot.ok("POST", f"/schemes/{s['id']}/dry-run", pilot.enterprise_tokens["南海陶瓷"],
                 json={"contract_id": a["id"]})
    assert q["face_value"] == "55000.00" and q["eligible"] is True and q["would_be"] == "reserved"
    assert q["breakdown"]["face_value"] == "55000.00" and q["breakdown"]["binding"] == q["binding"]
    assert pilot.budget(s["id"])["reserved"] == "0.00"  # a preview reserves nothing
    small = pilot.scheme(budget="50000.00", name="小预算")
    q = pilot.ok("POST", f"/schemes/{small['id']}/dry-run", pilot.enterprise_tokens["南海陶瓷"],
                 json={"contract_id": a["id"]})
    assert (q["would_be"], q["waitlist_reason"]) == ("waitlisted", "budget")
    r = pilot.call("POST", f"/schemes/{s['id']}/dry-run", pilot.enterprise_tokens["南海陶瓷"],
                   json={"contract_id": c["id"]})
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    r = pilot.call("POST", f"/schemes/{s['id']}/dry-run", pilot.provider_token, json={"contract_id": a["id"]})
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")


def test_the_same_contract_recorded_twice_is_refused_unless_the_provider_says_it_is_separate(pilot, db):
    first = pilot.contract("南海陶瓷", WORKED_LINES)
    body = {"enterprise_id": pilot.enterprises["南海陶瓷"].id, "signed_on": "2026-02-20",
            "lines": [{"product_id": pilot.products[k], "quantity": q, "unit_price": u}
                      for k, q, u in reversed(WORKED_LINES)]}  # the same lines in another order
    r = pilot.call("POST", "/contracts", pilot.provider_token, json=body)
    assert (r.status_code, r.json["code"], r.json["details"]["contract_id"]) == (409, "DUPLICATE_CONTRACT",
                                                                                  first["id"])
    with db.connect() as conn:
        assert conn.execute(Contract.__table__.select()).all().__len__() == 1
    second = pilot.ok("POST", "/contracts", pilot.provider_token, 201, json={**body, "separate": True})
    assert second["id"] != first["id"] and second["amount"] == first["amount"]
    # another day, another quantity or another enterprise is another contract anyway
    pilot.ok("POST", "/contracts", pilot.provider_token, 201, json={**body, "signed_on": "2026-02-21"})
    pilot.contract("大岭山家具", WORKED_LINES)


def test_two_requests_recording_the_same_contract_at_once_record_it_once(db, pilot):
    uowf = UowFactory(db)
    provider, ent = pilot.provider.id, pilot.enterprises["南海陶瓷"].id
    lines = [{"product_id": pilot.products["cpe_gateway"], "quantity": Decimal(10), "unit_price": 1000_00}]

    def record(_):
        try:
            with uowf() as u:
                return contracts.record(u, actor_id=1, provider_id=provider, enterprise_id=ent,
                                        signed_on=dt.date(2026, 2, 20), lines=lines)[0].id
        except DuplicateContract:
            return "duplicate"

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(record, range(6)))
    assert sorted(map(str, results)).count("duplicate") == 5
    with db.connect() as conn:
        assert len(conn.execute(Contract.__table__.select()).all()) == 1
