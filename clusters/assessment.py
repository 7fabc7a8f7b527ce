"""The yearly assessment (评估) of a pilot by the province (POLICY.md §3): the figures the service
holds are read from the data as of the day (experience centres, benchmark case types, enterprises
on the platform from ``clusters.performance``; qualified trainees and connected devices from the
packages that hold them, registered with ``on_held_figures`` at start-up), the rest are entered,
and each is compared with its target: the task book's minimums raised by what the application
declared for the year (``rules.assessment_targets``). 达标: the pilot continues; 不达标: it is
cancelled (取消试点资格) in the same transaction, which frees its lead and stops its alliance from
lending partners' products to new contracts. One assessment per pilot and year.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Callable

import sqlalchemy as sa
from sqlmodel import select

from clusters import applications, performance, rules
from clusters import service as clusters
from clusters.errors import AssessmentExists
from clusters.models import Cluster, ClusterAssessment
from kernel import clock
from kernel.errors import Forbidden, InvalidState, ValidationError
from parties.actors import Actor
from parties.models import Organisation

HeldFigures = Callable[..., dict[str, int]]  # (session, performance.PilotScope) -> {figure: int}
_held: list[HeldFigures] = []


def on_held_figures(fn: HeldFigures) -> None:
    """Register what a higher package counts for an assessment (at start-up; twice is harmless)."""
    if fn not in _held:
        _held.append(fn)


def held_figures(session, cluster: Cluster, today: dt.date) -> dict[str, int]:
    seen = performance.read(session, cluster, today)
    values = {name: seen[name] for name in rules.TARGETS}
    scope = performance.scope_of(session, cluster, today)
    values.update({name: 0 for name in rules.HELD if name not in values})
    for fn in _held:
        values.update(fn(session, scope))
    return values


def _province(s, actor: Actor) -> Organisation:
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None or org.kind != "authority":
        raise Forbidden("the province assesses pilots", details={"reason": "not_an_authority"})
    if (org.level or "province") != "province":
        raise Forbidden("the province assesses pilots", details={"reason": "wrong_level", "needs_level": "province",
                                                                 "level": org.level})
    return org


def _entered(figures, targets: dict[str, int]) -> dict[str, int]:
    figures = figures or {}
    if not isinstance(figures, dict):
        raise ValidationError("figures is an object of whole numbers", field="figures")
    for name, value in figures.items():
        if name not in rules.ENTERED:
            raise ValidationError(f"{str(name)[:50]} is not a figure entered by the province "
                                  f"(held by the service: {', '.join(rules.HELD)})", field=f"figures.{str(name)[:50]}",
                                  details={"entered": list(rules.ENTERED)})
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= rules.FIGURE_MAX:
            raise ValidationError(f"figures.{name} is a whole number from 0 to {rules.FIGURE_MAX}",
                                  field=f"figures.{name}")
    missing = [name for name in rules.ENTERED if name in targets and name not in figures]
    if missing:
        raise ValidationError("enter every figure the application declared a target for", field="figures",
                              details={"missing": missing})
    return dict(figures)


def assess(uow, *, actor: Actor, cluster_id: int, year: int, figures: dict | None = None,
           note: str | None = None) -> ClusterAssessment:
    s = uow.session
    _province(s, actor)
    cluster = clusters.get(s, cluster_id, lock=True)
    today = clock.today()
    if isinstance(year, bool) or not isinstance(year, int) or not cluster.year <= year <= today.year:
        raise ValidationError(f"year is from the pilot's year {cluster.year} to this year {today.year}", field="year")
    if s.exec(select(ClusterAssessment.id).where(ClusterAssessment.cluster_id == cluster.id,
                                                 ClusterAssessment.year == year)).first() is not None:
        raise AssessmentExists(f"the pilot was assessed for {year} already", details={"year": year})
    if cluster.status != "active":
        raise InvalidState(f"the pilot is {cluster.status}", details={"status": cluster.status})
    if note is not None and (not isinstance(note, str) or len(note) > 1000):
        raise ValidationError("note has at most 1000 characters", field="note")
    targets = rules.assessment_targets(applications.declared_targets(s, cluster.application_id, year))
    values = {**held_figures(s, cluster, today), **_entered(figures, targets)}
    lines, passed = rules.assess(values, targets)
    row = ClusterAssessment(cluster_id=cluster.id, year=year, as_of=today, figures_json=json.dumps(lines, ensure_ascii=False),
                            passed=passed, note=(note or "").strip() or None, assessed_by=actor.user_id,
                            assessed_org_id=actor.org_id)
    s.add(row)
    if not passed:
        cluster.status = "cancelled"
        s.add(cluster)
    try:
        s.flush()
    except sa.exc.IntegrityError as exc:  # the same pilot and year assessed at once
        raise AssessmentExists(f"the pilot was assessed for {year} already", details={"year": year}) from exc
    uow.commit()
    return row


def view(row: ClusterAssessment, cluster: Cluster) -> dict:
    return {"id": row.id, "cluster_id": row.cluster_id, "year": row.year, "as_of": row.as_of,
            "figures": json.loads(row.figures_json), "passed": row.passed, "note": row.note,
            "assessed_by": row.assessed_by, "assessed_org_id": row.assessed_org_id, "assessed_at": row.assessed_at,
            "status": cluster.status}


def history(session, cluster: Cluster) -> list[dict]:
    rows = session.exec(select(ClusterAssessment).where(ClusterAssessment.cluster_id == cluster.id)
                        .order_by(ClusterAssessment.year)).all()
    return [view(r, cluster) for r in rows]


def dashboard(session, *, year: int | None, status: str | None, assessment: str | None = None) -> dict:
    """The province's view: every pilot with its latest assessment, and counts by year and status."""
    q = select(Cluster, Organisation.name).join(Organisation, Organisation.id == Cluster.lead_org_id).order_by(Cluster.id)
    if year:
        q = q.where(Cluster.year == year)
    if status:
        q = q.where(Cluster.status == status)
    rows = session.exec(q).all()
    latest: dict[int, ClusterAssessment] = {}
    if rows:
        for a in session.exec(select(ClusterAssessment).where(ClusterAssessment.cluster_id.in_([c.id for c, _ in rows]))
                              .order_by(ClusterAssessment.year)):
            latest[a.cluster_id] = a
    items, counts = [], {}
    for c, lead in rows:
        a = latest.get(c.id)
        assessed = None if a is None else "passed" if a.passed else "failed"
        if assessment and (assessed or "not_assessed") != assessment:
            continue
        items.append({"id": c.id, "name": c.name, "year": c.year, "city": c.city, "starting_area": c.starting_area,
                      "lead_org_id": c.lead_org_id, "lead_name": lead, "status": c.status,
                      "application_id": c.application_id, "assessed_year": a.year if a else None,
                      "assessment": assessed})
        key = (c.year, c.status, assessed or "not_assessed")
        counts[key] = counts.get(key, 0) + 1
    return {"items": items,
            "counts": [{"year": y, "status": st, "assessment": asmt, "pilots": n}
                       for (y, st, asmt), n in sorted(counts.items())]}
