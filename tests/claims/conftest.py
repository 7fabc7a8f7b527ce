"""A pilot with the worked example's products, a cloud scheme and an enterprise holding an issued
voucher of 55,000.00 on a 200,000.00 contract (POLICY.md §6), driven through the HTTP API."""
from __future__ import annotations

import pytest

from kernel.money import parse_money
from tests.support.pilot import Pilot

PARTS = ("available", "reserved", "payable", "in_transit", "disbursed")


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")  # a Monday
    p = Pilot(client, world)
    p.worked_products()
    return p


@pytest.fixture
def scheme(pilot):
    return pilot.scheme("1000000.00")


@pytest.fixture
def voucher(pilot, scheme):
    pilot.enterprise("南海陶瓷", city="佛山")
    return pilot.issued_voucher("南海陶瓷", scheme["id"])


def budget_of(pilot, scheme_id) -> dict[str, str]:
    b = pilot.budget(scheme_id)
    assert sum(parse_money(b[p]) for p in PARTS) == parse_money(b["total"])
    return {p: b[p] for p in PARTS}


@pytest.fixture
def no_publicity(app):
    """YUNQUAN_PUBLICITY_DAYS_OVERRIDE=0: publicity ends at approval."""
    app.config["PUBLICITY_DAYS_OVERRIDE"] = 0


ENTERPRISES = (("南海陶瓷", "佛山"), ("大岭山家具", "东莞"), ("小榄五金", "中山"))


@pytest.fixture
def payable(pilot, scheme, no_publicity):
    """Three approved claims of 52,250.00 each, payable at once (publicity override 0)."""
    ids = []
    for name, city in ENTERPRISES:
        pilot.enterprise(name, city=city, bank_account=f"62220000{len(ids) + 1:08d}")
        voucher = pilot.issued_voucher(name, scheme["id"])
        claim = pilot.claim(name, voucher["id"], "190000.00").json
        pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
        ids.append(claim["id"])
    return ids


@pytest.fixture
def sent(pilot, scheme, payable):
    """The three claims in a batch the checker approved: 156,750.00 in transit."""
    batch = pilot.build_batch(scheme["id"]).json
    return pilot.approve_batch(batch["id"]).json
