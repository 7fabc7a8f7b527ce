"""The demo pilot part way to its task book: an experience centre and one type of benchmark case
recorded by its lead, no enterprise on the platform yet. Re-runnable."""
from __future__ import annotations

import datetime as dt

from sqlmodel import select

from clusters import performance
from clusters import service as clusters
from clusters.models import BenchmarkCase, Cluster, ExperienceCentre
from kernel import clock
from parties.actors import Actor


def load_demo_task_book(uow_factory, orgs: dict[str, int], users: dict[str, int]) -> list[str]:
    lead = Actor(users["provider"], orgs["platform"])
    with uow_factory() as u:
        cluster = u.session.exec(select(Cluster).where(Cluster.lead_org_id == orgs["platform"])
                                 .order_by(Cluster.id)).first()
    if cluster is None:
        return []
    with uow_factory() as u:
        has_centre = u.session.exec(select(ExperienceCentre.id).where(ExperienceCentre.cluster_id == cluster.id)).first()
        has_case = u.session.exec(select(BenchmarkCase.id).where(BenchmarkCase.cluster_id == cluster.id)).first()
    if has_centre is None:
        opened = min(clock.today(), dt.date(clock.today().year, 1, 15))
        uow_factory.run(lambda u: clusters.record_experience_centre(
            u, actor=lead, cluster_id=cluster.id, name="西樵建筑陶瓷数字化转型体验展示中心", opened_on=opened))
    if has_case is None:
        uow_factory.run(lambda u: clusters.record_benchmark_case(
            u, actor=lead, cluster_id=cluster.id, title="辊道窑能耗在线优化", case_type="智能制造"))
    with uow_factory() as u:
        seen = performance.read(u.session, cluster, clock.today())
    figures = ", ".join(f"{name} {seen[name]}/{target}" for name, target in seen["targets"].items())
    return [f"  cluster {cluster.id} task book: {figures}"]
