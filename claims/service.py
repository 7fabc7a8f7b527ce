"""Claims of every kind: opening, review, rework, publicity (公示), objection, lapse, and the
payout states a payout batch moves them through.

Status: ``submitted → publicity → payable → in_batch → paid``; ``submitted → returned → submitted``
(the kind resubmits it corrected); ``publicity → submitted`` (an objection); ``returned → lapsed``
(not corrected by ``lapses_on``); ``in_batch/paid → payable`` (the bank returned the payment).

Money, in the scheme's budget accounts (``schemes.budget``), one journal per step in the
transaction of the step:
- a claim opens holding its money under ``reservation_id`` (the kind reserved it: a voucher's
  reservation, or a new one for a reward);
- approval consumes it: ``final_amount`` to payable, the rest back to available;
- an objection holds ``final_amount`` again, from payable, as a new reservation the claim then
  points at, so the next approval consumes it; what was released stays released;
- a lapse releases the reservation back to available.
Publicity ending moves no money (``final_amount`` is payable since approval): it is a status
change, stored by the daily job and by the next write to the scheme; reads show it at once.

Every change locks the scheme first (``schemes.service.lock``, which settles what fell due), then
the claim, then whatever the claim's kind locks in its hook.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch, locked, one_of, party_page, update_rows
from claims import evidence, kinds, rules
from claims.errors import ClaimNotFound
from claims.models import Claim
from kernel import clock
from kernel.errors import Forbidden, InvalidState, SelfApproval
from parties.actors import Actor
from parties.models import Organisation
from schemes import budget
from schemes import service as schemes
from schemes.models import Scheme

C = Claim.__table__
# ``status = 'publicity'`` written out, not bound: the index on payable_from holds only claims in
# publicity (``models.Claim``), and PostgreSQL uses such a partial index only where the query states
# its condition; a generic plan (psycopg prepares a statement after its fifth run) sees a parameter
IN_PUBLICITY = C.c.status == sa.literal_column("'publicity'")


@dataclass(frozen=True)
class PublicityPolicy:
    """The deployment's part of the publicity rule: ``days_override`` (a test setting; 0 ends
    publicity at approval) and holidays on top of each scheme's own list."""
    days_override: int | None = None
    holidays: tuple[str, ...] = ()


# --- reading -----------------------------------------------------------------------------------

def get(session, claim_id: int, *, lock: bool = False) -> Claim:
    return fetch(session, Claim, claim_id, lock=lock, missing=ClaimNotFound, what="claim")


def effective_status(claim: Claim, today: dt.date) -> str:
    return rules.effective_status(claim.status, payable_from=claim.payable_from, lapses_on=claim.lapses_on,
                                  today=today)


def status_is(status: str, today: dt.date):
    """SQL: the claim's effective status (``rules.effective_status``) is ``status`` on ``today``."""
    publicity_over = sa.and_(IN_PUBLICITY, C.c.payable_from <= today)
    past_window = sa.and_(C.c.status == "returned", C.c.lapses_on < today)
    if status == "payable":
        return sa.or_(C.c.status == "payable", publicity_over)
    if status == "publicity":
        return sa.and_(IN_PUBLICITY, sa.not_(publicity_over))
    if status == "lapsed":
        return sa.or_(C.c.status == "lapsed", past_window)
    if status == "returned":
        return sa.and_(C.c.status == "returned", sa.or_(C.c.lapses_on.is_(None), C.c.lapses_on >= today))
    return C.c.status == status


def own_claim(session, claim_id: int, *, actor: Actor, kind: str) -> Claim:
    """The claim of ``kind`` that the actor's enterprise submitted. Another organisation's claim is
    FORBIDDEN before anything else about it (its kind, its status) is told."""
    claim = get(session, claim_id)
    if actor.org_id != claim.enterprise_id:
        raise Forbidden("only the claim's enterprise may change it")
    if claim.kind != kind:
        raise InvalidState(f"this claim is not of kind {kind}", details={"kind": claim.kind, "expected": kind})
    return claim


def check_reader(session, claim: Claim, actor: Actor) -> None:
    if not actor.is_staff and actor.org_id not in (claim.enterprise_id, claim.provider_id, claim.payee_org_id):
        raise Forbidden("this claim belongs to another organisation")
    if not schemes.in_scope(session, actor, scheme_id=claim.scheme_id, city=claim.city):
        raise Forbidden("this scheme limits reviewers and finance staff to enterprises of their own city",
                        details={"claim_city": claim.city})


def check_unclaimed_evidence(session, row, actor: Actor) -> None:
    """A file no claim uses yet belongs to no scheme: staff limited to a city by any scheme read
    only those of their city's organisations."""
    if actor.scoped_city is None or not schemes.city_scoped_ids(session):
        return
    owner_city = session.execute(sa.select(Organisation.city).where(Organisation.id == row.owner_org_id)).scalar()
    if owner_city != actor.scoped_city:
        raise Forbidden("this evidence belongs to an organisation of another city", details={"city": owner_city})


def evidence_ids(claim: Claim) -> list[int]:
    return json.loads(claim.evidence_json)


def breakdown_of(claim: Claim) -> dict:
    return json.loads(claim.breakdown_json)


def details(session, rows: list[Claim]) -> dict[int, dict]:
    """What each claim's kind shows beyond the shared fields, for a page of claims."""
    out: dict[int, dict] = {}
    by_kind: dict[str, list[Claim]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    for code, group in by_kind.items():
        out.update(kinds.get(code).details(session, group))
    return out


def list_page(session, *, actor: Actor, scheme_id: int | None, status: str | None, today: dt.date, after: int,
              limit: int) -> list[Claim]:
    where = [status_is(status, today)] if status else []
    scope = schemes.scope_condition(actor, Claim)  # other cities' claims are left out, not refused
    where += [scope] if scope is not None else []
    return party_page(session, Claim, actor=actor, after=after, limit=limit, where=where, scheme_id=scheme_id)


def publicity_page(session, *, today: dt.date, scheme_id: int | None, after: int, limit: int) -> list[dict]:
    """公示名单: claims in publicity now, with what the public may know of them."""
    ent, prov, sch = Organisation.__table__.alias("ent"), Organisation.__table__.alias("prov"), Scheme.__table__
    q = (sa.select(C.c.id, ent.c.name.label("enterprise_name"), prov.c.name.label("provider_name"),
                   sch.c.name.label("scheme_name"), C.c.scheme_id, C.c.final_amount, C.c.approved_on,
                   C.c.publicity_ends_on)
         .join(ent, ent.c.id == C.c.enterprise_id).outerjoin(prov, prov.c.id == C.c.provider_id)
         .join(sch, sch.c.id == C.c.scheme_id)
         .where(IN_PUBLICITY, C.c.payable_from > today, C.c.id > after)
         .order_by(C.c.id).limit(limit))
    if scheme_id:
        q = q.where(C.c.scheme_id == scheme_id)
    return [dict(r._mapping) for r in session.execute(q)]


# --- opening and resubmitting (called by the kinds) ---------------------------------------------

def open_claim(uow, *, kind: str, scheme: Scheme, enterprise_id: int, provider_id: int | None, payee_org_id: int,
               city: str, final_amount: int, breakdown: dict, settings_version: int, submitted_by: int,
               reservation_id: int, lapses_on: dt.date | None, evidence_ids: Iterable[int] | None) -> Claim:
    """A new claim under review, holding its money under ``reservation_id``. The caller (a kind)
    has locked the scheme and commits. ``evidence_ids``: the files it binds (None: the kind needs
    none)."""
    kinds.get(kind)  # refuse a kind nobody registered before writing anything
    claim = Claim(kind=kind, scheme_id=scheme.id, enterprise_id=enterprise_id, provider_id=provider_id,
                  payee_org_id=payee_org_id, city=city, status="submitted", final_amount=final_amount,
                  reservation_id=reservation_id, lapses_on=lapses_on, evidence_json="[]",
                  breakdown_json=json.dumps(breakdown, ensure_ascii=False), settings_version=settings_version,
                  submitted_by=submitted_by, submitted_at=clock.now())
    s = uow.session
    s.add(claim)
    s.flush()
    if evidence_ids is not None:
        claim.evidence_json = json.dumps(evidence.bind(s, evidence_ids=evidence_ids, org_id=enterprise_id,
                                                       claim_id=claim.id))
        s.add(claim)
    return claim


def lock_claim(uow, claim_id: int) -> tuple[Scheme, Claim]:
    """The claim's scheme locked for a write (what fell due settled first), then the claim."""
    s = uow.session
    scheme_id = s.execute(sa.select(C.c.scheme_id).where(C.c.id == claim_id)).scalar()
    if scheme_id is None:
        raise ClaimNotFound(f"claim {claim_id} not found", details={"claim_id": claim_id})
    scheme = schemes.lock(uow, scheme_id)
    return scheme, get(s, claim_id, lock=True)


def resubmit(uow, *, claim: Claim, final_amount: int, breakdown: dict, settings_version: int, submitted_by: int,
             evidence_ids: Iterable[int] | None) -> Claim:
    """A returned claim, corrected by its kind: new amount and evidence, back to review. The caller
    locked it (``lock_claim``) and commits."""
    require(claim, "returned", "resubmitted")
    if claim.lapses_on is not None and claim.lapses_on < clock.today():
        raise InvalidState(f"the claim lapsed after {claim.lapses_on}", details={"status": "lapsed"})
    s = uow.session
    if evidence_ids is not None:
        claim.evidence_json = json.dumps(evidence.bind(s, evidence_ids=evidence_ids, org_id=claim.enterprise_id,
                                                       claim_id=claim.id))
    claim.final_amount, claim.breakdown_json = final_amount, json.dumps(breakdown, ensure_ascii=False)
    claim.settings_version = settings_version
    claim.status, claim.submissions = "submitted", claim.submissions + 1
    claim.submitted_by, claim.submitted_at = submitted_by, clock.now()
    s.add(claim)
    return claim


# --- review --------------------------------------------------------------------------------------

def _reviewable(uow, actor: Actor, claim_id: int) -> tuple[Scheme, Claim]:
    scheme, claim = lock_claim(uow, claim_id)
    if schemes.settings_of(uow.session, scheme).review_scope == "city" and actor.org_city != claim.city:
        raise Forbidden("this scheme limits reviewers to enterprises of their own city",
                        details={"claim_city": claim.city})
    return scheme, claim


def require(claim: Claim, status: str, action: str) -> None:
    if claim.status != status:
        raise InvalidState(f"only a {status} claim can be {action}; this one is {claim.status}",
                           details={"status": claim.status, "expected": status})


def approve(uow, *, actor: Actor, claim_id: int, policy: PublicityPolicy = PublicityPolicy()) -> Claim:
    """Approve for publicity: the claim's reservation is consumed, ``final_amount`` payable, the
    rest freed for the scheme's next applicants."""
    scheme, claim = _reviewable(uow, actor, claim_id)
    if claim.submitted_by == actor.user_id:
        raise SelfApproval("the user who submitted a claim cannot approve it")
    require(claim, "submitted", "approved")
    today = clock.today()
    settings = schemes.settings_of(uow.session, scheme)
    days = settings.publicity_working_days if policy.days_override is None else policy.days_override
    pub = rules.publicity(today, days, tuple(settings.holidays) + tuple(policy.holidays))
    claim.approvals += 1
    claim.status, claim.reviewed_by, claim.reviewed_at = "publicity", actor.user_id, clock.now()
    claim.approved_on, claim.publicity_ends_on, claim.payable_from = pub.approved_on, pub.ends_on, pub.payable_from
    claim.objection_reason = None
    s = uow.session
    s.add(claim)
    s.flush()
    freed = budget.consume(uow, scheme_id=scheme.id, reservation_id=claim.reservation_id, amount=claim.final_amount,
                           key=f"claim:{claim.id}:approve:{claim.approvals}", ref=f"claim:{claim.id}", on=today,
                           memo="claim approved")
    kinds.get(claim.kind).on_approved(uow, claim, on=today)
    if freed:
        schemes.money_freed(uow, scheme, today)
    uow.commit()
    return claim


def return_for_rework(uow, *, actor: Actor, claim_id: int, reason: str) -> Claim:
    """Back to the enterprise to correct; its money stays held until it is corrected or lapses."""
    _, claim = _reviewable(uow, actor, claim_id)
    require(claim, "submitted", "returned")
    claim.status, claim.return_reason = "returned", reason
    claim.reviewed_by, claim.reviewed_at = actor.user_id, clock.now()
    uow.session.add(claim)
    uow.commit()
    return claim


def object_to(uow, *, actor: Actor, claim_id: int, reason: str) -> Claim:
    """An objection during publicity: the claim goes back to review and its money back on hold."""
    scheme, claim = _reviewable(uow, actor, claim_id)
    today = clock.today()
    if claim.status == "publicity" and claim.payable_from <= today:
        raise InvalidState(f"publicity ended on {claim.publicity_ends_on}; the claim is payable",
                           details={"status": "payable", "publicity_ends_on": claim.publicity_ends_on.isoformat()})
    require(claim, "publicity", "objected to")
    claim.objections += 1
    claim.status, claim.objection_reason = "submitted", reason
    claim.approved_on = claim.publicity_ends_on = claim.payable_from = None
    s = uow.session
    s.add(claim)
    s.flush()
    claim.reservation_id = budget.hold(uow, scheme_id=scheme.id, amount=claim.final_amount,
                                       key=f"claim:{claim.id}:object:{claim.objections}", ref=f"claim:{claim.id}",
                                       on=today, memo="objection during publicity")
    s.add(claim)
    kinds.get(claim.kind).on_objected(uow, claim, on=today)
    uow.commit()
    return claim


# --- work that falls due (registered with schemes at start-up) ---------------------------------

def end_publicity(uow, *, today: dt.date, claim_id: int | None = None, scheme_id: int | None = None) -> int:
    """Claims whose publicity is over become payable: a status change, no money moves. The caller
    commits (``settle_publicity`` is the stand-alone use case)."""
    q = sa.update(C).where(IN_PUBLICITY, C.c.payable_from <= today).values(status="payable")
    if claim_id is not None:
        q = q.where(C.c.id == claim_id)
    if scheme_id is not None:
        q = q.where(C.c.scheme_id == scheme_id)
    changed = uow.session.execute(q).rowcount
    if changed:
        uow.session.expire_all()
    return changed


def settle_publicity(uow, *, claim_id: int | None = None, scheme_id: int | None = None) -> int:
    changed = end_publicity(uow, today=clock.today(), claim_id=claim_id, scheme_id=scheme_id)
    uow.commit()
    return changed


def lapse_due(uow, scheme: Scheme, today: dt.date) -> int:
    """Returned claims not corrected by their last day lapse: their money goes back to available
    and their kind is told. Scheme locked; the caller commits. Returns how many lapsed."""
    s = uow.session
    due = list(s.exec(locked(select(Claim).where(Claim.scheme_id == scheme.id, Claim.status == "returned",
                                                 Claim.lapses_on < today).order_by(Claim.id))))
    for claim in due:
        if budget.held(s, claim.reservation_id) is not None:
            budget.release(uow, scheme_id=scheme.id, reservation_id=claim.reservation_id,
                           key=f"claim:{claim.id}:lapse", ref=f"claim:{claim.id}", on=today,
                           memo="returned claim lapsed with its window")
        claim.status = "lapsed"
        s.add(claim)
        s.flush()
        kinds.get(claim.kind).on_lapsed(uow, claim, on=today)
    return len(due)


def is_due(scheme_id: int, today: dt.date):
    """SQL: ``due_work`` has something to do (the conditions of ``end_publicity`` and ``lapse_due``)."""
    # two EXISTS, each an index range on (scheme_id, status): an OR inside one would scan the scheme's claims
    return sa.or_(sa.exists().where(C.c.scheme_id == scheme_id, IN_PUBLICITY, C.c.payable_from <= today),
                  sa.exists().where(C.c.scheme_id == scheme_id, C.c.status == "returned", C.c.lapses_on < today))


def due_work(uow, scheme: Scheme, today: dt.date) -> tuple[bool, bool]:
    """What falls due for a scheme's claims: publicity ends, returned claims lapse."""
    ended = end_publicity(uow, today=today, scheme_id=scheme.id)
    lapsed = lapse_due(uow, scheme, today)
    return bool(ended or lapsed), bool(lapsed)


# --- payee ----------------------------------------------------------------------------------------

# A claim in one of these states has not been taken into a payout batch: its payee may still change.
PAYEE_OPEN_STATUSES = ("submitted", "returned", "publicity", "payable")


def change_payee(uow, *, claim_ids: list[int], payee_org_id: int) -> list[int]:
    """Who is paid for these claims changes (order financing assigns a voucher's payout to a
    financier, and gives it back when the advance is repaid). Only claims not yet in a payout batch
    change: a batch line already names its payee, and the bank pays what the batch says. The
    caller holds the claims' scheme lock and commits. Returns the ids changed."""
    if not claim_ids:
        return []
    s = uow.session
    changed = list(s.execute(sa.select(C.c.id).where(C.c.id.in_(claim_ids), C.c.status.in_(PAYEE_OPEN_STATUSES),
                                                     C.c.payee_org_id != payee_org_id)).scalars())
    if changed:
        s.execute(sa.update(C).where(C.c.id.in_(changed)).values(payee_org_id=payee_org_id))
        for obj in list(s.identity_map.values()):  # only these claims: the caller's own objects stay loaded
            if isinstance(obj, Claim) and obj.id in changed:
                s.expire(obj)
    return changed


# --- payout states (used by payouts) ------------------------------------------------------------

def in_publicity(session, *, scheme_id: int, today: dt.date, limit: int = 100) -> list[dict]:
    """The scheme's claims still in publicity today, the soonest payable first: why a payout batch
    finds nothing to pay yet, and from which day it will."""
    q = (sa.select(C.c.id, C.c.publicity_ends_on, C.c.payable_from)
         .where(C.c.scheme_id == scheme_id, IN_PUBLICITY, C.c.payable_from > today)
         .order_by(C.c.payable_from, C.c.id).limit(limit))
    return [dict(r._mapping) for r in session.execute(q)]


def payable_in(scheme_id: int):
    """SQL: the scheme's claims that a payout batch may take now."""
    return sa.and_(C.c.scheme_id == scheme_id, C.c.status == "payable")


def mark_in_batch(uow, claim_ids: list[int], *, chunk: int = 5000) -> int:
    """Payable claims taken into a draft batch; returns how many were still payable."""
    s, marked = uow.session, 0
    for i in range(0, len(claim_ids), chunk):
        marked += s.execute(sa.update(C).where(C.c.status == "payable", one_of(s, C.c.id, claim_ids[i:i + chunk]))
                            .values(status="in_batch")).rowcount
    return marked


def release_from_batch(uow, claim_ids_query) -> None:
    """A draft batch cancelled: its claims are payable again (nothing was paid)."""
    uow.session.execute(sa.update(C).where(C.c.status == "in_batch", C.c.id.in_(claim_ids_query))
                        .values(status="payable"))


def mark_paid(uow, paid: list[dict]) -> None:
    """The bank paid these claims: ``[{"c_id": claim id, "c_on": value date}]`` (a voucher reads
    ``settled`` from its paid claim: nothing of a kind's own changes)."""
    if paid:
        update_rows(uow.session, C, [{"id": p["c_id"], "paid_on": p["c_on"]} for p in paid], fixed={"status": "paid"})


def mark_returned(uow, returned: list[dict]) -> None:
    """The bank returned these payments (``[{"c_id": claim id}]``): payable again, for the next batch."""
    if returned:
        update_rows(uow.session, C, [{"id": r["c_id"], "paid_on": None} for r in returned],
                    fixed={"status": "payable"})


__all__ = ["PublicityPolicy", "open_claim", "resubmit", "approve", "return_for_rework", "object_to", "get",
           "check_reader", "list_page", "publicity_page", "end_publicity", "settle_publicity", "lapse_due",
           "due_work", "is_due", "evidence_ids", "breakdown_of", "effective_status", "change_payee", "ClaimNotFound"]
