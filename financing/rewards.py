"""The interest reward (贴息奖励, POLICY.md §8): one kind of claim (``financing_reward``).

The enterprise asks for the reward on the interest it actually paid for a range of its loan's
periods: ``floor_fen(share × paid_interest × min(1, benchmark_rate / annual_rate))``, capped by
what its enterprise cap in the scheme has left (``rules.interest_reward``). The amount is reserved
from the financing scheme's budget and the claim opened holding it; from there it follows the
shared review, publicity, objection and payout (``claims``), paid to the enterprise.

Each claim stores the interest it counted, repayment by repayment (``LoanRewardLine``): the lines
of every claim that has not lapsed are what was rewarded already, and no fen of interest is
counted twice, also under concurrent requests (the loan row is locked before anything is read).
A returned claim is corrected by asking again for the same periods: it is recomputed and goes back
to review under the same id, as a voucher's claim does.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from claims import kinds
from claims import service as claims
from claims.models import Claim
from financing import loans, rules
from financing.errors import BudgetExhausted, InvalidRewardRequest, NothingToReward, RewardCapExhausted
from financing.models import Loan, LoanReward, LoanRewardLine
from financing.schemas import RewardClaimFields
from kernel import clock
from kernel.errors import Forbidden
from kernel.money import from_fen, to_fen
from parties import service as organisations
from parties.actors import Actor
from schemes import budget
from schemes import rules as scheme_rules
from schemes import service as schemes
from schemes.errors import WrongSchemeKind
from schemes.models import Scheme
from vouchers import contracts, pricing
from vouchers.errors import OutsideApplicationWindow

KIND = "financing_reward"


def rewarded(session, loan_id: int, *, excluding: int | None = None) -> dict[int, Decimal]:
    """Interest of the loan rewarded already, per period: the lines of its claims not lapsed."""
    q = (select(LoanRewardLine.period, sa.func.sum(LoanRewardLine.interest))
         .join(Claim, Claim.id == LoanRewardLine.claim_id)
         .where(LoanRewardLine.loan_id == loan_id, Claim.status != "lapsed").group_by(LoanRewardLine.period))
    if excluding is not None:
        q = q.where(LoanRewardLine.claim_id != excluding)
    return {period: from_fen(int(total)) for period, total in session.exec(q)}


def cap_used(session, *, scheme_id: int, enterprise_id: int, excluding: int | None = None) -> int:
    """What the enterprise's reward claims in the scheme hold or were paid (lapsed ones excepted)."""
    q = select(sa.func.coalesce(sa.func.sum(Claim.final_amount), 0)).where(
        Claim.kind == KIND, Claim.scheme_id == scheme_id, Claim.enterprise_id == enterprise_id,
        Claim.status != "lapsed")
    if excluding is not None:
        q = q.where(Claim.id != excluding)
    return int(session.exec(q).one())


def periods(loan: Loan, period_from: int | dt.date, period_to: int | dt.date) -> tuple[int, int]:
    """The range of periods asked for: numbers as they are, or the instalments due within a range
    of dates (the month of a date range is a period: its due date falls in it)."""
    if isinstance(period_from, int) and isinstance(period_to, int):
        return period_from, period_to
    if not (isinstance(period_from, dt.date) and isinstance(period_to, dt.date)):
        raise InvalidRewardRequest("give both ends of the range as period numbers or both as dates",
                                   field="period_to")
    due = [p for p in range(1, loan.term_months + 1)
           if period_from <= rules.due_date(loan.first_due_on, p) <= period_to]
    if not due:
        raise InvalidRewardRequest(f"no instalment of the loan is due from {period_from} to {period_to}",
                                   field="period_from")
    return due[0], due[-1]


def _compute(session, *, loan: Loan, scheme: Scheme, settings: scheme_rules.Settings, period_from: int,
             period_to: int, today: dt.date, excluding: int | None = None) -> rules.Reward:
    if period_to > loan.term_months:
        raise InvalidRewardRequest(f"the loan has {loan.term_months} periods; period_to {period_to} is not one",
                                   field="period_to")
    st = loans.state(session, loan, today=today)
    paid = rules.paid_interest(st.results, [r.id for r in st.repayments])
    cap_left = settings.enterprise_cap - from_fen(cap_used(session, scheme_id=scheme.id,
                                                           enterprise_id=loan.enterprise_id, excluding=excluding))
    return rules.interest_reward(paid, annual_rate=Decimal(loan.annual_rate), period_from=period_from,
                                 period_to=period_to, cap_left=max(cap_left, Decimal("0.00")),
                                 share=settings.reward_share, benchmark_rate=settings.benchmark_rate,
                                 already_rewarded=rewarded(session, loan.id, excluding=excluding))


def _amount(reward: rules.Reward) -> int:
    if reward.before_cap == 0:
        raise NothingToReward(f"{reward.paid_interest} of interest earns a reward of 0.00",
                              details={"paid_interest": str(reward.paid_interest)})
    if reward.reward == 0:
        raise RewardCapExhausted("the enterprise's cap in this scheme is used up",
                                 details={"enterprise_cap_left": str(reward.cap_left)})
    return to_fen(reward.reward)


def _breakdown(reward: rules.Reward, *, loan: Loan, scheme: Scheme, settings: scheme_rules.Settings) -> dict:
    # ``released``: what approval gives back of the reservation (nothing: exactly the reward is held)
    return {**reward.breakdown(), "released": "0.00", "loan_id": loan.id, "scheme_id": scheme.id,
            "settings_version": scheme.settings_version,
            "settings": {"reward_share": str(settings.reward_share), "benchmark_rate": str(settings.benchmark_rate),
                         "enterprise_cap": str(settings.enterprise_cap)}}


def _store_lines(session, claim_id: int, loan_id: int, reward: rules.Reward) -> None:
    session.execute(sa.delete(LoanRewardLine.__table__).where(LoanRewardLine.claim_id == claim_id))
    for line in reward.lines:
        session.add(LoanRewardLine(claim_id=claim_id, loan_id=loan_id, period=line.period, repayment_id=line.ref,
                                   interest=to_fen(line.interest)))


def claim_reward(uow, *, actor: Actor, loan_id: int, scheme_id: int, period_from: int | dt.date,
                 period_to: int | dt.date) -> Claim:
    """``POST /loans/{id}/rewards``: reserve the reward from the financing scheme's budget and open
    its claim (or correct this loan's returned claim for the same periods)."""
    s = uow.session
    if loans.get(s, loan_id).enterprise_id != actor.org_id:
        raise Forbidden("only the loan's enterprise may claim its interest reward")
    today = clock.today()
    scheme = schemes.lock(uow, scheme_id, today=today)
    if scheme.kind != "financing":
        raise WrongSchemeKind("interest rewards are paid from a financing scheme",
                              details={"scheme_id": scheme.id, "kind": scheme.kind})
    if not scheme.apply_from <= today <= scheme.apply_to:
        raise OutsideApplicationWindow(
            f"applications are accepted from {scheme.apply_from} to {scheme.apply_to}",
            details={"apply_from": scheme.apply_from.isoformat(), "apply_to": scheme.apply_to.isoformat(),
                     "today": today.isoformat()})
    loan = loans.get(s, loan_id, lock=True)
    period_from, period_to = periods(loan, period_from, period_to)
    settings = schemes.settings_of(s, scheme)
    enterprise = organisations.get(s, loan.enterprise_id)
    scheme_rules.check_eligibility(pricing.facts(enterprise), settings, today)
    returned = s.exec(select(Claim).join(LoanReward, LoanReward.claim_id == Claim.id).where(
        LoanReward.loan_id == loan.id, LoanReward.period_from == period_from, LoanReward.period_to == period_to,
        Claim.scheme_id == scheme.id, Claim.status == "returned", Claim.lapses_on >= today)).first()
    if returned is not None:
        return _resubmit(uow, actor=actor, claim=claims.get(s, returned.id, lock=True), loan=loan, scheme=scheme,
                         settings=settings, today=today)

    reward = _compute(s, loan=loan, scheme=scheme, settings=settings, period_from=period_from, period_to=period_to,
                      today=today)
    amount = _amount(reward)
    available = budget.read(s, scheme.id).available
    if available < amount:
        raise BudgetExhausted("the scheme's available budget cannot cover this reward now",
                              details={"reward": str(reward.reward), "available": str(from_fen(available))})
    number = int(s.exec(select(sa.func.count()).select_from(LoanReward).where(LoanReward.loan_id == loan.id)).one()) + 1
    reservation_id = budget.reserve(uow, scheme_id=scheme.id, amount=amount, key=f"loan:{loan.id}:reward:{number}",
                                    ref=f"loan:{loan.id}", on=today, memo="interest reward claimed")
    contract = contracts.get(s, loan.contract_id) if loan.contract_id else None
    claim = claims.open_claim(uow, kind=KIND, scheme=scheme, enterprise_id=loan.enterprise_id,
                              provider_id=contract.provider_id if contract else None,
                              payee_org_id=loan.enterprise_id, city=enterprise.city, final_amount=amount,
                              breakdown=_breakdown(reward, loan=loan, scheme=scheme, settings=settings),
                              settings_version=scheme.settings_version, submitted_by=actor.user_id,
                              reservation_id=reservation_id, lapses_on=scheme.redeem_to, evidence_ids=None)
    s.add(LoanReward(claim_id=claim.id, loan_id=loan.id, period_from=period_from, period_to=period_to,
                     paid_interest=to_fen(reward.paid_interest)))
    _store_lines(s, claim.id, loan.id, reward)
    uow.commit()
    return claim


def _resubmit(uow, *, actor: Actor, claim: Claim, loan: Loan, scheme: Scheme, settings: scheme_rules.Settings,
              today: dt.date) -> Claim:
    """Recompute a returned reward claim and send it back to review. It can never ask for more
    than its reservation holds: what was reserved is what the budget set aside for it."""
    s = uow.session
    detail = s.get(LoanReward, claim.id)
    reward = _compute(s, loan=loan, scheme=scheme, settings=settings, period_from=detail.period_from,
                      period_to=detail.period_to, today=today, excluding=claim.id)
    amount = min(_amount(reward), budget.held(s, claim.reservation_id) or 0)
    breakdown = _breakdown(reward, loan=loan, scheme=scheme, settings=settings)
    held = budget.held(s, claim.reservation_id) or 0
    if amount < to_fen(reward.reward):
        breakdown.update(reward=str(from_fen(amount)), capped_by_reservation=True)
    breakdown["released"] = str(from_fen(held - amount))
    claims.resubmit(uow, claim=claim, final_amount=amount, breakdown=breakdown,
                    settings_version=scheme.settings_version, submitted_by=actor.user_id, evidence_ids=None)
    detail.paid_interest = to_fen(reward.paid_interest)
    s.add(detail)
    _store_lines(s, claim.id, loan.id, reward)
    uow.commit()
    return claim


class FinancingReward(kinds.ClaimKind):
    """The claim kind of an interest reward. Approval, objection and lapse move only scheme money,
    which ``claims`` does; a lapsed claim's interest is free to be rewarded again (``rewarded``)."""
    code = KIND
    response_fields = dict(RewardClaimFields._declared_fields)

    def details(self, session, rows):
        found = session.exec(select(LoanReward).where(LoanReward.claim_id.in_([c.id for c in rows]))).all()
        dump = RewardClaimFields().dump
        return {d.claim_id: dump(d) for d in found}
