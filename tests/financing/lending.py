"""A financing pilot as the HTTP API sees it: a bank, an equipment maker that guarantees, an
enterprise, a financing scheme, and the calls of API.md's loan rows."""
from __future__ import annotations

from typing import Any

from tests.support.pilot import WORKED_LINES, Pilot

WORKED_LOAN = {"kind": "instalment", "principal": "120000.00", "annual_rate": "0.06", "term_months": 12,
               "method": "annuity", "first_due_on": "2026-01-31"}


class Lending:
    def __init__(self, client, world, *, scheme_budget: str | None = "1000000.00"):
        self.pilot = p = Pilot(client, world)
        self.bank = world.org("financier", city="广州", name="集群发展银行", bank_account="6222000099990001")
        self.bank_token = world.token("financier", self.bank)
        self.other_bank = world.org("financier", city="广州", name="另一家银行")
        self.other_bank_token = world.token("financier", self.other_bank)
        self.maker = world.org("guarantor", city="佛山", name="精工装备")
        self.maker_token = world.token("guarantor", self.maker)
        self.other_maker = world.org("guarantor", city="佛山", name="别家装备")
        self.other_maker_token = world.token("guarantor", self.other_maker)
        self.enterprise = p.enterprise("南海陶瓷", city="佛山", bank_account="6222000011110001")
        self.enterprise_token = p.enterprise_tokens["南海陶瓷"]
        self.scheme: dict = {}
        if scheme_budget is not None:
            self.open_scheme(scheme_budget)

    def open_scheme(self, budget: str, **over) -> dict:
        """The year's financing scheme (融资上云服务券)."""
        self.scheme = self.pilot.ok("POST", "/schemes", self.pilot.admin, 201, json={
            "kind": "financing", "name": "2026年融资上云服务券", "year": 2026, "budget": budget,
            "apply_from": "2026-01-01", "apply_to": "2026-12-31", "redeem_from": "2026-01-01",
            "redeem_to": "2026-12-31", **over})
        return self.scheme

    def issued_voucher(self, *, signed_on: str = "2026-01-05") -> tuple[dict, dict, dict]:
        """POLICY.md §6's worked example as a cloud scheme, a contract of 200,000.00 signed with the
        enterprise, and its voucher of 55,000.00 issued: (scheme, contract, voucher)."""
        p = self.pilot
        if not p.products:
            p.worked_products()
        scheme = p.scheme("1000000.00")
        contract = p.contract("南海陶瓷", WORKED_LINES, signed_on=signed_on)
        r = p.apply("南海陶瓷", scheme["id"], contract["id"])
        assert r.status_code == 201, r.json
        voucher = p.ok("POST", f"/vouchers/{r.json['id']}/approve", p.reviewer)
        return scheme, contract, voucher

    def order_body(self, contract: dict, voucher: dict, advance: str, **over) -> dict:
        return {"kind": "order", "enterprise_id": self.enterprise.id, "contract_id": contract["id"],
                "voucher_id": voucher["id"], "principal": advance, "annual_rate": "0.06", "term_months": 1,
                "method": "annuity", "first_due_on": "2026-01-31", **over}

    # --- calls ---------------------------------------------------------------------------
    def call(self, method: str, path: str, token: str | None, **kwargs):
        return self.pilot.call(method, path, token, **kwargs)

    def ok(self, method: str, path: str, token: str | None, status: int = 200, **kwargs) -> dict:
        return self.pilot.ok(method, path, token, status, **kwargs)

    def body(self, **over: Any) -> dict:
        out = {**WORKED_LOAN, "enterprise_id": self.enterprise.id, "guarantor_id": self.maker.id, **over}
        return {k: v for k, v in out.items() if v is not None}

    def preview(self, token: str | None = None, **over):
        return self.call("POST", "/loans/preview", token or self.bank_token, json=self.body(**over))

    def register(self, token: str | None = None, **over):
        return self.call("POST", "/loans", token or self.bank_token, json=self.body(**over))

    def loan(self, **over) -> dict:
        r = self.register(**over)
        assert r.status_code == 201, r.json
        return r.json

    def repay(self, loan_id: int, paid_on: str, amount: str, token: str | None = None):
        return self.call("POST", f"/loans/{loan_id}/repayments", token or self.bank_token,
                         json={"paid_on": paid_on, "amount": amount})

    def get(self, loan_id: int, token: str | None = None) -> dict:
        return self.ok("GET", f"/loans/{loan_id}", token or self.pilot.auditor)

    def schedule(self, loan_id: int, token: str | None = None) -> dict:
        return self.ok("GET", f"/loans/{loan_id}/schedule", token or self.pilot.auditor)

    def buy_back(self, loan_id: int, paid_on: str | None = None, token: str | None = None):
        return self.call("POST", f"/loans/{loan_id}/buy-back", token or self.maker_token,
                         json={} if paid_on is None else {"paid_on": paid_on})

    def reward(self, loan_id: int, period_from, period_to, token: str | None = None, scheme_id: int | None = None):
        return self.call("POST", f"/loans/{loan_id}/rewards", token or self.enterprise_token,
                         json={"scheme_id": scheme_id or self.scheme["id"], "period_from": period_from,
                               "period_to": period_to})

    def budget(self) -> dict:
        return self.pilot.budget(self.scheme["id"])
