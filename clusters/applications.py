"""Pilot applications (申报书, POLICY.md §3 "Applying for a pilot"): the lead unit drafts and
submits; the starting area's government recommends (推荐), the city's authority reviews (审核), the
province approves (批准), which creates the pilot with its alliance; any of them may return it with
a reason. Every step is recorded (who, which organisation and level, when, why).

Only an authority of the level the application waits for, and of its place (the area's government
of its starting area, the authority of its city), may act: ``FORBIDDEN`` with ``details.reason``
``not_an_authority``, ``wrong_level`` or ``wrong_place`` otherwise. The lead limits are checked at
submission (counting the lead's other applications on their way) and again at approval.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch
from catalog.models import Product
from clusters import rules
from clusters import service as clusters
from clusters.errors import (
    ApplicationNotFound,
    PartnerNotRegistered,
    ProductNotApproved,
    ProductNotInAlliance,
)
from clusters.models import (
    Cluster,
    ClusterMember,
    PilotApplication,
    PilotApplicationPartner,
    PilotApplicationProduct,
    PilotApplicationProject,
    PilotApplicationStep,
)
from kernel import clock, text
from kernel.errors import Forbidden, InvalidState, ValidationError
from parties.actors import Actor
from parties.models import Organisation
from parties.rules import normalise_city, same_area

PARTNER_KINDS = ("provider", "financier", "guarantor", "enterprise")  # never an authority
MAX_ROWS = 200  # rows of one annex


# --- reading the body ---------------------------------------------------------------------------

def _text(value: Any, field: str, max_chars: int, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f"{field} is required", field=field)
    value = value.strip()
    if len(value) > max_chars:
        raise ValidationError(f"{field} has at most {max_chars} characters", field=field)
    return value


def _rows(value: Any, field: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ValidationError(f"{field} is a list of rows", field=field)
    if len(value) > MAX_ROWS:
        raise ValidationError(f"{field} has at most {MAX_ROWS} rows", field=field)
    return value


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field} is a date YYYY-MM-DD", field=field) from None


def _int(value: Any, field: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{field} is a whole number from {low} to {high}", field=field)
    return value


def _sections(sections: Any) -> dict[str, str]:
    sections = sections or {}
    if not isinstance(sections, dict):
        raise ValidationError("sections is an object of texts", field="sections")
    if len(sections) > rules.SECTION_MAX_COUNT:
        raise ValidationError(f"sections has at most {rules.SECTION_MAX_COUNT} entries", field="sections")
    given: dict[str, str] = {}
    for name, value in sections.items():
        key = rules.section_key(_text(name, "sections", 50))
        text.check_name(key, field="sections")
        if key in given:
            raise ValidationError(f"sections names {key} twice", field=f"sections.{key}")
        if value is not None:
            given[key] = _text(value, f"sections.{key}", rules.SECTION_MAX_CHARS, required=False)
    # the template's sections in its order, then the lead's own in the order given
    return {**{k: given[k] for k in rules.SECTIONS if k in given},
            **{k: v for k, v in given.items() if k not in rules.SECTIONS}}


def _enterprises(rows: list[dict]) -> list[dict]:
    out = []
    for i, r in enumerate(rows):
        f = f"annexes.enterprises[{i}]"
        backbone = r.get("backbone")
        if isinstance(backbone, list):
            if len(backbone) > MAX_ROWS or not all(isinstance(name, str) for name in backbone):
                raise ValidationError(f"{f}.backbone is a text or a list of names", field=f"{f}.backbone")
            backbone = "、".join(name.strip() for name in backbone if name.strip())
        out.append({"segment": _text(r.get("segment"), f"{f}.segment", 100),
                    "scale": _text(r.get("scale"), f"{f}.scale", 50, required=False),
                    "count": _int(r.get("count", 0), f"{f}.count", low=0, high=1_000_000),
                    "backbone": _text(backbone, f"{f}.backbone", 2000, required=False)})
    return out


def _shortcomings(rows: list[dict]) -> list[dict]:
    out = []
    for i, r in enumerate(rows):
        f = f"annexes.shortcomings[{i}]"
        if r.get("category") not in rules.SHORTCOMING_CATEGORIES:
            raise ValidationError(f"{f}.category is one of {'、'.join(rules.SHORTCOMING_CATEGORIES)}",
                                  field=f"{f}.category", details={"categories": list(rules.SHORTCOMING_CATEGORIES)})
        out.append({"category": r["category"], "content": _text(r.get("content"), f"{f}.content", 2000),
                    "plan": _text(r.get("plan"), f"{f}.plan", 2000, required=False)})
    return out


def _roadmap(rows: list[dict]) -> list[dict]:
    out = []
    for i, r in enumerate(rows):
        f = f"annexes.roadmap[{i}]"
        out.append({"phase": _text(r.get("phase"), f"{f}.phase", 100),
                    "start_on": _date(r.get("start_on"), f"{f}.start_on"),
                    "end_on": _date(r.get("end_on"), f"{f}.end_on"),
                    "goal": _text(r.get("goal"), f"{f}.goal", 2000, required=False)})
    rules.check_roadmap([(r["start_on"], r["end_on"]) for r in out])
    return [{**r, "start_on": r["start_on"].isoformat(), "end_on": r["end_on"].isoformat()} for r in out]


def _projects(rows: list[dict]) -> list[dict]:
    out = []
    for i, r in enumerate(rows):
        f = f"annexes.projects[{i}]"
        start, end = _date(r.get("start_on"), f"{f}.start_on"), _date(r.get("end_on"), f"{f}.end_on")
        rules.check_period(start, end, field=f)
        out.append({"name": _text(r.get("name"), f"{f}.name", 200), "unit": _text(r.get("unit"), f"{f}.unit", 200),
                    "content": _text(r.get("content"), f"{f}.content", 2000, required=False),
                    "start_on": start, "end_on": end,
                    "investment": rules.check_investment(r.get("investment"), field=f"{f}.investment")})
    return out


def _targets(rows: list[dict], year: int) -> list[dict]:
    out, seen = [], set()
    for i, r in enumerate(rows):
        f = f"targets[{i}]"
        if r.get("figure") not in rules.FIGURES:
            raise ValidationError(f"{f}.figure is one of {', '.join(rules.FIGURES)}", field=f"{f}.figure")
        y = _int(r.get("year"), f"{f}.year", low=year, high=year + 1)  # a two-year plan
        key = (y, r["figure"])
        if key in seen:
            raise ValidationError(f"{f}: {r['figure']} in {y} is declared twice", field=f)
        seen.add(key)
        out.append({"year": y, "figure": r["figure"],
                    "target": _int(r.get("target"), f"{f}.target", low=0, high=rules.FIGURE_MAX)})
    return out


def _ids(values: Any, field: str) -> list[int]:
    values = values or []
    if not isinstance(values, list) or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
        raise ValidationError(f"{field} is a list of ids", field=field)
    if len(values) != len(set(values)):
        raise ValidationError(f"{field} names an id twice", field=field)
    if len(values) > MAX_ROWS:
        raise ValidationError(f"{field} has at most {MAX_ROWS} ids", field=field)
    return values


def _partners(s, lead_id: int, ids: list[int]) -> list[Organisation]:
    orgs = {o.id: o for o in s.exec(select(Organisation).where(Organisation.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in orgs]
    if missing:
        raise PartnerNotRegistered("a partner (联合单位) must be a registered organisation", field="partner_org_ids",
                                   details={"not_registered": missing})
    wrong = [i for i in ids if orgs[i].kind not in PARTNER_KINDS or i == lead_id]
    if wrong:
        raise PartnerNotRegistered("partners are providers, makers, financiers or enterprises other than the lead",
                                   field="partner_org_ids", details={"not_a_partner": wrong})
    return [orgs[i] for i in ids]


def _products(s, alliance: set[int], ids: list[int]) -> None:
    products = {p.id: p for p in s.exec(select(Product).where(Product.id.in_(ids)))} if ids else {}
    unapproved = [i for i in ids if i not in products or products[i].approved_version is None
                  or products[i].status == "delisted"]
    if unapproved:
        raise ProductNotApproved("Annex 5 lists approved catalogue products only", field="annexes.product_ids",
                                 details={"not_approved": unapproved})
    outside = [i for i in ids if products[i].provider_id not in alliance]
    if outside:
        raise ProductNotInAlliance("Annex 5 lists the products of the lead and its partners only",
                                   field="annexes.product_ids", details={"not_in_alliance": outside})


def _lead(s, actor: Actor) -> Organisation:
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None or org.kind != "provider":
        raise Forbidden("a provider (the lead unit) writes the application")
    return org


def _fill(s, app: PilotApplication, lead: Organisation, *, name, industry, starting_area, city, year,
          partner_org_ids=None, sections=None, annexes=None, targets=None, contact=None) -> None:
    """Check the whole body, then replace the application's content with it (no commit)."""
    name = _text(name, "name", 200)
    industry = _text(industry, "industry", 100)
    text.check_name(name, field="name")
    text.check_name(industry, field="industry")
    starting_area = rules.one_starting_area(starting_area)
    text.check_name(starting_area, field="starting_area")
    city = normalise_city(city)
    year = _int(year, "year", low=2000, high=2100)
    contact = _text(contact, "contact", 200, required=False)
    annexes = annexes or {}
    if not isinstance(annexes, dict):
        raise ValidationError("annexes is an object", field="annexes")
    sections = _sections(sections)
    enterprises = _enterprises(_rows(annexes.get("enterprises"), "annexes.enterprises"))
    shortcomings = _shortcomings(_rows(annexes.get("shortcomings"), "annexes.shortcomings"))
    roadmap = _roadmap(_rows(annexes.get("roadmap"), "annexes.roadmap"))
    projects = _projects(_rows(annexes.get("projects"), "annexes.projects"))
    declared = _targets(_rows(targets, "targets"), year)
    partner_ids = _ids(partner_org_ids, "partner_org_ids")
    product_ids = _ids(annexes.get("product_ids"), "annexes.product_ids")
    partners = _partners(s, lead.id, partner_ids)
    _products(s, {lead.id, *(p.id for p in partners if p.kind == "provider")}, product_ids)

    app.name, app.industry, app.starting_area, app.city, app.year, app.contact = (
        name, industry, starting_area, city, year, contact)
    app.sections_json = json.dumps(sections, ensure_ascii=False)
    app.enterprises_json = json.dumps(enterprises, ensure_ascii=False)
    app.shortcomings_json = json.dumps(shortcomings, ensure_ascii=False)
    app.roadmap_json = json.dumps(roadmap, ensure_ascii=False)
    app.targets_json = json.dumps(declared, ensure_ascii=False)
    app.investment_total = sum(p["investment"] for p in projects)
    app.updated_at = clock.now()
    s.add(app)
    s.flush()
    for model in (PilotApplicationPartner, PilotApplicationProject, PilotApplicationProduct):
        s.execute(sa.delete(model).where(model.application_id == app.id))
    for org in partners:
        s.add(PilotApplicationPartner(application_id=app.id, org_id=org.id))
    for n, p in enumerate(projects, start=1):
        s.add(PilotApplicationProject(application_id=app.id, position=n, **p))
    for pid in product_ids:
        s.add(PilotApplicationProduct(application_id=app.id, product_id=pid))


# --- the lead's side ------------------------------------------------------------------------------

def draft(uow, *, actor: Actor, **body) -> PilotApplication:
    """A new application in ``draft`` by the actor's provider, which leads it."""
    s = uow.session
    lead = _lead(s, actor)
    app = PilotApplication(lead_org_id=lead.id, name="", industry="", starting_area="", city="", year=0,
                           status="draft", sections_json="{}", enterprises_json="[]", shortcomings_json="[]",
                           roadmap_json="[]", targets_json="[]", investment_total=0, created_by=actor.user_id)
    _fill(s, app, lead, **body)
    uow.commit()
    return app


def get(session, application_id: int, *, lock: bool = False) -> PilotApplication:
    return fetch(session, PilotApplication, application_id, lock=lock, missing=ApplicationNotFound,
                 what="application")


def _own(s, actor: Actor, application_id: int) -> tuple[PilotApplication, Organisation]:
    app = get(s, application_id, lock=True)
    if actor.org_id != app.lead_org_id:
        raise Forbidden("only the lead unit changes its application")
    return app, _lead(s, actor)


def update(uow, *, actor: Actor, application_id: int, **body) -> PilotApplication:
    """Replace the content of a draft or returned application (the lead only)."""
    s = uow.session
    app, lead = _own(s, actor, application_id)
    if app.status not in rules.EDITABLE:
        raise InvalidState(f"the application is {app.status}: it can be edited only as a draft or when returned",
                           details={"status": app.status})
    _fill(s, app, lead, **body)
    uow.commit()
    return app


def _step(s, app: PilotApplication, *, action: str, to: str, actor: Actor, level: str | None,
          reason: str | None = None) -> None:
    s.add(PilotApplicationStep(application_id=app.id, action=action, from_status=app.status, to_status=to,
                               level=level, user_id=actor.user_id, org_id=actor.org_id, reason=reason))
    app.status = to
    app.updated_at = clock.now()
    s.add(app)


def submit(uow, *, actor: Actor, application_id: int) -> PilotApplication:
    s = uow.session
    app, lead = _own(s, actor, application_id)
    if app.status not in rules.EDITABLE:
        raise InvalidState(f"the application is {app.status}", details={"status": app.status})
    # Annex 5 as it stands today: a product delisted since the draft is no longer the alliance's to offer
    partner_ids = s.exec(select(PilotApplicationPartner.org_id).where(PilotApplicationPartner.application_id == app.id)).all()
    product_ids = s.exec(select(PilotApplicationProduct.product_id)
                         .where(PilotApplicationProduct.application_id == app.id)).all()
    partners = _partners(s, lead.id, list(partner_ids))
    _products(s, {lead.id, *(o.id for o in partners if o.kind == "provider")}, list(product_ids))
    in_flight = [PilotApplication.lead_org_id == lead.id, PilotApplication.status.in_(rules.IN_FLIGHT),
                 PilotApplication.id != app.id]
    if rules.lead_limit(lead.provider_class).per_year:
        in_flight.append(PilotApplication.year == app.year)
    others = s.exec(select(sa.func.count()).select_from(PilotApplication).where(*in_flight)).one()
    clusters.check_lead_limit(s, lead, app.year, in_flight=others)
    _step(s, app, action="submit", to="submitted", actor=actor, level=None)
    uow.commit()
    return app


# --- the authorities' side ------------------------------------------------------------------------

def _authority(s, actor: Actor, app: PilotApplication, level: str) -> Organisation:
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None or org.kind != "authority":
        raise Forbidden("an authority acts on applications", details={"reason": "not_an_authority"})
    own = org.level or "province"
    if own != level:
        raise Forbidden(f"the application waits for the {level} level; you act for the {own} level",
                        details={"reason": "wrong_level", "needs_level": level, "level": own})
    if level == "city" and org.city != app.city:
        raise Forbidden(f"the application is for {app.city}; your authority is {org.city}'s",
                        details={"reason": "wrong_place", "city": app.city})
    if level == "area" and (org.city != app.city or not same_area(org.area, app.starting_area)):
        raise Forbidden(f"the application's starting area is {app.starting_area} ({app.city})",
                        details={"reason": "wrong_place", "city": app.city, "starting_area": app.starting_area})
    return org


def _waiting(app: PilotApplication, action: str) -> tuple[str, str, str]:
    step = rules.PATH.get(app.status)
    if step is None or (action != "return" and step[1] != action):
        expected = step[1] if step else None
        raise InvalidState(f"the application is {app.status}: {action} is not its next step",
                           details={"status": app.status, "action": action, "expected_action": expected})
    return step


def advance(uow, *, actor: Actor, application_id: int, action: str) -> PilotApplication:
    """recommend (area), review (city) or approve (province); approval creates the pilot."""
    s = uow.session
    app = get(s, application_id, lock=True)
    level, action, to = _waiting(app, action)
    _authority(s, actor, app, level)
    if action == "approve":
        _create_pilot(s, app)
    _step(s, app, action=action, to=to, actor=actor, level=level)
    uow.commit()
    return app


def send_back(uow, *, actor: Actor, application_id: int, reason: str) -> PilotApplication:
    """Return the application to its lead, with a reason, from the level it waits at."""
    reason = _text(reason, "reason", 1000)
    s = uow.session
    app = get(s, application_id, lock=True)
    level, _, _ = _waiting(app, "return")
    _authority(s, actor, app, level)
    _step(s, app, action="return", to="returned", actor=actor, level=level, reason=reason)
    uow.commit()
    return app


def _create_pilot(s, app: PilotApplication) -> Cluster:
    """The pilot with its alliance: the lead, its partners (enterprises join as member
    enterprises), within the lead limits as they stand today."""
    cluster = clusters.new_cluster(s, name=app.name, industry=app.industry, starting_area=app.starting_area,
                                   city=app.city, lead_org_id=app.lead_org_id, year=app.year, application_id=app.id)
    partners = s.exec(select(Organisation).join(PilotApplicationPartner, PilotApplicationPartner.org_id == Organisation.id)
                      .where(PilotApplicationPartner.application_id == app.id)
                      .order_by(PilotApplicationPartner.id)).all()
    for org in partners:
        s.add(ClusterMember(cluster_id=cluster.id, org_id=org.id,
                            role="enterprise" if org.kind == "enterprise" else "partner"))
    app.cluster_id = cluster.id
    return cluster


# --- reading ------------------------------------------------------------------------------------

def check_reader(session, app: PilotApplication, actor: Actor) -> None:
    """The lead unit and staff (authorities, auditors, admins) read an application."""
    if not actor.is_staff and actor.org_id != app.lead_org_id:
        raise Forbidden("an application is read by its lead unit and by staff")


def declared_targets(session, application_id: int | None, year: int) -> dict[str, int]:
    if application_id is None:
        return {}
    app = session.get(PilotApplication, application_id)
    return {t["figure"]: t["target"] for t in json.loads(app.targets_json) if t["year"] == year} if app else {}


def view(session, app: PilotApplication) -> dict:
    partner_ids = session.exec(select(PilotApplicationPartner.org_id)
                               .where(PilotApplicationPartner.application_id == app.id)
                               .order_by(PilotApplicationPartner.id)).all()
    projects = session.exec(select(PilotApplicationProject).where(PilotApplicationProject.application_id == app.id)
                            .order_by(PilotApplicationProject.position)).all()
    product_ids = session.exec(select(PilotApplicationProduct.product_id)
                               .where(PilotApplicationProduct.application_id == app.id)
                               .order_by(PilotApplicationProduct.id)).all()
    steps = session.exec(select(PilotApplicationStep).where(PilotApplicationStep.application_id == app.id)
                         .order_by(PilotApplicationStep.id)).all()
    names = {o.id: o for o in session.exec(select(Organisation).where(
        Organisation.id.in_({*partner_ids, app.lead_org_id, *(st.org_id for st in steps)})))}
    return {
        **{k: getattr(app, k) for k in ("id", "name", "industry", "starting_area", "city", "year", "contact",
                                        "status", "lead_org_id", "investment_total", "cluster_id", "created_at",
                                        "updated_at")},
        "lead_name": names[app.lead_org_id].name,
        "waiting_for": rules.PATH[app.status][0] if app.status in rules.PATH else None,
        "partners": [{"org_id": i, "name": names[i].name, "kind": names[i].kind} for i in partner_ids],
        "partner_org_ids": list(partner_ids),
        "sections": json.loads(app.sections_json),
        "targets": json.loads(app.targets_json),
        "annexes": {"enterprises": json.loads(app.enterprises_json),
                    "shortcomings": json.loads(app.shortcomings_json),
                    "roadmap": [{**r, "start_on": dt.date.fromisoformat(r["start_on"]),
                                 "end_on": dt.date.fromisoformat(r["end_on"])} for r in json.loads(app.roadmap_json)],
                    "projects": [{k: getattr(p, k) for k in ("name", "unit", "content", "start_on", "end_on",
                                                             "investment")} for p in projects],
                    "product_ids": list(product_ids)},
        "steps": [{"action": st.action, "from_status": st.from_status, "to_status": st.to_status, "level": st.level,
                   "user_id": st.user_id, "org_id": st.org_id, "org_name": names[st.org_id].name,
                   "reason": st.reason, "at": st.at} for st in steps],
    }


def queue_filter(session, actor: Actor):
    """What the actor's organisation waits to act on: an authority sees the applications waiting for
    its level and place; anyone else nothing (None: the caller is no authority)."""
    org = session.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None or org.kind != "authority":
        return None
    level = org.level or "province"
    status = next(st for st, (lvl, _, _) in rules.PATH.items() if lvl == level)
    where = [PilotApplication.status == status]
    if level in ("city", "area"):
        where.append(PilotApplication.city == org.city)
    if level == "area":
        where.append(sa.func.replace(PilotApplication.starting_area, " ", "") == "".join((org.area or "").split()))
    return where


def list_page(session, *, actor: Actor, status: str | None, queue: bool, after: int, limit: int) -> list[PilotApplication]:
    """A lead sees its own applications; staff see all, or with ``queue`` those waiting for their
    authority (its level and place)."""
    q = select(PilotApplication).where(PilotApplication.id > after).order_by(PilotApplication.id).limit(limit)
    if not actor.is_staff:
        q = q.where(PilotApplication.lead_org_id == actor.org_id)
    elif queue:
        where = queue_filter(session, actor)
        if where is None:
            return []
        q = q.where(*where)
    if status:
        q = q.where(PilotApplication.status == status)
    return list(session.exec(q))
