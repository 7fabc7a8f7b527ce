"""Approvals, registrations and assessments at once: the row locks keep the limits.

On PostgreSQL these run in parallel on their own connections and serialise on the lead's row (lead
limits) or the pilot's row (one assessment a year); on SQLite BEGIN IMMEDIATE serialises them."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from clusters import applications, assessment
from clusters import service as clusters
from clusters.errors import AssessmentExists, LeadLimitExceeded
from clusters.models import Cluster, ClusterAssessment
from parties.actors import Actor
from yunquan.db import UowFactory, make_engine


def _factory(db, workers: int):
    url = db.url.render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=workers, max_overflow=0) if db.dialect.name == "postgresql" else db
    return engine, UowFactory(engine)


def _run_all(db, jobs):
    engine, factory = _factory(db, len(jobs))

    def run(job):
        try:
            factory.run(job)
            return "done"
        except (LeadLimitExceeded, AssessmentExists) as exc:
            return exc.code
    try:
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            return list(pool.map(run, jobs))
    finally:
        if engine is not db:
            engine.dispose()


def _count(db, model, *where) -> int:
    with db.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(model.__table__).where(*where)).scalar()


def _actor(world, org, role):
    return Actor(world.user(role, org)[0], org.id)


def test_approvals_and_registrations_at_once_never_take_a_platform_past_three_pilots_a_year(db, world, uow_factory, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    lead = world.org("provider", provider_class="national_platform")
    actor = _actor(world, lead, "provider")
    area = [world.org("authority", city="佛山", level="area", area=f"镇{i}") for i in range(3)]
    city = world.org("authority", city="佛山", level="city")
    province = world.org("authority", city="广州")
    ids = []
    for i in range(3):
        app = uow_factory.run(lambda u, i=i: applications.draft(u, actor=actor, name=f"集群{i}", industry="纺织",
                                                                 starting_area=f"镇{i}", city="佛山", year=2026))
        uow_factory.run(lambda u: applications.submit(u, actor=actor, application_id=app.id))
        uow_factory.run(lambda u, i=i: applications.advance(u, actor=_actor(world, area[i], "reviewer"),
                                                            application_id=app.id, action="recommend"))
        uow_factory.run(lambda u: applications.advance(u, actor=_actor(world, city, "reviewer"),
                                                       application_id=app.id, action="review"))
        ids.append(app.id)
    approver = _actor(world, province, "reviewer")
    jobs = [lambda u, a=a: applications.advance(u, actor=approver, application_id=a, action="approve") for a in ids]
    jobs += [lambda u, i=i: clusters.create(u, name=f"登记{i}", industry="纺织", starting_area=f"园{i}", city="佛山",
                                            lead_org_id=lead.id, year=2026) for i in range(3)]
    outcomes = _run_all(db, jobs)
    assert outcomes.count("done") == 3 and outcomes.count("LEAD_LIMIT_EXCEEDED") == 3, outcomes
    assert _count(db, Cluster, Cluster.lead_org_id == lead.id, Cluster.status == "active") == 3


def test_ten_assessments_of_one_pilot_and_year_at_once_record_one(db, world, uow_factory, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    lead = world.org("provider", provider_class="other")
    cluster = uow_factory.run(lambda u: clusters.create(u, name="集群", industry="纺织", starting_area="西樵镇",
                                                        city="佛山", lead_org_id=lead.id, year=2026))
    province = _actor(world, world.org("authority", city="广州"), "reviewer")
    jobs = [lambda u: assessment.assess(u, actor=province, cluster_id=cluster.id, year=2026) for _ in range(10)]
    outcomes = _run_all(db, jobs)
    assert outcomes.count("done") == 1 and outcomes.count("ASSESSMENT_EXISTS") == 9, outcomes
    assert _count(db, ClusterAssessment, ClusterAssessment.cluster_id == cluster.id) == 1
