"""Cluster pilots (产业集群试点) and their alliances (产业联合体)."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch, locked
from clusters import rules
from clusters.errors import ClusterNotFound, DuplicateMember, DuplicateRecord, LeadLimitExceeded
from clusters.models import BenchmarkCase, Cluster, ClusterMember, ExperienceCentre, PilotApplication
from kernel import clock, text
from kernel.errors import Forbidden, InvalidState, ValidationError
from parties import service as organisations
from parties.actors import Actor
from parties.models import Organisation
from parties.rules import normalise_city

MEMBER_ROLES = ("partner", "enterprise")


def create(uow, *, name: str, industry: str, starting_area: str, city: str, lead_org_id: int, year: int) -> Cluster:
    """A pilot with exactly one starting area. Lead limits (``rules.lead_limit``): a national
    platform leads at most three active pilots a year, any other provider one active pilot. The
    lead's row is locked first, so two pilots created at once for one lead are counted one after
    the other."""
    for field, value in (("name", name), ("industry", industry)):
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{field} is required", field=field)
        text.check_name(value, field=field)
    starting_area = rules.one_starting_area(starting_area)
    city = normalise_city(city)
    text.check_name(starting_area, field="starting_area")
    cluster = new_cluster(uow.session, name=name.strip(), industry=industry.strip(), starting_area=starting_area,
                          city=city, lead_org_id=lead_org_id, year=year)
    uow.commit()
    return cluster


def check_lead_limit(s, lead: Organisation, year: int, *, in_flight: int = 0) -> None:
    """LEAD_LIMIT_EXCEEDED when ``lead`` already leads as many active pilots as it may (for a
    national platform: in ``year``), counting ``in_flight`` applications on their way as pilots.
    The lead's row is locked first, so two pilots for one lead are counted one after the other."""
    s.exec(locked(select(Organisation).where(Organisation.id == lead.id))).one()
    limit = rules.lead_limit(lead.provider_class)
    counted = [Cluster.lead_org_id == lead.id, Cluster.status == "active"]
    if limit.per_year:
        counted.append(Cluster.year == year)
    led = s.exec(select(sa.func.count()).select_from(Cluster).where(*counted)).one()
    if led + in_flight >= limit.limit:
        scope = f"in {year}" if limit.per_year else "at a time"
        details = {"lead_org_id": lead.id, "provider_class": lead.provider_class, "limit": limit.limit,
                   "per_year": limit.per_year, "leads": led}
        if in_flight:
            details["applications_in_flight"] = in_flight
        raise LeadLimitExceeded(f"{lead.name} already leads {led} pilot(s) {scope}"
                                + (f" and has {in_flight} application(s) on their way" if in_flight else "")
                                + f"; the limit is {limit.limit}", details=details)


def new_cluster(s, *, name: str, industry: str, starting_area: str, city: str, lead_org_id: int, year: int,
                application_id: int | None = None) -> Cluster:
    """Add an active pilot and its lead as a partner, within the lead limits (no commit)."""
    lead = organisations.get(s, lead_org_id)
    if lead.kind != "provider":
        raise ValidationError("the lead unit must be a provider", field="lead_org_id")
    check_lead_limit(s, lead, year)
    cluster = Cluster(name=name, industry=industry, starting_area=starting_area, city=city, lead_org_id=lead.id,
                      year=year, status="active", application_id=application_id)
    s.add(cluster)
    s.flush()
    s.add(ClusterMember(cluster_id=cluster.id, org_id=lead.id, role="partner"))
    return cluster


def get(session, cluster_id: int, *, lock: bool = False) -> Cluster:
    return fetch(session, Cluster, cluster_id, lock=lock, missing=ClusterNotFound, what="cluster")


def add_member(uow, *, cluster_id: int, org_id: int, role: str) -> ClusterMember:
    if role not in MEMBER_ROLES:
        raise ValidationError(f"role must be one of {', '.join(MEMBER_ROLES)}", field="role")
    s = uow.session
    get(s, cluster_id)
    org = organisations.get(s, org_id)
    if role == "enterprise" and org.kind != "enterprise":
        raise ValidationError("an enterprise member must be an enterprise", field="org_id")
    if role == "partner" and org.kind == "enterprise":
        raise ValidationError("alliance partners are providers, makers or financiers", field="org_id")
    if s.exec(select(ClusterMember).where(ClusterMember.cluster_id == cluster_id,
                                          ClusterMember.org_id == org_id)).first():
        raise DuplicateMember("already a member of this pilot")
    member = ClusterMember(cluster_id=cluster_id, org_id=org_id, role=role)
    s.add(member)
    uow.commit()
    return member


def in_alliance(session, *, lead_id: int, partner_id: int) -> bool:
    """May ``lead_id`` sign contracts with products of ``partner_id``? Yes for its own products and
    for those of partners in an active pilot it leads: a cancelled pilot (取消试点资格) no longer
    lends its partners' products to new contracts."""
    if lead_id == partner_id:
        return True
    return session.exec(
        select(ClusterMember.id).join(Cluster, Cluster.id == ClusterMember.cluster_id)
        .where(Cluster.lead_org_id == lead_id, ClusterMember.org_id == partner_id, ClusterMember.role == "partner",
               Cluster.status == "active")
    ).first() is not None


def alliance_providers(session, cluster_id: int) -> list[int]:
    """The lead and the partner providers of a pilot: whose products its enterprises can buy."""
    cluster = get(session, cluster_id)
    partners = session.exec(select(ClusterMember.org_id).join(Organisation, Organisation.id == ClusterMember.org_id)
                            .where(ClusterMember.cluster_id == cluster_id, ClusterMember.role == "partner",
                                   Organisation.kind == "provider")).all()
    return sorted({cluster.lead_org_id, *partners})


# --- the task book: what the lead unit records --------------------------------------------------

def _lead_record(uow, *, actor: Actor, cluster_id: int) -> Cluster:
    cluster = get(uow.session, cluster_id, lock=True)
    if actor.org_id != cluster.lead_org_id:
        raise Forbidden("only the pilot's lead unit records its task book", details={"lead_org_id": cluster.lead_org_id})
    if cluster.status != "active":
        raise InvalidState(f"the pilot is {cluster.status}", details={"status": cluster.status})
    return cluster


def _title(value, field: str, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} is required", field=field)
    value = " ".join(value.split())
    if len(value) > max_chars:
        raise ValidationError(f"{field} has at most {max_chars} characters", field=field)
    return value


def record_experience_centre(uow, *, actor: Actor, cluster_id: int, name: str, opened_on: dt.date) -> ExperienceCentre:
    """体验展示中心. Opened on a day that has come (a plan is not a centre); one name once per pilot."""
    name = _title(name, "name", 200)
    if opened_on > clock.today():
        raise ValidationError("opened_on is in the future: record a centre once it is open", field="opened_on")
    cluster = _lead_record(uow, actor=actor, cluster_id=cluster_id)
    s = uow.session
    if s.exec(select(ExperienceCentre.id).where(ExperienceCentre.cluster_id == cluster.id,
                                                ExperienceCentre.name == name)).first() is not None:
        raise DuplicateRecord("this pilot has recorded an experience centre of that name", details={"name": name})
    row = ExperienceCentre(cluster_id=cluster.id, name=name, opened_on=opened_on, recorded_by=actor.user_id)
    s.add(row)
    uow.commit()
    return row


def record_benchmark_case(uow, *, actor: Actor, cluster_id: int, title: str, case_type: str) -> BenchmarkCase:
    """标杆案例 with its type (free text: 智能制造, 供应链协同, …); one title once per pilot."""
    title = _title(title, "title", 200)
    case_type = _title(case_type, "case_type", 50)
    cluster = _lead_record(uow, actor=actor, cluster_id=cluster_id)
    s = uow.session
    if s.exec(select(BenchmarkCase.id).where(BenchmarkCase.cluster_id == cluster.id,
                                             BenchmarkCase.title == title)).first() is not None:
        raise DuplicateRecord("this pilot has recorded a benchmark case of that title", details={"title": title})
    row = BenchmarkCase(cluster_id=cluster.id, title=title, case_type=case_type, recorded_by=actor.user_id)
    s.add(row)
    uow.commit()
    return row


# --- reading ------------------------------------------------------------------------------------

def check_reader(cluster: Cluster, actor: Actor) -> None:
    """Staff and the lead unit read a pilot."""
    if not actor.is_staff and actor.org_id != cluster.lead_org_id:
        raise Forbidden("a pilot is read by staff and its lead unit")


def view(session, cluster: Cluster) -> dict:
    """The pilot with its members and its task book as recorded."""
    members = session.exec(select(ClusterMember.org_id, ClusterMember.role, Organisation.name, Organisation.kind)
                           .join(Organisation, Organisation.id == ClusterMember.org_id)
                           .where(ClusterMember.cluster_id == cluster.id).order_by(ClusterMember.id)).all()
    centres = session.exec(select(ExperienceCentre).where(ExperienceCentre.cluster_id == cluster.id)
                           .order_by(ExperienceCentre.id)).all()
    cases = session.exec(select(BenchmarkCase).where(BenchmarkCase.cluster_id == cluster.id)
                         .order_by(BenchmarkCase.id)).all()
    declared = []
    if cluster.application_id is not None:
        application = session.get(PilotApplication, cluster.application_id)
        declared = json.loads(application.targets_json) if application is not None else []
    return {**{k: getattr(cluster, k) for k in ("id", "name", "industry", "starting_area", "city", "lead_org_id",
                                                 "year", "status", "application_id")},
            "members": [{"org_id": m.org_id, "name": m.name, "kind": m.kind, "role": m.role} for m in members],
            "task_book": {"targets": dict(rules.TARGETS), "declared_targets": declared,
                          "experience_centres": [{"id": c.id, "name": c.name, "opened_on": c.opened_on}
                                                 for c in centres],
                          "benchmark_cases": [{"id": c.id, "title": c.title, "case_type": c.case_type}
                                              for c in cases]}}
