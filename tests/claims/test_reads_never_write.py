"""A GET never writes: time-driven work (expiry, the end of publicity, lapses) is shown by reads
at once and stored by the daily job or the next write to the scheme."""
from __future__ import annotations

import sqlalchemy as sa

from tests.claims.conftest import budget_of
from yunquan.schema import metadata


def snapshot(engine) -> dict[str, list[tuple]]:
    with engine.connect() as c:
        return {t.name: sorted(map(tuple, c.execute(sa.select(t)).all()), key=repr) for t in metadata().sorted_tables}


def test_reading_everything_after_time_moved_on_changes_nothing_in_the_database(
        pilot, scheme, voucher, frozen_clock, db):
    returned = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{returned['id']}/return", pilot.reviewer, json={"reason": "发票不清晰"})
    pilot.enterprise("大岭山家具", city="东莞")
    other = pilot.issued_voucher("大岭山家具", scheme["id"])
    approved = pilot.claim("大岭山家具", other["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{approved['id']}/approve", pilot.reviewer)
    pilot.enterprise("小榄五金", city="中山")
    unclaimed = pilot.issued_voucher("小榄五金", scheme["id"])
    frozen_clock("2027-01-04T09:00:00+08:00")  # publicity, the window and the rework deadline are all over
    before = snapshot(db)

    assert pilot.ok("GET", f"/vouchers/{unclaimed['id']}", pilot.auditor)["status"] == "expired"
    assert pilot.ok("GET", f"/vouchers/{voucher['id']}", pilot.auditor)["status"] == "expired"
    assert pilot.get_claim(returned["id"])["status"] == "lapsed"
    assert pilot.get_claim(approved["id"])["status"] == "payable"
    listed = {c["id"]: c["status"] for c in pilot.ok("GET", "/claims", pilot.auditor)["items"]}
    assert listed == {returned["id"]: "lapsed", approved["id"]: "payable"}
    assert [c["id"] for c in pilot.ok("GET", "/claims?status=payable", pilot.auditor)["items"]] == [approved["id"]]
    expired = pilot.ok("GET", "/vouchers?status=expired", pilot.auditor)["items"]
    assert sorted(v["id"] for v in expired) == sorted([unclaimed["id"], voucher["id"]])
    assert pilot.ok("GET", "/publicity", None)["items"] == []
    for path in (f"/schemes/{scheme['id']}", f"/schemes/{scheme['id']}/budget", "/payout-batches", "/vouchers",
                 "/ledger/verify", "/ledger/trial-balance"):
        pilot.ok("GET", path, pilot.auditor)
    assert snapshot(db) == before

    # the daily job stores what the reads showed and moves the money
    pilot.daily()
    after = budget_of(pilot, scheme["id"])
    assert after["reserved"] == "0.00" and after["payable"] == "52250.00"
    assert pilot.verify()["ok"] is True
