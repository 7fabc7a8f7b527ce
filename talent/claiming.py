"""A talent claim (人才上云服务券): one kind of claim (``talent``).

The enterprise claims for qualified trainees under a talent scheme (``submit``). Each trainee is
worth the scheme's amount for its certificate level, never more than the fee paid; the total is
capped by what the enterprise has left of the scheme's ``enterprise_cap`` this year. The amount
is reserved from the scheme's budget and the claim opened holding it; from there it follows the
shared review, publicity, objection and payout (``claims``). Its trainee lines keep each person
from being claimed again in the same programme while the claim stands; a lapse frees them.

Locks, in order: the scheme (which settles what fell due, lapses included), then the trainees'
rows by id (two schemes' claims for one person meet there), then the claim.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import locked
from claims import kinds
from claims import service as claims
from claims.models import Claim
from kernel import clock
from kernel.errors import Forbidden, ValidationError
from kernel.money import from_fen, to_fen
from parties import service as organisations
from parties.actors import Actor
from schemes import budget
from schemes import rules as scheme_rules
from schemes import service as schemes
from schemes.models import Scheme
from schemes.rules import money_str
from talent import rules, service
from talent.errors import (
    BudgetExhausted,
    CapExhausted,
    NothingToClaim,
    OutsideApplicationWindow,
    TraineeAlreadyClaimed,
    TraineeNotFound,
    TraineeNotQualified,
    WrongSchemeKind,
)
from talent.models import TalentClaimLine, Trainee, TraineeCompletion, Training

KIND = "talent"
MAX_TRAINEES = 500


def _check_ids(trainee_ids: list[int]) -> list[int]:
    if not trainee_ids:
        raise ValidationError("name at least one trainee", field="trainee_ids")
    if len(trainee_ids) > MAX_TRAINEES:
        raise ValidationError(f"at most {MAX_TRAINEES} trainees in one claim", field="trainee_ids")
    if len(set(trainee_ids)) != len(trainee_ids):
        raise ValidationError("a trainee is named twice", field="trainee_ids")
    return list(trainee_ids)


def _lock_trainees(session, trainee_ids: list[int], enterprise_id: int) -> dict[int, Trainee]:
    rows = {t.id: t for t in session.exec(locked(select(Trainee).where(Trainee.id.in_(trainee_ids))
                                                 .order_by(Trainee.id)))}
    missing = [i for i in trainee_ids if i not in rows]
    if missing:
        raise TraineeNotFound("no such trainee", details={"trainee_ids": missing})
    foreign = [i for i in trainee_ids if rows[i].enterprise_id != enterprise_id]
    if foreign:
        raise Forbidden("these trainees were enrolled by another enterprise", details={"trainee_ids": foreign})
    return rows


def _cap_used(session, scheme: Scheme, enterprise_id: int, *, exclude_claim: int | None = None) -> int:
    """What the enterprise's claims in this scheme hold or were paid (lapsed ones hold nothing).
    Stored statuses are current: the scheme lock settled the lapses that fell due."""
    q = select(sa.func.coalesce(sa.func.sum(Claim.final_amount), 0)).where(
        Claim.scheme_id == scheme.id, Claim.enterprise_id == enterprise_id, Claim.status != "lapsed")
    if exclude_claim is not None:
        q = q.where(Claim.id != exclude_claim)
    return int(session.exec(q).one())


def _price(session, *, scheme: Scheme, settings: scheme_rules.Settings, enterprise_id: int, trainee_ids: list[int],
           trainees: dict[int, Trainee], exclude_claim: int | None = None,
           held: int | None = None) -> tuple[int, dict, list[TalentClaimLine]]:
    """The claim's amount, its printed breakdown and its lines (unsaved), or the error that says
    which trainees cannot be claimed and why."""
    busy = service.holding_claims(session, trainee_ids, exclude_claim=exclude_claim)
    if busy:
        raise TraineeAlreadyClaimed("the same trainee in the same programme is never paid twice",
                                    details={"trainees": [{"trainee_id": t, "claim_id": busy[t][0]}
                                                          for t in trainee_ids if t in busy]})
    completions = {c.trainee_id: c for c in session.exec(
        select(TraineeCompletion).where(TraineeCompletion.trainee_id.in_(trainee_ids)))}
    trainings = {t.id: t for t in session.exec(
        select(Training).where(Training.id.in_({trainees[i].training_id for i in trainee_ids})))}
    evaluated, unqualified, unpaid = [], [], []
    for tid in trainee_ids:
        trainee = trainees[tid]
        completion = service.completion_of(completions.get(tid))
        mins = service.minimums_of(trainings[trainee.training_id], settings)
        q = rules.qualification(completion, mins)
        if not q.qualified:
            unqualified.append({"trainee_id": tid, "missing": list(q.reasons)})
            continue
        worth = rules.trainee_amount(completion, settings)
        if worth.amount <= 0:
            unpaid.append(tid)
        evaluated.append((trainee, completion, mins, worth))
    if unqualified:
        raise TraineeNotQualified("a trainee qualifies with both hour minimums met and a certificate recorded",
                                  details={"trainees": unqualified})
    if unpaid:
        raise NothingToClaim("no fee was paid for these trainees: a talent voucher never exceeds the fee paid",
                             details={"trainee_ids": unpaid})
    cap = settings.enterprise_cap
    used = from_fen(_cap_used(session, scheme, enterprise_id, exclude_claim=exclude_claim))
    cap_left = max(cap - used, Decimal("0.00"))
    limit = cap_left if held is None else min(cap_left, from_fen(held))
    capped = rules.cap_claim([rules.ClaimLine(t.id, w.amount) for t, _, _, w in evaluated], limit)
    starved = [t.id for (t, _, _, _), amount in zip(evaluated, capped.amounts) if amount <= 0]
    if starved:
        raise CapExhausted("the enterprise's talent cap for the year leaves nothing for these trainees",
                           details={"trainee_ids": starved, "enterprise_cap": money_str(cap),
                                    "enterprise_cap_used": money_str(used), "enterprise_cap_left": money_str(cap_left)})
    limit_name = "enterprise_cap" if held is None or cap_left <= from_fen(held) else "held"
    lines, printed = [], []
    for no, ((trainee, completion, mins, worth), amount) in enumerate(zip(evaluated, capped.amounts), start=1):
        binding = (["fee_paid"] if worth.fee_bit else []) + ([limit_name] if amount < worth.amount else [])
        lines.append(TalentClaimLine(
            line_no=no, trainee_id=trainee.id, training_id=trainee.training_id, id_digest=trainee.id_digest,
            certificate_level=completion.certificate_level, online_tenths=rules.to_tenths(completion.online_hours),
            offline_tenths=rules.to_tenths(completion.offline_hours), online_min_tenths=rules.to_tenths(mins.online),
            offline_min_tenths=rules.to_tenths(mins.offline), fee_paid=to_fen(completion.fee_paid),
            amount_by_level=to_fen(worth.by_level), amount=to_fen(amount), active=True))
        printed.append({
            "line_no": no, "trainee_id": trainee.id, "training_id": trainee.training_id, "name": trainee.name,
            "id_number_masked": trainee.id_masked, "certificate_level": completion.certificate_level,
            "online_hours": rules.hours_str(completion.online_hours),
            "offline_hours": rules.hours_str(completion.offline_hours),
            "online_hours_min": rules.hours_str(mins.online), "offline_hours_min": rules.hours_str(mins.offline),
            "minimums_from": mins.source, "fee_paid": money_str(completion.fee_paid),
            "amount_by_level": money_str(worth.by_level), "before_cap": money_str(worth.amount),
            "amount": money_str(amount), "binding": binding})
    breakdown = {
        "kind": KIND, "settings_version": scheme.settings_version, "settings": rules.settings_used(settings),
        "lines": printed, "sum_of_lines": money_str(capped.total_before_cap), "enterprise_cap": money_str(cap),
        "enterprise_cap_used": money_str(used), "enterprise_cap_left": money_str(cap_left),
        "held": None if held is None else money_str(from_fen(held)),
        "binding": [limit_name] if capped.cap_bit else [],
        "final_amount": money_str(capped.final_amount), "released": "0.00"}
    return to_fen(capped.final_amount), breakdown, lines


def _check_window(scheme: Scheme, today: dt.date) -> None:
    last = min(scheme.apply_to, scheme.redeem_to)
    if not scheme.apply_from <= today <= last:
        raise OutsideApplicationWindow(f"talent claims are accepted from {scheme.apply_from} to {last}",
                                       details={"apply_from": scheme.apply_from.isoformat(),
                                                "apply_to": last.isoformat(), "today": today.isoformat()})


def _settle_lapsed_holds(uow, trainee_ids: list[int], today: dt.date) -> None:
    """A trainee may be held by a claim of another scheme (last year's) that lapsed with its window
    and is not stored as lapsed yet (the daily job or that scheme's next write does it). Do that
    scheme's due work now, as its next write would, and commit it on its own: the lapse happened
    with time, whatever becomes of this claim, and no other scheme stays locked while this one is."""
    q = (select(Claim.scheme_id).join(TalentClaimLine, TalentClaimLine.claim_id == Claim.id)
         .where(TalentClaimLine.active, TalentClaimLine.trainee_id.in_(trainee_ids), Claim.status == "returned",
                Claim.lapses_on < today).distinct())
    for scheme_id in sorted(uow.session.exec(q)):
        schemes.lock(uow, scheme_id, today=today)
        uow.checkpoint()


def submit(uow, *, actor: Actor, scheme_id: int, trainee_ids: list[int]) -> Claim:
    """Claim talent vouchers for qualified trainees of the enterprise: priced, capped, reserved
    from the scheme's budget (``BUDGET_EXHAUSTED`` when short: talent claims do not wait) and opened
    for review."""
    trainee_ids = _check_ids(trainee_ids)
    s = uow.session
    today = clock.today()
    _settle_lapsed_holds(uow, trainee_ids, today)
    scheme = schemes.lock(uow, scheme_id, today=today)
    if scheme.kind != "talent":
        raise WrongSchemeKind("talent vouchers are claimed under a talent scheme", details={"kind": scheme.kind})
    _check_window(scheme, today)
    enterprise = organisations.get(s, actor.org_id) if actor.org_id else None
    if enterprise is None or enterprise.kind != "enterprise":
        raise Forbidden("only an enterprise claims talent vouchers")
    settings = schemes.settings_of(s, scheme)
    scheme_rules.check_eligibility(schemes.enterprise_facts(enterprise), settings, today)
    trainees = _lock_trainees(s, trainee_ids, enterprise.id)
    final, breakdown, lines = _price(s, scheme=scheme, settings=settings, enterprise_id=enterprise.id,
                                     trainee_ids=trainee_ids, trainees=trainees)
    available = budget.read(s, scheme.id).available
    if available < final:
        raise BudgetExhausted("the talent scheme's budget cannot cover this claim",
                              details={"available": money_str(from_fen(available)),
                                       "final_amount": money_str(from_fen(final))})
    claim = claims.open_claim(uow, kind=KIND, scheme=scheme, enterprise_id=enterprise.id, provider_id=None,
                              payee_org_id=enterprise.id, city=enterprise.city, final_amount=final,
                              breakdown=breakdown, settings_version=scheme.settings_version,
                              submitted_by=actor.user_id, reservation_id=None, lapses_on=scheme.redeem_to,
                              evidence_ids=None)
    # reserved once the claim has its id, so the journal's key names it
    claim.reservation_id = budget.reserve(uow, scheme_id=scheme.id, amount=final, key=f"claim:{claim.id}:reserve",
                                          ref=f"claim:{claim.id}", on=today, memo="talent claim")
    s.add(claim)
    for line in lines:
        line.claim_id = claim.id
        s.add(line)
    uow.commit()
    return claim


def resubmit(uow, *, actor: Actor, claim_id: int, trainee_ids: list[int] | None) -> Claim:
    """A returned talent claim, corrected: the trainees named (all of its trainees when none are
    named; never new ones) priced again on their completion as it now stands (the provider may have
    corrected it meanwhile). A corrected claim never grows beyond the money it holds; trainees
    dropped from it may be claimed again."""
    s = uow.session
    claims.own_claim(s, claim_id, actor=actor, kind=KIND)
    scheme, claim = claims.lock_claim(uow, claim_id)
    claims.require(claim, "returned", "resubmitted")
    current = list(s.exec(select(TalentClaimLine).where(TalentClaimLine.claim_id == claim.id)
                          .order_by(TalentClaimLine.line_no)))
    ids = [line.trainee_id for line in current] if trainee_ids is None else _check_ids(trainee_ids)
    strangers = sorted(set(ids) - {line.trainee_id for line in current})
    if strangers:
        raise ValidationError("a corrected claim keeps or drops its trainees; claim new ones separately",
                              field="trainee_ids", details={"trainee_ids": strangers})
    trainees = _lock_trainees(s, ids, claim.enterprise_id)
    settings = schemes.settings_of(s, scheme)
    final, breakdown, lines = _price(s, scheme=scheme, settings=settings, enterprise_id=claim.enterprise_id,
                                     trainee_ids=ids, trainees=trainees, exclude_claim=claim.id,
                                     held=budget.held(s, claim.reservation_id))
    for line in current:
        s.delete(line)
    s.flush()  # the old lines leave the unique index before the new ones enter it
    claims.resubmit(uow, claim=claim, final_amount=final, breakdown=breakdown,
                    settings_version=scheme.settings_version, submitted_by=actor.user_id, evidence_ids=None)
    for line in lines:
        line.claim_id = claim.id
        s.add(line)
    uow.commit()
    return claim


class TalentClaim(kinds.ClaimKind):
    """The claim kind of talent vouchers."""
    code = KIND

    def on_lapsed(self, uow, claim, *, on):
        """Nothing was paid: the trainees may be claimed again."""
        uow.session.execute(sa.update(TalentClaimLine.__table__).where(TalentClaimLine.claim_id == claim.id)
                            .values(active=False))

    def details(self, session, rows):
        out: dict[int, dict] = {c.id: {"trainee_ids": []} for c in rows}
        for claim_id, trainee_id in session.exec(
                select(TalentClaimLine.claim_id, TalentClaimLine.trainee_id)
                .where(TalentClaimLine.claim_id.in_(list(out))).order_by(TalentClaimLine.line_no)):
            out[claim_id]["trainee_ids"].append(trainee_id)
        return out
