"""A pilot's performance, read live from the data: the task book (绩效任务书) against its targets,
and the money that reached its enterprises.

What is counted (every figure as of today; a read never writes):
- ``experience_centres``: centres the lead unit recorded.
- ``benchmark_cases``: the number of distinct case types among the recorded cases (the task book
  asks for "2个以上不同类型标杆案例"); ``benchmark_cases_recorded`` counts the cases themselves.
- ``enterprises_on_platform``: member enterprises with at least one cloud-voucher claim that was
  paid (the bank statement matched it: status ``paid``) on a contract signed with the pilot's
  lead or one of its partner providers. A paid claim means the contract was accepted (the
  acceptance report is part of its evidence) and settled; a contract with another provider
  does not put an enterprise on this pilot's platform.
- money, of member enterprises: cloud vouchers issued on alliance contracts (count and face value
  of vouchers issued and not expired, rejected or lapsed), and for each scheme kind the claims a
  reviewer approved (in publicity, payable, in a batch or paid) and those paid. Cloud claims are
  those on alliance contracts; financing rewards and talent claims are every claim of a member.

The claims are read from the ``claims`` tables by the kind of their scheme; cloud vouchers that were
issued live in ``vouchers``, which sits above this package and registers what it counts
(``on_figures``) at start-up.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import one_of
from claims.models import Claim
from clusters import rules
from clusters.models import BenchmarkCase, Cluster, ClusterMember, ExperienceCentre
from parties.models import Organisation
from schemes.models import Scheme

APPROVED = ("publicity", "payable", "in_batch", "paid")  # approved by a reviewer and not sent back


@dataclass(frozen=True)
class PilotScope:
    """Whose data a pilot's performance reads: its member enterprises and its alliance's providers."""
    cluster_id: int
    enterprises: tuple[int, ...]
    providers: tuple[int, ...]
    today: dt.date


# (session, scope) -> {figure name: integer}; money in fen.
Figures = Callable[..., dict[str, int]]
_figures: list[Figures] = []


def on_figures(fn: Figures) -> None:
    """Register what a higher package counts for a pilot (at start-up; twice is harmless)."""
    if fn not in _figures:
        _figures.append(fn)


def scope_of(session, cluster: Cluster, today: dt.date) -> PilotScope:
    rows = session.exec(select(ClusterMember.org_id, ClusterMember.role, Organisation.kind)
                        .join(Organisation, Organisation.id == ClusterMember.org_id)
                        .where(ClusterMember.cluster_id == cluster.id)).all()
    enterprises = sorted({r.org_id for r in rows if r.role == "enterprise"})
    providers = sorted({cluster.lead_org_id} | {r.org_id for r in rows if r.role == "partner" and r.kind == "provider"})
    return PilotScope(cluster.id, tuple(enterprises), tuple(providers), today)


def _count(session, model, cluster_id: int) -> int:
    return session.exec(select(sa.func.count()).select_from(model).where(model.cluster_id == cluster_id)).one()


def _claims(session, scope: PilotScope, scheme_kind: str, *conditions):
    where = [one_of(session, Claim.enterprise_id, list(scope.enterprises)), Scheme.kind == scheme_kind, *conditions]
    if scheme_kind == "cloud":
        where.append(one_of(session, Claim.provider_id, list(scope.providers)))
    return where


def _claim_money(session, scope: PilotScope, scheme_kind: str) -> tuple[int, int]:
    """(approved, paid) for a scheme kind, in fen."""
    approved = sa.func.coalesce(sa.func.sum(sa.case((Claim.status.in_(APPROVED), Claim.final_amount), else_=0)), 0)
    paid = sa.func.coalesce(sa.func.sum(sa.case((Claim.status == "paid", Claim.final_amount), else_=0)), 0)
    row = session.exec(select(approved, paid).select_from(Claim).join(Scheme, Scheme.id == Claim.scheme_id)
                       .where(*_claims(session, scope, scheme_kind))).one()
    return int(row[0]), int(row[1])


def read(session, cluster: Cluster, today: dt.date) -> dict:
    scope = scope_of(session, cluster, today)
    types = session.exec(select(BenchmarkCase.case_type).where(BenchmarkCase.cluster_id == cluster.id)).all()
    on_platform = 0
    if scope.enterprises:
        on_platform = session.exec(
            select(sa.func.count(sa.distinct(Claim.enterprise_id))).select_from(Claim)
            .join(Scheme, Scheme.id == Claim.scheme_id).where(*_claims(session, scope, "cloud", Claim.status == "paid"))).one()
    figures = {"experience_centres": _count(session, ExperienceCentre, cluster.id),
               "benchmark_cases": len({rules.case_type_key(t) for t in types}),
               "enterprises_on_platform": on_platform}
    money = {"vouchers_issued": 0, "vouchers_face_value": 0}
    for fn in _figures:
        money.update(fn(session, scope))
    for kind, name in (("cloud", "vouchers"), ("financing", "financing_rewards"), ("talent", "talent")):
        approved, paid = _claim_money(session, scope, kind) if scope.enterprises else (0, 0)
        money[f"{name}_approved"], money[f"{name}_paid"] = approved, paid
    return {"cluster_id": cluster.id, "status": cluster.status, "as_of": today, **figures,
            "benchmark_cases_recorded": len(types), "member_enterprises": len(scope.enterprises),
            "targets": dict(rules.TARGETS), "met": rules.met(figures), "money": money}
