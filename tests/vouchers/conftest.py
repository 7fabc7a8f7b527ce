"""The cast most voucher tests share: the worked-example products and two enterprises."""
from __future__ import annotations

import pytest

from tests.support.pilot import Pilot


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    p = Pilot(client, world)
    p.worked_products()
    p.enterprise("南海陶瓷", city="佛山")
    p.enterprise("大岭山家具", city="东莞")
    return p
