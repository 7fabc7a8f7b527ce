"""Talent claim and pilot performance benchmark: N talent claims of K trainees each through the
service, against the ledger's own posting rate measured in the same run; then the live performance
read of a pilot whose members hold those claims, against one bare aggregate over the same rows.

    .venv/bin/python bench/talent.py [--n 500] [--k 5] [--databases sqlite,postgresql]

Each claim is what the API does: one transaction that settles and locks the scheme, checks the
window and eligibility, locks the K trainees, looks for holding claims, evaluates every completion,
sums the enterprise's cap, reserves the amount and writes the claim and its K lines. Prints
figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import sqlalchemy as sa  # noqa: E402

from claims.models import Claim  # noqa: E402
from clusters import performance  # noqa: E402
from clusters import service as clusters  # noqa: E402
from kernel import clock  # noqa: E402
from ledger import service as ledger  # noqa: E402
from parties import service as organisations  # noqa: E402
from parties.actors import Actor  # noqa: E402
from parties.rules import uscc_check_digit  # noqa: E402
from schemes import service as schemes  # noqa: E402
from talent import claiming, rules  # noqa: E402
from talent import service as talent  # noqa: E402
from yunquan import users  # noqa: E402
from yunquan.bootstrap import bootstrap  # noqa: E402
from yunquan.db import UowFactory  # noqa: E402

bootstrap()
from benchdb import fresh_database  # noqa: E402
import importlib.util  # noqa: E402

# bench/vouchers.py (its baseline, the ledger alone) shares its name with the vouchers package
_spec = importlib.util.spec_from_file_location("bench_vouchers", os.path.join(os.path.dirname(__file__), "vouchers.py"))
bench_vouchers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_vouchers)

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)
KEY = b"bench-key-" * 4
LEVELS = ("初级", "中级", "高级")


def uscc(n: int) -> str:
    first17 = f"91440600MA{n:07d}"
    return first17 + uscc_check_digit(first17)


def resident(n: int) -> str:
    first17 = f"440605{1950 + n // 365 % 60}{(n // 28) % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    return first17 + rules.id_check_character(first17)


def setup(uowf: UowFactory, n: int, k: int):
    with uowf() as u:
        provider = organisations.register(u, kind="provider", name="平台", uscc=uscc(9_000_002), city="广州",
                                          provider_class="national_platform")
    with uowf() as u:
        admin, _ = users.create_user(u, username="admin", roles=["admin"], org_id=None)
    with uowf() as u:
        teacher, _ = users.create_user(u, username="teacher", roles=["provider"], org_id=provider.id)
    as_provider = Actor(teacher.id, provider.id)
    with uowf() as u:
        scheme = schemes.create(u, actor_id=admin.id, kind="talent", name="bench", year=2026,
                                budget_fen=n * k * 3_000_00, apply_from=dt.date(2026, 1, 1),
                                apply_to=dt.date(2026, 12, 31), redeem_from=dt.date(2026, 1, 1),
                                redeem_to=dt.date(2026, 12, 31))
    with uowf() as u:
        training = talent.create_training(u, actor=as_provider, title="实训", tracks=[], online_hours_min=40,
                                          offline_hours_min=16, fee=3500_00)
    with uowf() as u:
        cluster = clusters.create(u, name="试点", industry="陶瓷", starting_area="西樵镇", city="佛山",
                                  lead_org_id=provider.id, year=2026)
    claimants = []
    for i in range(n):
        with uowf() as u:
            ent = organisations.register(u, kind="enterprise", name=f"企业{i}", uscc=uscc(i), city="佛山",
                                         founded_on=dt.date(2015, 1, 1), prior_year_revenue=100_000_00)
        with uowf() as u:
            user, _ = users.create_user(u, username=f"e{i}", roles=["enterprise"], org_id=ent.id)
        with uowf() as u:
            clusters.add_member(u, cluster_id=cluster.id, org_id=ent.id, role="enterprise")
        actor, ids = Actor(user.id, ent.id), []
        for j in range(k):
            with uowf() as u:
                trainee = talent.enrol(u, actor=actor, training_id=training.id, name=f"学员{j}",
                                       id_number=resident(i * k + j), key=KEY)
            with uowf() as u:
                talent.record_completion(u, actor=as_provider, trainee_id=trainee.id, online_hours=40,
                                         offline_hours=16, certificate_level=LEVELS[j % 3], fee_paid=3500_00)
            ids.append(trainee.id)
        claimants.append((actor, ids))
    return scheme.id, cluster.id, claimants


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--databases", default="sqlite,postgresql")
    args = ap.parse_args()
    clock.set_clock(lambda: NOW)
    print(f"talent benchmark: {args.n} claims of {args.k} trainees each; a pilot with {args.n} member enterprises")
    for kind in args.databases.split(","):
        engine, drop = fresh_database(kind)
        uowf = UowFactory(engine)
        t0 = time.perf_counter()
        scheme_id, cluster_id, claimants = setup(uowf, args.n, args.k)
        setup_s = time.perf_counter() - t0
        t = time.perf_counter()
        for actor, ids in claimants:
            uowf.run(lambda u: claiming.submit(u, actor=actor, scheme_id=scheme_id, trainee_ids=ids))
        claim_s = time.perf_counter() - t
        with uowf.reader() as s:
            cluster = clusters.get(s, cluster_id)
            reads = 50
            t = time.perf_counter()
            for _ in range(reads):
                seen = performance.read(s, cluster, NOW.date())
            read_s = (time.perf_counter() - t) / reads
            t = time.perf_counter()
            for _ in range(reads):
                s.execute(sa.select(sa.func.sum(Claim.final_amount))).scalar()
            bare_s = (time.perf_counter() - t) / reads
            ok = ledger.verify(s).ok
        engine2, drop2 = fresh_database(kind)
        ledger_s = bench_vouchers.run_ledger_singles(engine2, args.n)
        print(f"\n[{kind}]  (setup of orgs, users, trainees and completions: {setup_s:.1f} s)")
        print(f"  talent claims through the service : {args.n / claim_s:>8,.0f} /s ({claim_s:.2f} s)")
        print(f"  ledger alone, 1 journal per txn   : {args.n / ledger_s:>8,.0f} /s ({ledger_s:.2f} s)")
        print(f"  ratio claims / ledger             : {ledger_s / claim_s:>8.0%}   ledger verify ok={ok}")
        print(f"  performance read                  : {read_s * 1000:>8.1f} ms   (one bare SUM over the claims: "
              f"{bare_s * 1000:.1f} ms; {seen['member_enterprises']} members)")
        drop()
        drop2()


if __name__ == "__main__":
    main()
