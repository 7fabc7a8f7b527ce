"""A seeded pilot for whole-API tests (schemathesis, the role matrix): one object of every kind
that exists, made through the public API, and a token for every role."""
from __future__ import annotations

import datetime as dt

from kernel import clock
from tests.support.pilot import Pilot
from tests.support.world import World
from yunquan.app import create_app
from yunquan.db import UowFactory

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)  # Monday 10:00 in Guangzhou


def seeded_pilot(engine, evidence_dir, *, wipe: bool = True) -> tuple[Pilot, dict[str, str]]:
    from tests.conftest import _wipe
    if wipe:
        _wipe(engine)
    clock.set_clock(lambda: NOW)
    app = create_app({"TESTING": True, "ENGINE": engine, "DATABASE_URL": str(engine.url),
                      "EVIDENCE_DIR": str(evidence_dir), "PUBLICITY_DAYS_OVERRIDE": 0})
    world = World(UowFactory(engine))
    pilot = Pilot(app.test_client(), world)
    pilot.worked_products()
    pilot.enterprise("南海陶瓷", city="佛山")
    scheme = pilot.scheme("1000000.00")
    voucher = pilot.issued_voucher("南海陶瓷", scheme["id"])
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    maker, checker = pilot.finance()
    batch = pilot.build_batch(scheme["id"]).json
    pilot.approve_batch(batch["id"])
    tokens = {"admin": pilot.admin, "provider": pilot.provider_token, "enterprise": pilot.enterprise_tokens["南海陶瓷"],
              "reviewer": pilot.reviewer, "finance_maker": maker, "finance_checker": checker, "auditor": pilot.auditor,
              "financier": world.token("financier", world.org("financier", city="广州")),
              "guarantor": world.token("guarantor", world.org("guarantor", city="广州"))}
    pilot.seeded = {"scheme": scheme["id"], "voucher": voucher["id"], "claim": claim["id"], "batch": batch["id"]}
    return pilot, tokens
