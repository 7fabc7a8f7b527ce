"""Voucher application benchmark: N applications through the service layer, against the ledger's own
posting rate measured in the same run.

    .venv/bin/python bench/vouchers.py [--n 10000] [--databases sqlite,postgresql]
        [--history 1000,50000 --m 500] [--waiting 0,10000 --k 30] [--parts rate,history,waiting]

Each application is what the API does: one transaction that locks the scheme, checks the window,
the contract and duplicate funding, eligibility, prices every line, counts the caps, decides
reserve-or-waitlist and posts the reservation journal. The baseline is the ledger alone posting
one two-leg journal per transaction (the same unit of commit). Prints figures; asserts nothing.

``history``: the rate of ``m`` applications (each reserving) after 1,000 and after 50,000 earlier
vouchers of the same scheme, provider and enterprises (inserted with Core, redeemed for 1.00 each,
their usage rows back-filled as migration 0011 does): a cost that grows with history shows here.
``waiting``: ``k`` claim approvals (each frees V − F and so looks at the waitlist) with none and
with 10,000 vouchers waiting for the budget (inserted with Core, each with its contract line).
Each part prints the statements per application or approval (``benchdb.Statements``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal

import sqlalchemy as sa

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
from benchdb import Statements, fresh_database  # noqa: E402

import importlib.util  # noqa: E402

# bench/ledger.py shares its name with the ledger package: load it under another name
_spec = importlib.util.spec_from_file_location("bench_ledger", os.path.join(os.path.dirname(__file__), "ledger.py"))
bench_ledger = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ledger)

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def uscc(n: int) -> str:
    first17 = f"91440600MA{n:07d}"
    return first17 + uscc_check_digit(first17)


def setup(uowf: UowFactory, n: int, budget_fen: int | None = None):
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
                                budget_fen=budget_fen or n * 3_000_00 // 2, apply_from=dt.date(2026, 1, 1),
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
    ctx = {"admin": admin.id, "reviewer": reviewer.id, "authority": authority.id, "provider": provider.id,
           "product": pid}
    return scheme.id, applicants, ctx


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


def _version_of(engine, product_id: int) -> int:
    from catalog.models import ProductVersion
    with engine.connect() as c:
        return c.execute(sa.select(ProductVersion.id).where(ProductVersion.product_id == product_id)
                         .order_by(ProductVersion.id.desc())).scalars().first()


def _backfill_usage(engine, scheme_id: int) -> None:
    """The usage rows of vouchers inserted with Core, as migration 0011 back-fills them."""
    with engine.begin() as c:
        if not sa.inspect(c).has_table("voucher_usage"):
            return  # the code before usage rows (a comparison run)
        c.execute(sa.text("DELETE FROM voucher_usage WHERE scheme_id = :s"), {"s": scheme_id})
        for dimension, column in (("enterprise", "CAST(enterprise_id AS VARCHAR(20))"),
                                  ("provider", "CAST(provider_id AS VARCHAR(20))"), ("city", "city")):
            c.execute(sa.text(f"INSERT INTO voucher_usage (scheme_id, dimension, holder, amount) "
                              f"SELECT scheme_id, '{dimension}', {column}, SUM(COALESCE(final_amount, face_value)) "
                              f"FROM voucher WHERE scheme_id = :s AND status IN ('reserved','issued','redeemed',"
                              f"'settled') GROUP BY scheme_id, {column}"), {"s": scheme_id})


def seed_vouchers(engine, scheme_id: int, ctx: dict, enterprise_ids: list[int], count: int, *, status: str,
                  face: int, applied_at: dt.datetime, lines: bool) -> None:
    """``count`` vouchers (and their contracts, with a line each if ``lines``) inserted with Core."""
    from vouchers.models import Contract, ContractLine, Voucher
    K, CL, V = Contract.__table__, ContractLine.__table__, Voucher.__table__
    version = _version_of(engine, ctx["product"])
    step = 10_000
    for start in range(0, count, step):
        rows = range(start, min(count, start + step))
        with engine.begin() as c:
            ids = list(c.execute(sa.insert(K).returning(K.c.id, sort_by_parameter_order=True), [
                {"provider_id": ctx["provider"], "enterprise_id": enterprise_ids[i % len(enterprise_ids)],
                 "signed_on": dt.date(2026, 2, 1), "amount": 10_000_00, "created_by": ctx["admin"],
                 "created_at": NOW} for i in rows]).scalars())
            if lines:
                c.execute(sa.insert(CL), [{"contract_id": cid, "line_no": 1, "product_id": ctx["product"],
                                           "version_id": version, "quantity": "10", "unit_price": 1000_00,
                                           "amount": 10_000_00} for cid in ids])
            c.execute(sa.insert(V), [
                {"scheme_id": scheme_id, "contract_id": cid, "enterprise_id": enterprise_ids[i % len(enterprise_ids)],
                 "provider_id": ctx["provider"], "city": "佛山", "status": status,
                 "waitlist_reason": "budget" if status == "waitlisted" else None, "face_value": face,
                 "final_amount": face if status == "redeemed" else None, "breakdown_json": "{}", "settings_version": 1,
                 "applied_at": applied_at + dt.timedelta(microseconds=i), "applied_by": ctx["admin"],
                 "expires_on": dt.date(2026, 12, 31)} for i, cid in zip(rows, ids)])
    _backfill_usage(engine, scheme_id)


def run_history(kind: str, history: int, m: int) -> tuple[float, float]:
    """(applications/s, statements per application) after ``history`` earlier vouchers."""
    engine, drop = fresh_database(kind)
    try:
        uowf = UowFactory(engine)
        scheme_id, applicants, ctx = setup(uowf, m, budget_fen=m * 3_000_00 + history * 100)
        seed_vouchers(engine, scheme_id, ctx, [a.org_id for a, _ in applicants], history, status="redeemed", face=100,
                      applied_at=NOW - dt.timedelta(days=1), lines=False)
        with engine.begin() as c:  # fresh planner statistics, as autovacuum would have them
            c.exec_driver_sql("ANALYZE")
        with Statements(engine) as counted:
            apply_s, outcomes = run_applications(uowf, scheme_id, applicants)
        return m / apply_s, counted.n / m
    finally:
        drop()


PDF, PNG, JPEG = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xd8\xff\xe0\x00\x10JFIF"


def run_waiting(kind: str, waiting: int, k: int) -> tuple[float, float, int]:
    """(ms per claim approval, statements per approval, vouchers still waiting) with ``waiting``
    vouchers queued for the budget behind ``k`` issued, claimed vouchers."""
    import io
    import tempfile

    from claims import evidence
    from claims import service as claims
    from parties.actors import Actor
    from vouchers import redemption
    engine, drop = fresh_database(kind)
    try:
        uowf = UowFactory(engine)
        scheme_id, applicants, ctx = setup(uowf, k, budget_fen=k * 3_000_00)
        reviewer = Actor(ctx["reviewer"], ctx["authority"], org_city="广州", is_staff=True)
        folder = tempfile.mkdtemp()
        claim_ids = []
        for n, (actor, contract_id) in enumerate(applicants):
            v = uowf.run(lambda u: applications.apply(u, actor=actor, scheme_id=scheme_id, contract_id=contract_id))
            uowf.run(lambda u: applications.approve(u, actor=reviewer, voucher_id=v.id))
            ids = []
            for kind_, head in (("invoice", PDF), ("payment_proof", PNG), ("acceptance_report", JPEG)):
                with uowf() as u:
                    ids.append(evidence.store(u, uploader=evidence.Uploader(actor.user_id, actor.org_id), kind=kind_,
                                              filename="f", stream=io.BytesIO(head + f"{n}".encode()),
                                              directory=folder, max_bytes=10_000).id)
            claim = uowf.run(lambda u: redemption.submit(
                u, actor=Actor(actor.user_id, actor.org_id), voucher_id=v.id, invoice_amount=10_000_00,
                paid_amount=9_500_00, evidence_ids=ids))
            claim_ids.append(claim.id)
        seed_vouchers(engine, scheme_id, ctx, [a.org_id for a, _ in applicants], waiting, status="waitlisted",
                      face=3_000_00, applied_at=NOW + dt.timedelta(seconds=1), lines=True)
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
        with Statements(engine) as counted:
            t = time.perf_counter()
            for claim_id in claim_ids:
                uowf.run(lambda u: claims.approve(u, actor=reviewer, claim_id=claim_id))
            elapsed = time.perf_counter() - t
        with uowf.reader() as s:
            from vouchers.models import Voucher
            still = s.execute(sa.select(sa.func.count()).select_from(Voucher)
                              .where(Voucher.status == "waitlisted")).scalar()
        return elapsed / k * 1000, counted.n / k, still
    finally:
        drop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--databases", default="sqlite,postgresql")
    ap.add_argument("--parts", default="rate,history,waiting")
    ap.add_argument("--history", default="1000,50000")
    ap.add_argument("--m", type=int, default=500, help="applications timed after each history")
    ap.add_argument("--waiting", default="0,10000")
    ap.add_argument("--k", type=int, default=30, help="claim approvals timed for each waitlist length")
    args = ap.parse_args()
    clock.set_clock(lambda: NOW)
    parts = args.parts.split(",")
    print(f"load average at start: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    for kind in args.databases.split(","):
        if "rate" in parts:
            print(f"\n[{kind}] {args.n} applications (half fit the budget, half are waitlisted)")
            engine, drop = fresh_database(kind)
            uowf = UowFactory(engine)
            t0 = time.perf_counter()
            scheme_id, applicants, _ = setup(uowf, args.n)
            setup_s = time.perf_counter() - t0
            with Statements(engine) as counted:
                apply_s, outcomes = run_applications(uowf, scheme_id, applicants)
            with uowf.reader() as s:
                ok = ledger.verify(s).ok
            engine2, drop2 = fresh_database(kind)
            ledger_s = run_ledger_singles(engine2, args.n)
            print(f"  (setup of orgs, users and contracts: {setup_s:.1f} s)")
            print(f"  applications through the service : {args.n / apply_s:>8,.0f} /s ({apply_s:.2f} s) {outcomes}")
            print(f"  ledger alone, 1 journal per txn  : {args.n / ledger_s:>8,.0f} /s ({ledger_s:.2f} s)")
            print(f"  ratio applications / ledger      : {ledger_s / apply_s:>8.0%}   ledger verify ok={ok}")
            print(f"  statements per application       : {counted.n / args.n:>8.1f}")
            drop()
            drop2()
        if "history" in parts:
            sizes = [int(x) for x in args.history.split(",")]
            rates = {}
            for h in sizes:
                rate, per = run_history(kind, h, args.m)
                rates[h] = rate
                print(f"[{kind}] {args.m} applications after {h:>6,} earlier vouchers: {rate:>7,.0f} /s, "
                      f"{per:.1f} statements each", flush=True)
            print(f"[{kind}] rate at {sizes[-1]:,} / rate at {sizes[0]:,}: {rates[sizes[-1]] / rates[sizes[0]]:.0%}"
                  f"   (goal >= 90 %)")
        if "waiting" in parts:
            sizes = [int(x) for x in args.waiting.split(",")]
            times = {}
            for w in sizes:
                ms, per, still = run_waiting(kind, w, args.k)
                times[w] = ms
                print(f"[{kind}] claim approval with {w:>6,} waiting: {ms:6.1f} ms, {per:.1f} statements each "
                      f"({still:,} still waiting)", flush=True)
            print(f"[{kind}] approval time at {sizes[-1]:,} waiting / at {sizes[0]:,}: "
                  f"{times[sizes[-1]] / times[sizes[0]]:.2f}x   (goal <= 2x)")


if __name__ == "__main__":
    main()
