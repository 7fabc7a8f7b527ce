"""Loans (POLICY.md §8): registration and its preview, repayments, default, the guarantor's buy-back,
order financing's assignment of a voucher's payout, and what a loan shows on a day.

A loan's truth is its terms and its repayments (``models``); everything else is replayed with the
pure rules on every read and every write (``state``), so the schedule a preview shows is the one
booked, and the one a read shows is the one the next repayment is allocated against.

Locks: a write that touches a voucher (an order loan's registration, the repayment that ends its
assignment) locks the voucher's scheme first (``schemes.service.lock``, which may commit what fell
due, so it must come before any other lock), then the loan, then the voucher. Everything else
locks the loan row alone: two repayments of one loan are applied one after the other.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch
from financing import rules
from financing.errors import InvalidRepayment, LoanClosed, LoanNotFound
from financing.models import OPEN_STATUSES, Loan, LoanBuyBack, LoanRepayment
from kernel import clock
from kernel.errors import Forbidden, ValidationError
from kernel.money import from_fen, to_fen
from parties import service as organisations
from parties.actors import Actor
from schemes import rules as scheme_rules
from schemes import service as schemes
from schemes.errors import WrongSchemeKind
from schemes.models import Scheme
from vouchers import applications, contracts, redemption

INSTALMENT, ORDER = "instalment", "order"


# --- terms ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoanRequest:
    """What a financier asks to register (the body of ``POST /loans``); money in fen."""
    kind: str
    enterprise_id: int
    principal: int
    annual_rate: Decimal
    term_months: int
    method: str
    first_due_on: dt.date
    guarantor_id: int | None = None
    contract_id: int | None = None
    voucher_id: int | None = None
    scheme_id: int | None = None


@dataclass(frozen=True)
class Prepared:
    """A request checked against the parties, the voucher and the settings, with its schedule."""
    request: LoanRequest
    schedule: rules.Schedule
    scheme: Scheme | None
    settings: scheme_rules.Settings
    terms: dict                    # stored as ``terms_json``: the settings used, the advance limit


def terms_of(loan: Loan) -> rules.LoanTerms:
    return rules.LoanTerms(from_fen(loan.principal), Decimal(loan.annual_rate), loan.term_months, loan.method,
                           loan.first_due_on)


def financing_settings(session, *, scheme_id: int | None, today: dt.date) -> tuple[Scheme | None,
                                                                                   scheme_rules.Settings]:
    """The financing scheme whose settings a new loan takes (``default_after_days``,
    ``advance_ratio``): the one named, else the newest financing scheme open for applications today,
    else none and the financing kind's defaults."""
    if scheme_id is not None:
        scheme = schemes.get(session, scheme_id)
        if scheme.kind != "financing":
            raise WrongSchemeKind("a loan takes its settings from a financing scheme",
                                  details={"scheme_id": scheme.id, "kind": scheme.kind})
    else:
        scheme = session.exec(select(Scheme).where(Scheme.kind == "financing", Scheme.apply_from <= today,
                                                   Scheme.apply_to >= today).order_by(Scheme.id.desc())).first()
    if scheme is None:
        return None, scheme_rules.defaults_for("financing")
    return scheme, schemes.settings_of(session, scheme)


def _org_of_kind(session, org_id: int | None, kind: str, field: str):
    if org_id is None:
        raise ValidationError(f"{field} is required for this kind of loan", field=field)
    org = organisations.get(session, org_id)
    if org.kind != kind:
        raise ValidationError(f"{field} must name a {kind}, not a {org.kind}", field=field)
    return org


def prepare(session, *, actor: Actor, request: LoanRequest, today: dt.date) -> Prepared:
    """Check a request as registration would, and build its schedule; writes nothing."""
    r = request
    financier = organisations.get(session, actor.org_id) if actor.org_id else None
    if financier is None or financier.kind != "financier":
        raise Forbidden("loans are registered by a financier's users")
    terms = rules.LoanTerms(from_fen(r.principal), r.annual_rate, r.term_months, r.method, r.first_due_on)
    _org_of_kind(session, r.enterprise_id, "enterprise", "enterprise_id")
    contract = contracts.get(session, r.contract_id) if r.contract_id is not None else None
    if contract is not None and contract.enterprise_id != r.enterprise_id:
        raise ValidationError("the contract was signed by another enterprise", field="contract_id",
                              details={"contract_enterprise_id": contract.enterprise_id})
    scheme, settings = financing_settings(session, scheme_id=r.scheme_id, today=today)
    used = {"scheme_id": scheme.id if scheme else None,
            "settings_version": scheme.settings_version if scheme else None,
            "default_after_days": settings.default_after_days}
    out: dict = {"settings": used}
    if r.kind == INSTALMENT:
        _org_of_kind(session, r.guarantor_id, "guarantor", "guarantor_id")
        if r.voucher_id is not None:
            raise ValidationError("an instalment loan is not on a voucher (that is order financing)",
                                  field="voucher_id")
    elif r.kind == ORDER:
        if r.guarantor_id is not None:
            raise ValidationError("order financing has no guarantor: the voucher's payout secures it",
                                  field="guarantor_id")
        if contract is None:
            raise ValidationError("order financing needs the signed contract", field="contract_id")
        if r.voucher_id is None:
            raise ValidationError("order financing needs the contract's cloud voucher", field="voucher_id")
        voucher = applications.get(session, r.voucher_id)
        if voucher.contract_id != contract.id:
            raise ValidationError("the voucher is not the contract's", field="voucher_id",
                                  details={"voucher_contract_id": voucher.contract_id})
        redemption.check_assignable(session, voucher, today)
        limit = rules.check_advance(terms.principal, contract_amount=from_fen(contract.amount),
                                    advance_ratio=settings.advance_ratio)
        used["advance_ratio"] = str(settings.advance_ratio)
        out.update(contract_amount=str(from_fen(contract.amount)), advance_limit=str(limit),
                   formula="advance ≤ floor_fen(advance_ratio × contract amount)")
    else:
        raise ValidationError("kind must be instalment or order", field="kind")
    return Prepared(r, rules.build_schedule(terms), scheme, settings, out)


def register(uow, *, actor: Actor, request: LoanRequest) -> Loan:
    """Book the loan exactly as ``prepare`` (the preview) shows it; an order loan assigns its
    voucher's payout to the financier in the same transaction."""
    s = uow.session
    today = clock.today()
    if request.kind == ORDER and request.voucher_id is not None:
        schemes.lock(uow, applications.get(s, request.voucher_id).scheme_id, today=today)
    p = prepare(s, actor=actor, request=request, today=today)
    r = p.request
    loan = Loan(kind=r.kind, financier_id=actor.org_id, enterprise_id=r.enterprise_id, guarantor_id=r.guarantor_id,
                contract_id=r.contract_id, voucher_id=r.voucher_id, principal=r.principal,
                annual_rate=str(p.schedule.terms.annual_rate), term_months=r.term_months, method=r.method,
                first_due_on=r.first_due_on, default_after_days=p.settings.default_after_days,
                scheme_id=p.scheme.id if p.scheme else None,
                settings_version=p.scheme.settings_version if p.scheme else None,
                terms_json=json.dumps(p.terms, ensure_ascii=False), status="active", created_by=actor.user_id)
    s.add(loan)
    s.flush()
    if r.kind == ORDER:
        redemption.assign_payout(uow, voucher_id=r.voucher_id, org_id=actor.org_id)
    uow.commit()
    return loan


# --- reading ----------------------------------------------------------------------------------

def get(session, loan_id: int, *, lock: bool = False) -> Loan:
    return fetch(session, Loan, loan_id, lock=lock, missing=LoanNotFound, what="loan")


def check_reader(loan: Loan, actor: Actor) -> None:
    if not actor.is_staff and actor.org_id not in (loan.financier_id, loan.enterprise_id, loan.guarantor_id):
        raise Forbidden("this loan belongs to other organisations")


def repayments_of(session, loan_id: int) -> list[LoanRepayment]:
    return list(session.exec(select(LoanRepayment).where(LoanRepayment.loan_id == loan_id)
                             .order_by(LoanRepayment.seq)))


def _facts(rows: list[LoanRepayment]) -> list[rules.Repayment]:
    return [rules.Repayment(r.paid_on, from_fen(r.amount)) for r in rows]


@dataclass(frozen=True)
class LoanState:
    """A loan on ``today``: the schedule as built, the repayments replayed on it, and its status."""
    loan: Loan
    today: dt.date
    built: rules.Schedule
    schedule: rules.Schedule                       # after every repayment
    results: tuple[rules.RepaymentResult, ...]     # one per repayment, in order
    repayments: list[LoanRepayment]
    status: str                                    # what the loan is today
    default: rules.DefaultStatus
    buy_back: LoanBuyBack | None


def state(session, loan: Loan, *, today: dt.date) -> LoanState:
    """Replay the loan. An open loan whose instalment has lapsed reads ``in_default`` today,
    before the default job or the next write stores it (a read never writes)."""
    rows = repayments_of(session, loan.id)
    built = rules.build_schedule(terms_of(loan))
    facts = _facts(rows)
    schedule, results = rules.replay(built, facts)
    status = loan.status
    if status in OPEN_STATUSES:
        default = rules.default_status(built, facts, on=today, default_after_days=loan.default_after_days)
        status = "in_default" if default.in_default else "active"
    else:
        default = rules.DefaultStatus(loan.defaulted_on is not None, loan.defaulted_on, loan.default_period)
    bought = session.get(LoanBuyBack, loan.id) if loan.status == "bought_back" else None
    return LoanState(loan, today, built, schedule, results, rows, status, default, bought)


# --- repayments -------------------------------------------------------------------------------

def _lock_for_write(uow, loan_id: int, today: dt.date) -> Loan:
    """The loan locked for a write, after its voucher's scheme for an order loan (see the module)."""
    s = uow.session
    loan = get(s, loan_id)
    if loan.kind == ORDER:
        schemes.lock(uow, applications.get(s, loan.voucher_id).scheme_id, today=today)
    return get(s, loan_id, lock=True)


def _store_default(loan: Loan, default: rules.DefaultStatus) -> None:
    """Store an open loan's default as the rules compute it from its facts: the stored status is a
    cache of them. Default does not cure (``rules.default_status``), but a repayment dated on or
    before the default day and recorded after the default job ran shows the instalment was paid
    in time: the loan is active again."""
    if loan.status in OPEN_STATUSES:
        if default.in_default:
            loan.status, loan.defaulted_on, loan.default_period = "in_default", default.since, default.period
        else:
            loan.status, loan.defaulted_on, loan.default_period = "active", None, None


def repay(uow, *, actor: Actor, loan_id: int, paid_on: dt.date, amount: int) -> tuple[LoanRepayment,
                                                                                          rules.RepaymentResult,
                                                                                          Loan]:
    """Record a repayment the financier received: allocated oldest due instalment first, interest
    first; money beyond the month in progress prepays principal and the later instalments are
    re-amortised over the same term (``rules.apply_repayment``). A loan repaid in full closes
    ``repaid``, and an order loan's voucher is paid to the enterprise again."""
    s = uow.session
    today = clock.today()
    if get(s, loan_id).financier_id != actor.org_id:
        raise Forbidden("only the loan's financier records its repayments")
    loan = _lock_for_write(uow, loan_id, today)
    if loan.status not in OPEN_STATUSES:
        raise LoanClosed(f"the loan is {loan.status}", details={"status": loan.status,
                                                                "closed_on": loan.closed_on.isoformat()})
    if paid_on > today:
        raise InvalidRepayment(f"a repayment cannot be dated after today ({today})", field="paid_on")
    rows = repayments_of(s, loan.id)
    built = rules.build_schedule(terms_of(loan))
    before, _ = rules.replay(built, _facts(rows))
    result = rules.apply_repayment(before, paid_on=paid_on, amount=from_fen(amount))
    row = LoanRepayment(loan_id=loan.id, seq=len(rows) + 1, paid_on=paid_on, amount=amount,
                        recorded_by=actor.user_id)
    s.add(row)
    if result.schedule.repaid:
        loan.status, loan.closed_on = "repaid", paid_on
        if loan.kind == ORDER:
            redemption.end_assignment(uow, voucher_id=loan.voucher_id)
    else:
        _store_default(loan, rules.default_status(built, _facts(rows + [row]), on=today,
                                                  default_after_days=loan.default_after_days))
    s.add(loan)
    s.flush()
    uow.commit()
    return row, result, loan


# --- default and buy-back ---------------------------------------------------------------------

def store_default(uow, *, loan_id: int) -> bool:
    """The default job for one loan: store ``in_default`` if an instalment lapsed by today. True if
    it did; the caller commits (``mark_defaults``)."""
    s = uow.session
    loan = get(s, loan_id, lock=True)
    if loan.status != "active":
        return False
    default = rules.default_status(rules.build_schedule(terms_of(loan)), _facts(repayments_of(s, loan.id)),
                                   on=clock.today(), default_after_days=loan.default_after_days)
    _store_default(loan, default)
    s.add(loan)
    return default.in_default


def mark_defaults(uow_factory, *, chunk: int = 500) -> int:
    """``yunquan loans default``: every active loan with an instalment unpaid ``default_after_days``
    past due is stored ``in_default``, one transaction per loan (a loan's lock is never held while
    waiting for another's). Returns how many."""
    marked, after = 0, 0
    while True:
        with uow_factory.reader() as s:
            ids = list(s.exec(select(Loan.id).where(Loan.status == "active", Loan.id > after)
                              .order_by(Loan.id).limit(chunk)))
        if not ids:
            return marked
        for loan_id in ids:
            marked += uow_factory.run(lambda u, lid=loan_id: _store_and_commit(u, lid))
        after = ids[-1]


def _store_and_commit(uow, loan_id: int) -> int:
    marked = store_default(uow, loan_id=loan_id)
    uow.commit()
    return int(marked)


def buy_back(uow, *, actor: Actor, loan_id: int, paid_on: dt.date) -> tuple[Loan, LoanBuyBack, rules.BuyBack]:
    """The named guarantor buys back a loan in default: the outstanding principal plus the interest
    due and unpaid on ``paid_on`` (``rules.buy_back``). The loan closes ``bought_back``."""
    s = uow.session
    today = clock.today()
    loan = get(s, loan_id, lock=True)
    if loan.guarantor_id is None or actor.org_id != loan.guarantor_id:
        raise Forbidden("only the loan's named guarantor may buy it back",
                        details={"guarantor_id": loan.guarantor_id})
    if loan.status not in OPEN_STATUSES:
        raise LoanClosed(f"the loan is {loan.status}", details={"status": loan.status,
                                                                "closed_on": loan.closed_on.isoformat()})
    if paid_on > today:
        raise ValidationError(f"a buy-back cannot be dated after today ({today})", field="paid_on")
    result = rules.buy_back(rules.build_schedule(terms_of(loan)), _facts(repayments_of(s, loan.id)), on=paid_on,
                            default_after_days=loan.default_after_days)
    _store_default(loan, result.default)
    row = LoanBuyBack(loan_id=loan.id, guarantor_id=actor.org_id, paid_on=paid_on, principal=to_fen(result.principal),
                      interest=to_fen(result.interest), amount=to_fen(result.amount), recorded_by=actor.user_id)
    loan.status, loan.closed_on = "bought_back", paid_on
    s.add(row)
    s.add(loan)
    s.flush()
    uow.commit()
    return loan, row, result


# --- lists ------------------------------------------------------------------------------------

def list_page(session, *, actor: Actor, today: dt.date, after: int, limit: int, kind: str | None = None,
              status: str | None = None, enterprise_id: int | None = None, financier_id: int | None = None,
              guarantor_id: int | None = None, chunk: int = 200) -> list[LoanState]:
    """Loans after id ``after``, as they are today: a financier sees its own, an enterprise its own,
    a guarantor those it guarantees, staff all. ``status`` filters on the status of the day (a loan
    whose default is not stored yet is ``in_default``), so rows are read in chunks and judged."""
    q = select(Loan).order_by(Loan.id)
    if not actor.is_staff:
        q = q.where(sa.or_(Loan.financier_id == actor.org_id, Loan.enterprise_id == actor.org_id,
                           Loan.guarantor_id == actor.org_id))
    for column, value in ((Loan.kind, kind), (Loan.enterprise_id, enterprise_id),
                          (Loan.financier_id, financier_id), (Loan.guarantor_id, guarantor_id)):
        if value:
            q = q.where(column == value)
    if status in ("repaid", "bought_back"):
        q = q.where(Loan.status == status)
    elif status in OPEN_STATUSES:
        q = q.where(Loan.status.in_(OPEN_STATUSES))
    out: list[LoanState] = []
    while len(out) < limit:
        rows = list(session.exec(q.where(Loan.id > after).limit(chunk)))
        for loan in rows:
            st = state(session, loan, today=today)
            if status is None or st.status == status:
                out.append(st)
                if len(out) == limit:
                    break
        if len(rows) < chunk:
            break
        after = rows[-1].id
    return out


# --- what a loan shows ------------------------------------------------------------------------

def _fen(value: Decimal) -> int:
    return to_fen(value)


def instalment_state(inst: rules.Instalment, today: dt.date) -> str:
    if inst.settled:
        return "paid"
    if inst.due_on < today:
        return "overdue"
    if inst.due_on == today:
        return "due"
    return "partly_paid" if inst.paid_interest or inst.paid_principal else "upcoming"


def schedule_rows(schedule: rules.Schedule, today: dt.date) -> list[dict]:
    """The instalments as the API and the spreadsheet show them (money in fen)."""
    return [{"period": i.period, "due_on": i.due_on, "principal": _fen(i.principal), "interest": _fen(i.interest),
             "payment": _fen(i.payment), "balance": _fen(i.balance),
             "paid": _fen(i.paid_interest + i.paid_principal), "paid_interest": _fen(i.paid_interest),
             "paid_principal": _fen(i.paid_principal), "owed": _fen(i.owed), "state": instalment_state(i, today)}
            for i in schedule.instalments]


def schedule_view(schedule: rules.Schedule, today: dt.date) -> dict:
    return {"items": schedule_rows(schedule, today), "total_principal": _fen(schedule.total_principal),
            "total_interest": _fen(schedule.total_interest),
            "total_payment": _fen(schedule.total_principal + schedule.total_interest)}


def repayment_view(row: LoanRepayment, result: rules.RepaymentResult) -> dict:
    return {"id": row.id, "loan_id": row.loan_id, "seq": row.seq, "paid_on": row.paid_on, "amount": row.amount,
            "allocations": [{"period": a.period, "interest": _fen(a.interest), "principal": _fen(a.principal)}
                            for a in result.allocations],
            "prepaid_principal": _fen(result.prepaid_principal), "recomputed_from": result.recomputed_from}


def buy_back_view(loan: Loan, row: LoanBuyBack, interest_periods: list[int] | None = None) -> dict:
    return {"loan_id": loan.id, "status": loan.status, "paid_on": row.paid_on, "principal": row.principal,
            "interest": row.interest, "amount": row.amount, "interest_periods": interest_periods or [],
            "defaulted_on": loan.defaulted_on}


def terms_view(loan_or_request, prepared_terms: dict, schedule: rules.Schedule) -> dict:
    r = loan_or_request
    return {"kind": r.kind, "enterprise_id": r.enterprise_id, "guarantor_id": r.guarantor_id,
            "contract_id": r.contract_id, "voucher_id": r.voucher_id, "principal": r.principal,
            "annual_rate": str(schedule.terms.annual_rate), "term_months": r.term_months, "method": r.method,
            "first_due_on": r.first_due_on, "starts_on": schedule.terms.starts_on, "terms": prepared_terms}


def preview_view(p: Prepared, today: dt.date) -> dict:
    """What registering the request would book, as ``POST /loans`` would answer (no id yet)."""
    settings = p.terms["settings"]
    return {**terms_view(p.request, p.terms, p.schedule), "status": "preview", "as_of": today,
            "default_after_days": settings["default_after_days"], "scheme_id": settings["scheme_id"],
            "settings_version": settings["settings_version"],
            "schedule": schedule_rows(p.schedule, today)}


def summary(st: LoanState, *, with_schedule: bool = False) -> dict:
    """The loan at a glance on ``st.today``: status, what is due, overdue and paid."""
    loan, sch, today = st.loan, st.schedule, st.today
    unsettled = [i for i in sch.instalments if not i.settled]
    overdue = [i for i in unsettled if i.due_on < today]
    upcoming = [i for i in unsettled if i.due_on > today]
    is_open = loan.status in OPEN_STATUSES
    buy_back_amount = None
    if is_open and st.status == "in_default" and loan.guarantor_id is not None:
        buy_back_amount = _fen(rules.buy_back(st.built, _facts(st.repayments), on=today,
                                              default_after_days=loan.default_after_days).amount)
    out = {
        **terms_view(loan, json.loads(loan.terms_json), sch),
        "id": loan.id, "status": st.status, "financier_id": loan.financier_id,
        "default_after_days": loan.default_after_days, "scheme_id": loan.scheme_id,
        "settings_version": loan.settings_version, "as_of": today,
        "due": _fen(rules.amount_due(sch, on=today)) if is_open else 0,
        "overdue": _fen(sum((i.owed for i in overdue), Decimal("0.00"))) if is_open else 0,
        "overdue_since": overdue[0].due_on if is_open and overdue else None,
        "days_overdue": (today - overdue[0].due_on).days if is_open and overdue else 0,
        "next_due_on": upcoming[0].due_on if is_open and upcoming else None,
        "next_due_amount": _fen(upcoming[0].owed) if is_open and upcoming else None,
        "paid": sum(r.amount for r in st.repayments),
        "paid_principal": _fen(sum((i.paid_principal for i in sch.instalments), Decimal("0.00"))),
        "paid_interest": _fen(sum((i.paid_interest for i in sch.instalments), Decimal("0.00"))),
        "outstanding_principal": _fen(sch.outstanding_principal) if loan.status != "bought_back" else 0,
        "payoff_amount": _fen(rules.payoff_amount(sch, on=today)) if is_open else 0,
        "defaulted_on": st.default.since, "default_period": st.default.period,
        "buy_back_amount": buy_back_amount,
        "buy_back": buy_back_view(loan, st.buy_back) if st.buy_back else None,
        "closed_on": loan.closed_on,
        "repayments": [repayment_view(row, result) for row, result in zip(st.repayments, st.results)],
    }
    if with_schedule:
        out["schedule"] = schedule_rows(sch, today)
    return out
