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
