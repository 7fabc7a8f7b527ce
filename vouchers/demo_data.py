"""Demo schemes for the current year, a cluster pilot with its alliance, and the POLICY.md §6
worked example as a signed contract with a voucher applied for. Re-runnable."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import select

from catalog.models import Product, ProductVersion
from clusters import service as clusters
from clusters.models import Cluster
from kernel import clock
from kernel.money import format_fen
from parties.actors import Actor
from schemes import budget
from schemes import service as schemes
from schemes.models import Scheme
from vouchers import applications, contracts
from vouchers.models import Contract, Voucher

SCHEMES = [
    ("cloud", "{year}年上云上平台服务券", 50_000_000_00),
    ("financing", "{year}年融资上云服务券", 10_000_000_00),
    ("talent", "{year}年人才上云服务券", 5_000_000_00),
]
WORKED = [("工业级5G CPE网关", 10, 1000_00), ("边缘计算MEC服务器", 1, 150000_00), ("5G企业内网深度覆盖", 2000, 20_00)]


def load_demo_vouchers(uow_factory, orgs: dict[str, int], users: dict[str, int]) -> list[str]:
    year = clock.today().year
    # open since 1 January, or for the last 60 days early in January: the demo's claim past
    # publicity (yunquan.demo_cycle) was applied for and approved three weeks ago
    opens = min(dt.date(year, 1, 1), clock.today() - dt.timedelta(days=60))
    out = []
    scheme_ids = {}
    for kind, name, amount in SCHEMES:
        name = name.format(year=year)
        with uow_factory() as u:
            found = u.session.exec(select(Scheme).where(Scheme.name == name, Scheme.year == year)).first()
        if found is None:
            with uow_factory() as u:
                found = schemes.create(u, actor_id=users["admin"], kind=kind, name=name, year=year, budget_fen=amount,
                                       apply_from=opens, apply_to=dt.date(year, 12, 31),
                                       redeem_from=opens, redeem_to=dt.date(year + 1, 6, 30))
        scheme_ids[kind] = found.id
        out.append(f"  scheme {found.id:<3} {kind:<9} {name}  budget {format_fen(amount)}")

    with uow_factory() as u:
        cluster = u.session.exec(select(Cluster).where(Cluster.lead_org_id == orgs["platform"])).first()
    if cluster is None:
        with uow_factory() as u:
            cluster = clusters.create(u, name="佛山南海建筑陶瓷产业集群数字化转型试点", industry="建筑陶瓷",
                                      starting_area="南海区西樵镇", city="佛山", lead_org_id=orgs["platform"], year=year)
        for key, role in (("operator", "partner"), ("integrator", "partner"), ("maker", "partner"),
                          ("ceramics", "enterprise")):
            with uow_factory() as u:
                clusters.add_member(u, cluster_id=cluster.id, org_id=orgs[key], role=role)
    out.append(f"  cluster {cluster.id} {cluster.name} (lead: platform; partners: operator, integrator, maker)")

    with uow_factory() as u:
        contract = u.session.exec(select(Contract).where(Contract.enterprise_id == orgs["ceramics"],
                                                         Contract.provider_id == orgs["operator"])).first()
        product_ids = {name: pid for name, pid in u.session.exec(
            select(ProductVersion.name, Product.id).join(Product, Product.id == ProductVersion.product_id)
            .where(Product.provider_id == orgs["operator"]))}
    if contract is None:
        with uow_factory() as u:
            contract, _ = contracts.record(
                u, actor_id=users["operator"], provider_id=orgs["operator"], enterprise_id=orgs["ceramics"],
                signed_on=min(clock.today(), dt.date(year, 11, 1)),
                lines=[{"product_id": product_ids[n], "quantity": Decimal(q), "unit_price": p} for n, q, p in WORKED])
    with uow_factory() as u:
        voucher = u.session.exec(select(Voucher).where(Voucher.contract_id == contract.id)).first()
    if voucher is None:
        voucher = uow_factory.run(lambda u: applications.apply(
            u, actor=Actor(users["enterprise"], orgs["ceramics"]), scheme_id=scheme_ids["cloud"],
            contract_id=contract.id))
    with uow_factory() as u:
        b = budget.read(u.session, scheme_ids["cloud"])
    out.append(f"  contract {contract.id} (worked example, amount {format_fen(contract.amount)}) -> voucher "
               f"{voucher.id} {voucher.status}, face value {format_fen(voucher.face_value)}")
    out.append(f"  cloud budget: available {format_fen(b.available)}, reserved {format_fen(b.reserved)}")
    return ["demo schemes, cluster and a worked-example voucher:"] + out
