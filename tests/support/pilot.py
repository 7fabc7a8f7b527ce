"""A cluster pilot as the HTTP API sees it: the cast and the steps every voucher test needs.

Everything goes through the public API (API.md) with real tokens, as a user would."""
from __future__ import annotations

import io
from typing import Any

from tests.support.world import World, auth

API = "/api/v1"

# The smallest files each accepted type can start with: the service judges by content, not by name.
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"

# POLICY.md §6 worked example: the three products and their standards
WORKED_PRODUCTS = {
    "cpe_gateway": dict(name="工业级CPE网关", item_kind="cpe_gateway", unit="台", unit_price="1000.00",
                        standard={"kind": "per_unit", "amount": "300.00"}),
    "mec_server": dict(name="边缘计算MEC服务器", item_kind="mec_server", unit="台", unit_price="150000.00",
                       standard={"kind": "ratio", "rate": "0.30", "cap": "40000.00"}),
    "coverage_area": dict(name="5G内网覆盖", item_kind="coverage_area", unit="m²", unit_price="20.00",
                          standard={"kind": "ratio", "rate": "0.30"}),
}
WORKED_LINES = [("cpe_gateway", 10, "1000.00"), ("mec_server", 1, "150000.00"), ("coverage_area", 2000, "20.00")]


class Pilot:
    def __init__(self, client, world: World):
        self.client, self.world = client, world
        self.authority = world.org("authority", city="广州")
        self.admin = world.token("admin")
        self.reviewer = world.token("reviewer", self.authority)
        self.second_reviewer = world.token("reviewer", self.authority)
        self.auditor = world.token("auditor", self.authority)
        self.provider = world.org("provider", city="广州", provider_class="national_platform", name="粤云平台")
        self.provider_token = world.token("provider", self.provider)
        self.products: dict[str, int] = {}
        self.enterprises: dict[str, Any] = {}
        self.enterprise_tokens: dict[str, str] = {}

    # --- calls ---------------------------------------------------------------------------
    def call(self, method: str, path: str, token: str | None, **kwargs):
        headers = {**(auth(token) if token else {}), **kwargs.pop("headers", {})}
        return self.client.open(f"{API}{path}", method=method, headers=headers, **kwargs)

    def ok(self, method: str, path: str, token: str | None, status: int = 200, **kwargs) -> dict:
        r = self.call(method, path, token, **kwargs)
        assert r.status_code == status, (r.status_code, r.json)
        return r.json

    # --- cast ----------------------------------------------------------------------------
    def enterprise(self, name: str, *, city: str = "佛山", **kw) -> Any:
        org = self.world.org("enterprise", city=city, name=name, **kw)
        self.enterprises[name] = org
        self.enterprise_tokens[name] = self.world.token("enterprise", org)
        return org

    def product(self, key: str, *, provider_token: str | None = None, **overrides) -> int:
        body = {"scenario": "陶瓷集群窑炉数据采集", "modules": ["采集"], "expected_effect": "降本增效",
                "valid_from": "2025-01-01", "valid_to": "2027-12-31", **WORKED_PRODUCTS.get(key, {}), **overrides}
        token = provider_token or self.provider_token
        pid = self.ok("POST", "/products", token, 201, json=body)["id"]
        self.ok("POST", f"/products/{pid}/submit", token)
        self.ok("POST", f"/products/{pid}/approve", self.reviewer)
        self.products[key] = pid
        return pid

    def worked_products(self) -> None:
        for key in WORKED_PRODUCTS:
            self.product(key)

    def scheme(self, budget: str = "10000000.00", **over) -> dict:
        body = {"kind": "cloud", "name": "2026年上云上平台服务券", "year": 2026, "budget": budget,
                "apply_from": "2026-01-01", "apply_to": "2026-06-30", "redeem_from": "2026-01-01",
                "redeem_to": "2026-12-31", **over}
        return self.ok("POST", "/schemes", self.admin, 201, json=body)

    def contract(self, enterprise: str, lines, *, signed_on: str = "2026-02-20",
                 provider_token: str | None = None) -> dict:
        body = {"enterprise_id": self.enterprises[enterprise].id, "signed_on": signed_on,
                "lines": [{"product_id": self.products[k], "quantity": q, "unit_price": u} for k, q, u in lines]}
        # A scenario that signs the same contract again means another one (DUPLICATE_CONTRACT otherwise)
        key = (provider_token or self.provider_token, enterprise, signed_on, tuple(sorted(map(str, lines))))
        self._signed = getattr(self, "_signed", set())
        if key in self._signed:
            body["separate"] = True
        self._signed.add(key)
        return self.ok("POST", "/contracts", provider_token or self.provider_token, 201, json=body)

    def apply(self, enterprise: str, scheme_id: int, contract_id: int):
        return self.call("POST", "/vouchers", self.enterprise_tokens[enterprise],
                         json={"scheme_id": scheme_id, "contract_id": contract_id})

    def budget(self, scheme_id: int) -> dict:
        return self.ok("GET", f"/schemes/{scheme_id}/budget", self.auditor)

    def daily(self) -> None:
        """The daily job (``yunquan daily``) over every scheme, on the app's database."""
        from schemes import service as schemes
        factory = self.client.application.extensions["yunquan"].uow_factory
        with factory.reader() as s:
            ids = schemes.scheme_ids(s)
        for sid in ids:
            factory.run(lambda u, sid=sid: schemes.settle(u, scheme_id=sid))

    def verify(self) -> dict:
        return self.ok("GET", "/ledger/verify", self.auditor)

    # --- claims and payouts ----------------------------------------------------------------
    def finance(self) -> tuple[str, str]:
        """A finance maker and a different finance checker of the authority."""
        if not hasattr(self, "_finance"):
            self._finance = (self.world.token("finance_maker", self.authority),
                             self.world.token("finance_checker", self.authority))
        return self._finance

    def issued_voucher(self, enterprise: str, scheme_id: int, lines=None) -> dict:
        contract = self.contract(enterprise, lines or WORKED_LINES)
        r = self.apply(enterprise, scheme_id, contract["id"])
        assert r.status_code == 201, r.json
        return self.ok("POST", f"/vouchers/{r.json['id']}/approve", self.reviewer)

    def upload(self, enterprise: str, kind: str, content: bytes = PDF, filename: str = "证明.pdf"):
        return self.call("POST", "/evidence", self.enterprise_tokens[enterprise],
                         data={"kind": kind, "file": (io.BytesIO(content), filename)},
                         content_type="multipart/form-data")

    def evidence_set(self, enterprise: str) -> list[int]:
        """Three new documents (different bytes each call: the same file cannot back two claims)."""
        out = []
        self._documents = getattr(self, "_documents", 0) + 1
        for kind, content in (("invoice", PDF), ("payment_proof", PNG), ("acceptance_report", JPEG)):
            r = self.upload(enterprise, kind, content + f"{kind} {self._documents}".encode(), f"{kind}.bin")
            assert r.status_code == 201, r.json
            out.append(r.json["id"])
        return out

    def claim(self, enterprise: str, voucher_id: int, paid: str, *, invoice: str | None = None,
              evidence: list[int] | None = None):
        body = {"invoice_amount": invoice or paid, "paid_amount": paid,
                "evidence_ids": self.evidence_set(enterprise) if evidence is None else evidence}
        return self.call("POST", f"/vouchers/{voucher_id}/claims", self.enterprise_tokens[enterprise], json=body)

    def get_claim(self, claim_id: int) -> dict:
        return self.ok("GET", f"/claims/{claim_id}", self.auditor)

    def build_batch(self, scheme_id: int, token: str | None = None):
        return self.call("POST", "/payout-batches", token or self.finance()[0], json={"scheme_id": scheme_id})

    def approve_batch(self, batch_id: int, token: str | None = None):
        return self.call("POST", f"/payout-batches/{batch_id}/approve", token or self.finance()[1])

    def bank_file(self, batch_id: int) -> str:
        r = self.call("GET", f"/payout-batches/{batch_id}/bank-file", self.finance()[0])
        assert r.status_code == 200, r.data[:500]
        return r.data.decode("utf-8-sig")

    def import_statement(self, text: str | bytes, filename: str = "statement.csv", token: str | None = None):
        data = text.encode("utf-8") if isinstance(text, str) else text
        return self.call("POST", "/reconciliations", token or self.finance()[0],
                         data={"statement": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


STATEMENT_HEADER = "bank_txn_id,value_date,reference,payee_account,amount"


def statement(*rows: tuple) -> str:
    """``statement(("T1", "2026-03-20", "YQ1-1", "6222…", "52250.00"), …)`` as CSV text."""
    return "\n".join([STATEMENT_HEADER, *(",".join(map(str, r)) for r in rows)]) + "\n"


def statement_for(bank_file: str, *, value_date: str, prefix: str = "T") -> str:
    """The statement of a bank that paid every line of a bank file exactly."""
    import csv
    rows = list(csv.DictReader(io.StringIO(bank_file)))
    return statement(*((f"{prefix}{i}", value_date, r["reference"], r["payee_account"], r["amount"])
                       for i, r in enumerate(rows, start=1)))
