"""Voucher application benchmark: N applications through the service layer, against the ledger's own
posting rate measured in the same run.

    .venv/bin/python bench/vouchers.py [--n 10000] [--databases sqlite,postgresql]

Each application is what the API does: one transaction that locks the scheme, checks the window,
the contract and duplicate funding, eligibility, prices every line, counts the caps, decides
reserve-or-waitlist and posts the reservation journal. The baseline is the ledger alone posting
one two-leg journal per transaction (the same unit of commit). Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from catalog import products
from parties import service as organisations  # noqa: E402
from parties.rules import uscc_check_digit  # noqa: E402
from kernel import clock  # noqa: E402
from ledger import service as ledger  # noqa: E402
from vouchers import applications, contracts  # noqa: E402
from schemes import service as schemes  # noqa: E402
from yunquan import users  # noqa: E402
from yunquan.bootstrap import bootstrap  # noqa: E402
from yunquan.db import UowFactory  # noqa: E402

bootstrap()
from benchdb import fresh_database  # noqa: E402

import importlib.util  # noqa: E402

# bench/ledger.py shares its name with the ledger package: load it under another name
_spec = importlib.util.spec_from_file_location("bench_ledger", os.path.join(os.path.dirname(__file__), "ledger.py"))
bench_ledger = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ledger)

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def uscc(n: int) -> str:
    first17 = f"91440600MA{n:07d}"
    return first17 + uscc_check_digit(first17)


def setup(uowf: UowFactory, n: int):
    with uowf() as u:
        authority = organisations.register(u, kind="authority", name="厅", uscc=uscc(9_000_001), city="广州")
    with uowf() as u:
        provider = organisations.register(u, kind="provider", name="平台", uscc=uscc(9_000_002), city="广州",
                                          provider_class="national_platform")
    with uowf() as u:
        admin, _ = users.create_user(u, username="admin", roles=["admin"], org_id=None)
    with uowf() as u:
        maker, _ = users.create_user(u, username="maker", roles=["provider"], org_id=provider.id)
    with uowf() as u:
        reviewer, _ = users.create_user(u, username="reviewer", roles=["reviewer"], org_id=authority.id)
    as_provider = products.Actor(maker.id, provider.id)
    with uowf() as u:
        pid = products.register(u, actor=as_provider, name="网关", item_kind="cpe_gateway", unit="台",
                                unit_price=Decimal("1000.00"), scenario="s", modules=["m"], expected_effect="e",
                                standard={"kind": "per_unit", "amount": "300.00"}, valid_from=dt.date(2026, 1, 1),
                                valid_to=dt.date(2026, 12, 31)).id
    with uowf() as u:
        products.submit(u, actor=as_provider, product_id=pid)
    with uowf() as u:
        products.approve(u, actor=products.Actor(reviewer.id, authority.id, staff=True), product_id=pid)
    with uowf() as u:
        scheme = schemes.create(u, actor_id=admin.id, kind="cloud", name="bench", year=2026,
                                budget_fen=n * 3_000_00 // 2, apply_from=dt.date(2026, 1, 1),
                                apply_to=dt.date(2026, 6, 30), redeem_from=dt.date(2026, 1, 1),
                                redeem_to=dt.date(2026, 12, 31),
                                settings={"provider_quota_major": "999999999.00"})
    applicants = []
    for i in range(n):
        with uowf() as u:
            ent = organisations.register(u, kind="enterprise", name=f"企业{i}", uscc=uscc(i), city="佛山",
                                         founded_on=dt.date(2015, 1, 1), prior_year_revenue=100_000_00)
        with uowf() as u:
            user, _ = users.create_user(u, username=f"e{i}", roles=["enterprise"], org_id=ent.id)
        with uowf() as u:
            contract, _ = contracts.record(u, actor_id=maker.id, provider_id=provider.id, enterprise_id=ent.id,
                                           signed_on=dt.date(2026, 2, 1),
                                           lines=[{"product_id": pid, "quantity": Decimal(10), "unit_price": 1000_00}])
        applicants.append((applications.Actor(user.id, ent.id), contract.id))
    return scheme.id, applicants


def run_applications(uowf, scheme_id, applicants) -> tuple[float, dict]:
    outcomes: dict[str, int] = {}
    t = time.perf_counter()
    for actor, contract_id in applicants:
        status = uowf.run(lambda u: applications.apply(u, actor=actor, scheme_id=scheme_id,
                                                       contract_id=contract_id)).status
        outcomes[status] = outcomes.get(status, 0) + 1
    return time.perf_counter() - t, outcomes


def run_ledger_singles(engine, n) -> float:
    uowf = UowFactory(engine)
    bench_ledger.open_accounts(uowf)
    journals = bench_ledger.specs(n)
    t = time.perf_counter()
    for spec in journals:
        with uowf() as u:
            ledger.post_batch(u, [spec])
            u.commit()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--databases", default="sqlite,postgresql")
    args = ap.parse_args()
    clock.set_clock(lambda: NOW)
    print(f"voucher benchmark: {args.n} applications (half the applicants fit the budget, half are waitlisted)")
    for kind in args.databases.split(","):
        engine, drop = fresh_database(kind)
        uowf = UowFactory(engine)
        t0 = time.perf_counter()
        scheme_id, applicants = setup(uowf, args.n)
        setup_s = time.perf_counter() - t0
        apply_s, outcomes = run_applications(uowf, scheme_id, applicants)
        with uowf.reader() as s:
            ok = ledger.verify(s).ok
        engine2, drop2 = fresh_database(kind)
        ledger_s = run_ledger_singles(engine2, args.n)
        print(f"\n[{kind}]  (setup of orgs, users and contracts: {setup_s:.1f} s)")
        print(f"  applications through the service : {args.n / apply_s:>8,.0f} /s ({apply_s:.2f} s) {outcomes}")
        print(f"  ledger alone, 1 journal per txn  : {args.n / ledger_s:>8,.0f} /s ({ledger_s:.2f} s)")
        print(f"  ratio applications / ledger      : {ledger_s / apply_s:>8.0%}   ledger verify ok={ok}")
        drop()
        drop2()


if __name__ == "__main__":
    main()
