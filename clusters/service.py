"""Cluster pilots (产业集群试点) and their alliances (产业联合体)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from clusters.errors import ClusterNotFound, DuplicateMember, LeadLimitExceeded
from clusters.models import Cluster, ClusterMember
from kernel import text
from kernel.errors import ValidationError
from parties import service as organisations
from parties.models import Organisation
from parties.rules import normalise_city

MEMBER_ROLES = ("partner", "enterprise")


def create(uow, *, name: str, industry: str, starting_area: str, city: str, lead_org_id: int, year: int) -> Cluster:
    """A national platform may lead at most three pilots a year; any other provider one pilot."""
    for field, value in (("name", name), ("industry", industry), ("starting_area", starting_area)):
        if not value or not value.strip():
            raise ValidationError(f"{field} is required", field=field)
        text.check_name(value, field=field)
    s = uow.session
    lead = organisations.get(s, lead_org_id)
    if lead.kind != "provider":
        raise ValidationError("the lead unit must be a provider", field="lead_org_id")
    s.exec(select(type(lead)).where(type(lead).id == lead.id).with_for_update()).first()  # serialise leads
    if lead.provider_class == "national_platform":
        led = s.exec(select(sa.func.count()).select_from(Cluster)
                     .where(Cluster.lead_org_id == lead.id, Cluster.year == year)).one()
        limit, scope = 3, f"in {year}"
    else:
        led = s.exec(select(sa.func.count()).select_from(Cluster).where(Cluster.lead_org_id == lead.id)).one()
        limit, scope = 1, "in all"
    if led >= limit:
        raise LeadLimitExceeded(f"{lead.name} already leads {led} pilot(s) {scope}; the limit is {limit}",
                                details={"lead_org_id": lead.id, "limit": limit})
    cluster = Cluster(name=name.strip(), industry=industry.strip(), starting_area=starting_area.strip(),
                      city=normalise_city(city), lead_org_id=lead.id, year=year)
    s.add(cluster)
    s.flush()
    s.add(ClusterMember(cluster_id=cluster.id, org_id=lead.id, role="partner"))
    uow.commit()
    return cluster


def add_member(uow, *, cluster_id: int, org_id: int, role: str) -> ClusterMember:
    if role not in MEMBER_ROLES:
        raise ValidationError(f"role must be one of {', '.join(MEMBER_ROLES)}", field="role")
    s = uow.session
    if s.get(Cluster, cluster_id) is None:
        raise ClusterNotFound(f"cluster {cluster_id} not found", details={"cluster_id": cluster_id})
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
    for those of partners in a pilot it leads."""
    if lead_id == partner_id:
        return True
    return session.exec(
        select(ClusterMember.id).join(Cluster, Cluster.id == ClusterMember.cluster_id)
        .where(Cluster.lead_org_id == lead_id, ClusterMember.org_id == partner_id, ClusterMember.role == "partner")
    ).first() is not None


def alliance_providers(session, cluster_id: int) -> list[int]:
    """The lead and the partner providers of a pilot: whose products its enterprises can buy."""
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        raise ClusterNotFound(f"cluster {cluster_id} not found", details={"cluster_id": cluster_id})
    partners = session.exec(select(ClusterMember.org_id).join(Organisation, Organisation.id == ClusterMember.org_id)
                            .where(ClusterMember.cluster_id == cluster_id, ClusterMember.role == "partner",
                                   Organisation.kind == "provider")).all()
    return sorted({cluster.lead_org_id, *partners})
