"""A pilot with a talent scheme, an enterprise and a provider's training programme (40 h online,
16 h offline, 3,500.00 a trainee), driven through the HTTP API."""
from __future__ import annotations

import pytest

from tests.support.pilot import Pilot
from tests.support.talent import TalentDesk


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")  # a Monday
    p = Pilot(client, world)
    p.enterprise("南海陶瓷", city="佛山")
    return p


@pytest.fixture
def desk(pilot):
    d = TalentDesk(pilot)
    r = d.training("陶瓷智造复合型人才实训")
    assert r.status_code == 201, r.json
    return d


@pytest.fixture
def talent_scheme(desk):
    return desk.scheme("500000.00")
