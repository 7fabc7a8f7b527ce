"""The voucher list (a regression: items were dumped twice and the list answered 500)."""
from __future__ import annotations

from tests.support.pilot import Pilot


def test_vouchers_are_listed_for_their_enterprise_and_for_staff(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    pilot = Pilot(client, world)
    pilot.worked_products()
    scheme = pilot.scheme()
    pilot.enterprise("南海陶瓷")
    pilot.enterprise("大岭山家具", city="东莞")
    voucher = pilot.issued_voucher("南海陶瓷", scheme["id"])
    page = pilot.ok("GET", "/vouchers", pilot.auditor)
    assert [(v["id"], v["status"], v["face_value"]) for v in page["items"]] == [(voucher["id"], "issued", "55000.00")]
    assert pilot.ok("GET", "/vouchers", pilot.enterprise_tokens["南海陶瓷"])["items"][0]["id"] == voucher["id"]
    assert pilot.ok("GET", "/vouchers", pilot.enterprise_tokens["大岭山家具"])["items"] == []
