"""The cast of a catalogue test: two providers, an authority with a reviewer, and the other roles."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from catalog.models import Product, ProductVersion
from tests.support.world import auth

API = "/api/v1"


def product_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /products body (the MEC server line of POLICY.md §6)."""
    body = {
        "name": "边缘计算MEC服务器", "item_kind": "mec_server", "unit": "台", "unit_price": "150000.00",
        "scenario": "陶瓷窑炉视觉质检的本地分流", "modules": ["本地分流", "边缘计算"],
        "expected_effect": "业务时延低于20ms", "standard": {"kind": "ratio", "rate": "0.30", "cap": "40000.00"},
        "valid_from": "2026-01-01", "valid_to": "2027-12-31",
    }
    body.update(overrides)
    return body


@dataclass
class Cast:
    client: Any
    provider: Any
    provider_user: int
    provider_token: str
    other_provider: Any
    other_token: str
    authority: Any
    reviewer_user: int
    reviewer_token: str
    enterprise_token: str
    admin_token: str
    auditor_token: str

    def create(self, token: str | None = None, **overrides: Any) -> dict:
        r = self.client.post(f"{API}/products", json=product_body(**overrides),
                             headers=auth(token or self.provider_token))
        assert r.status_code == 201, r.json
        return r.json

    def step(self, product_id: int, action: str, token: str, **body: Any):
        return self.client.post(f"{API}/products/{product_id}/{action}", json=body or None, headers=auth(token))

    def approved(self, token: str | None = None, **overrides: Any) -> dict:
        token = token or self.provider_token
        p = self.create(token, **overrides)
        assert self.step(p["id"], "submit", token).status_code == 200
        r = self.step(p["id"], "approve", self.reviewer_token)
        assert r.status_code == 200, r.json
        return r.json

    def submitted(self, **overrides: Any) -> dict:
        p = self.create(**overrides)
        r = self.step(p["id"], "submit", self.provider_token)
        assert r.status_code == 200, r.json
        return r.json


@pytest.fixture
def cast(client, world) -> Cast:
    provider = world.org("provider", name="中国移动通信集团广东有限公司", city="广州")
    other = world.org("provider", name="佛山智造服务有限公司")
    authority = world.org("authority", name="广东省工业和信息化厅", city="广州")
    provider_user, provider_token = world.user("provider", provider)
    reviewer_user, reviewer_token = world.user("reviewer", authority)
    return Cast(
        client=client, provider=provider, provider_user=provider_user, provider_token=provider_token,
        other_provider=other, other_token=world.token("provider", other), authority=authority,
        reviewer_user=reviewer_user, reviewer_token=reviewer_token,
        enterprise_token=world.token("enterprise", world.org("enterprise")), admin_token=world.token("admin"),
        auditor_token=world.token("auditor", authority))


def saved(db) -> tuple[int, int]:
    """(products, versions) in the database: 'nothing was saved' checks compare these."""
    with db.connect() as c:
        return tuple(c.execute(sa.select(sa.func.count()).select_from(m.__table__)).scalar()
                     for m in (Product, ProductVersion))
