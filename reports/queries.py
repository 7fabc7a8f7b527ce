"""What each report reads, as the plain facts ``reports/build.py`` takes. Reads only, never writes.

Large tables come back as generators that read ``chunk`` rows at a time (keyset pages), so an
export of a million rows holds one page in memory; use them inside one snapshot session
(``UowFactory.snapshot``), which the API and the CLI open for the whole rendering. The ledger is read
only through ``ledger.service``; the other packages' tables directly, with their own definitions of
status (``claims.service.status_is``) so that a report and the API never disagree.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable, Iterator, Sequence

import sqlalchemy as sa
from sqlmodel import select

from catalog import products as catalog
from catalog.models import Product, ProductVersion
from catalog.rules import ITEM_KINDS, describe_standard
from claims import service as claims
from claims.models import Claim, Evidence
from clusters import applications as pilot_applications
from clusters import service as clusters
from clusters.models import Cluster
from kernel.errors import NotFound
from kernel.money import parse_money
from ledger import service as ledger
from parties import service as parties
from parties.models import Organisation
from payouts import batches
from payouts.models import BankStatement, BankTxn, PayoutLine
from reports import build
from reports.errors import AccountNotFound, StatementNotFound
from schemes.models import Scheme
from vouchers import applications
from vouchers.models import Contract, ContractLine, Voucher, VoucherClaim

C, L, T, O, S = Claim.__table__, PayoutLine.__table__, BankTxn.__table__, Organisation.__table__, Scheme.__table__

# --- who users are (the shell's table, through the hook it registers at start-up) -----------------

UserNames = Callable[[Any, Sequence[int]], dict[int, str]]
_user_names: UserNames | None = None


def on_user_names(fn: UserNames) -> None:
    """The shell tells reports how to name a user id (``yunquan.bootstrap``): users live above us."""
    global _user_names
    _user_names = fn


def user_names(session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    found = _user_names(session, wanted) if _user_names and wanted else {}
    return {i: found.get(i, f"用户 {i}") for i in wanted}


def scheme_names(session) -> dict[int, str]:
    return dict(session.execute(sa.select(S.c.id, S.c.name)).all())


def _money(text: str | None) -> int:
    """A money string of a stored breakdown ("55000.00") as fen; absent is 0."""
    return 0 if text in (None, "") else parse_money(str(text), allow_negative=True)


def _journals(session, refs: Sequence[str]) -> list[build.JournalFacts]:
    found = {j.id: j for ref in refs for j in ledger.journals_for_ref(session, ref)}
    return [build.JournalFacts(j.id, j.effective_date, j.kind, tuple((leg.account, leg.amount) for leg in j.legs),
                               j.hash) for _, j in sorted(found.items())]


def _party(org: Organisation | None) -> build.Party:
    if org is None:
        return build.Party("")
    return build.Party(org.name, org.uscc, org.bank_name or "", org.bank_account or "")


# --- the settlement statement of a voucher's claim ---------------------------------------------------

def voucher_settlement(session, claim: Claim, *, today: dt.date, now: dt.datetime) -> build.VoucherSettlement:
    detail = session.get(VoucherClaim, claim.id)
    if detail is None:
        raise NotFound(f"claim {claim.id} has no voucher", details={"claim_id": claim.id})
    voucher = session.get(Voucher, detail.voucher_id)
    contract = session.get(Contract, voucher.contract_id)
    face = json.loads(voucher.breakdown_json)
    by_line = {ln["line_no"]: ln for ln in face.get("lines", [])}
    lines = []
    for line, version in session.execute(
            select(ContractLine, ProductVersion).join(ProductVersion, ProductVersion.id == ContractLine.version_id)
            .where(ContractLine.contract_id == contract.id).order_by(ContractLine.line_no)).all():
        priced = by_line.get(line.line_no, {})
        kind = ITEM_KINDS.get(version.item_kind)
        lines.append(build.ContractLineFacts(
            line_no=line.line_no, product=version.name, item_kind=kind.label_zh if kind else version.item_kind,
            quantity=line.quantity, unit=version.unit, unit_price=line.unit_price, amount=line.amount,
            standard=describe_standard(catalog.load_standard(version.standard), version.unit),
            before_cap=_money(priced.get("before_cap")), subsidy=_money(priced.get("subsidy")),
            cap_applied=bool(priced.get("cap_applied"))))
    breakdown = claims.breakdown_of(claim)
    orgs = {o.id: o for o in session.exec(select(Organisation).where(
        Organisation.id.in_({claim.enterprise_id, claim.payee_org_id, voucher.provider_id})))}
    ids = claims.evidence_ids(claim)
    evidence = {e.id: e for e in session.exec(select(Evidence).where(Evidence.id.in_(ids)))} if ids else {}
    payments = session.exec(select(PayoutLine).where(PayoutLine.claim_id == claim.id, PayoutLine.status != "cancelled")
                            .order_by(PayoutLine.id)).all()
    return build.VoucherSettlement(
        claim_id=claim.id, claim_status=claims.effective_status(claim, today),
        scheme=session.get(Scheme, claim.scheme_id).name,
        enterprise=_party(orgs.get(claim.enterprise_id)), provider=_party(orgs.get(voucher.provider_id)),
        payee=_party(orgs.get(claim.payee_org_id)), voucher_id=voucher.id,
        voucher_status=applications.effective_status(session, voucher, today),
        contract_id=contract.id, signed_on=contract.signed_on, contract_amount=contract.amount, lines=lines,
        face=build.FaceValueFacts(
            sum_of_lines=_money(face.get("sum_of_lines")), city=face.get("city", ""),
            max_share_rate=face.get("max_share_rate", ""), max_share_cap=_money(face.get("max_share_cap")),
            enterprise_cap_left=_money(face.get("enterprise_cap_left")),
            provider_quota_left=_money(face.get("provider_quota_left")), face_value=voucher.face_value,
            binding=tuple(face.get("binding", ())), settings_version=voucher.settings_version),
        invoice_amount=detail.invoice_amount, paid_amount=detail.paid_amount,
        paid_ratio=breakdown.get("paid_ratio", ""), min_paid_ratio=breakdown.get("min_paid_ratio", ""),
        min_paid_amount=_money(breakdown.get("min_paid_amount")), final_amount=claim.final_amount,
        released=_money(breakdown.get("released")), limited_by=breakdown.get("limited_by"),
        claim_settings_version=claim.settings_version, submitted_at=claim.submitted_at,
        approved_on=claim.approved_on, publicity_ends_on=claim.publicity_ends_on, paid_on=claim.paid_on,
        evidence=[build.EvidenceFacts(e.kind, e.filename, e.sha256, e.size, e.created_at)
                  for e in (evidence[i] for i in ids if i in evidence)],
        journals=_journals(session, [f"claim:{claim.id}", f"voucher:{voucher.id}"]),
        payments=[build.PaymentFacts(p.batch_id, p.reference, p.amount, p.status, p.bank_txn_id) for p in payments],
        generated_at=now, scheme_names=scheme_names(session))


# --- payout batches ----------------------------------------------------------------------------------

def batch_facts(session, batch_id: int, *, now: dt.datetime) -> build.BatchFacts:
    batch = batches.get(session, batch_id)
    names = user_names(session, [batch.created_by, batch.approved_by])
    skipped = batches.skipped(batch)
    payees = dict(session.execute(sa.select(O.c.id, O.c.name).where(
        O.c.id.in_({s["payee_org_id"] for s in skipped}))).all()) if skipped else {}
    return build.BatchFacts(
        id=batch.id, scheme=session.get(Scheme, batch.scheme_id).name, status=batch.status,
        line_count=batch.line_count, total=batch.total, maker=names[batch.created_by], made_at=batch.created_at,
        checker=names.get(batch.approved_by), approved_at=batch.approved_at,
        journals=_journals(session, [f"batch:{batch.id}"]),
        skipped=[build.SkippedClaim(s["claim_id"], payees.get(s["payee_org_id"], str(s["payee_org_id"])), s["code"])
                 for s in skipped],
        generated_at=now, scheme_names=scheme_names(session))


def batch_lines(session, batch_id: int, *, chunk: int = 5000) -> Iterator[build.BatchLine]:
    last = 0
    while True:
        rows = session.execute(
            sa.select(L.c.id, L.c.reference, L.c.claim_id, L.c.payee_name, L.c.payee_account, L.c.amount, L.c.status,
                      L.c.bank_txn_id)
            .where(L.c.batch_id == batch_id, L.c.id > last).order_by(L.c.id).limit(chunk)).all()
        if not rows:
            return
        for r in rows:
            yield build.BatchLine(r.reference, r.claim_id, r.payee_name, r.payee_account, r.amount, r.status,
                                  r.bank_txn_id)
        last = rows[-1].id


# --- bank statements -----------------------------------------------------------------------------------

def statement_facts(session, statement_id: int, *, now: dt.datetime) -> build.StatementFacts:
    st = session.get(BankStatement, statement_id)
    if st is None:
        raise StatementNotFound(f"bank statement {statement_id} not found", details={"statement_id": statement_id})
    totals = [build.OutcomeTotal(outcome, int(count), int(amount)) for outcome, count, amount in session.execute(
        sa.select(T.c.outcome, sa.func.count(), sa.func.coalesce(sa.func.sum(T.c.amount), 0))
        .where(T.c.statement_id == statement_id).group_by(T.c.outcome))]
    missing = missing_payments(session, statement_id)
    if missing:
        totals.append(build.OutcomeTotal("missing", len(missing), sum(m.amount for m in missing)))
    return build.StatementFacts(
        id=st.id, filename=st.filename, sha256=st.sha256, encoding=st.encoding, lines=st.lines,
        imported_by=user_names(session, [st.imported_by])[st.imported_by], imported_at=st.imported_at,
        counts_at_import={k: getattr(st, k) for k in build.RECONCILIATION_ORDER}, totals=totals, missing=missing,
        generated_at=now)


def missing_payments(session, statement_id: int) -> list[build.MissingPayment]:
    """Payments sent in the batches this statement's lines name that no statement has mentioned yet
    (what ``payouts.reconciliation`` calls missing, read now)."""
    named = sa.select(L.c.batch_id).join(T, T.c.reference == L.c.reference).where(T.c.statement_id == statement_id)
    rows = session.execute(
        sa.select(L.c.reference, L.c.claim_id, L.c.payee_name, L.c.amount, L.c.batch_id)
        .where(L.c.batch_id.in_(named), L.c.status == "sent", ~sa.exists().where(T.c.reference == L.c.reference))
        .order_by(L.c.id)).all()
    return [build.MissingPayment(*r) for r in rows]


def statement_lines(session, statement_id: int, *, chunk: int = 5000) -> Iterator[build.BankLine]:
    """The bank transactions this statement recorded (first seen on it, or corrected by it), in the
    order of the file, with the claim each one paid."""
    last = -1
    while True:
        rows = session.execute(
            sa.select(T.c.line_no, T.c.bank_txn_id, T.c.value_date, T.c.reference, T.c.payee_account, T.c.amount,
                      T.c.outcome, T.c.reason, T.c.journal_id, L.c.claim_id)
            .outerjoin(L, L.c.reference == T.c.reference)
            .where(T.c.statement_id == statement_id, T.c.line_no > last).order_by(T.c.line_no).limit(chunk)).all()
        if not rows:
            return
        for r in rows:
            yield build.BankLine(r.line_no, r.bank_txn_id, r.value_date, r.reference, r.payee_account, r.amount,
                                 r.outcome, r.reason, r.claim_id, r.journal_id)
        last = rows[-1].line_no


# --- the publicity list ------------------------------------------------------------------------------

def _scheme(session, scheme_id: int) -> Scheme:
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise NotFound(f"scheme {scheme_id} not found", details={"scheme_id": scheme_id})
    return scheme


def _in_publicity(today: dt.date, scheme_id: int | None):
    where = [claims.status_is("publicity", today)]
    if scheme_id is not None:
        where.append(C.c.scheme_id == scheme_id)
    return where


def publicity_facts(session, *, today: dt.date, scheme_id: int | None, now: dt.datetime) -> build.PublicityFacts:
    scheme = _scheme(session, scheme_id).name if scheme_id is not None else None
    count, total = session.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(C.c.final_amount), 0))
                                   .where(*_in_publicity(today, scheme_id))).one()
    return build.PublicityFacts(today=today, scheme=scheme, count=int(count), total=int(total), generated_at=now)


def publicity_lines(session, *, today: dt.date, scheme_id: int | None,
                    chunk: int = 5000) -> Iterator[build.PublicityLine]:
    ent, prov = O.alias("ent"), O.alias("prov")
    last = 0
    while True:
        rows = session.execute(
            sa.select(C.c.id, ent.c.name, prov.c.name, S.c.name, C.c.kind, C.c.final_amount, C.c.approved_on,
                      C.c.publicity_ends_on)
            .join(ent, ent.c.id == C.c.enterprise_id).outerjoin(prov, prov.c.id == C.c.provider_id)
            .join(S, S.c.id == C.c.scheme_id)
            .where(*_in_publicity(today, scheme_id), C.c.id > last).order_by(C.c.id).limit(chunk)).all()
        if not rows:
            return
        for r in rows:
            yield build.PublicityLine(r[0], r[1], r[2] or "", r[3], r[4], r[5], r[6], r[7])
        last = rows[-1][0]


# --- the ledger ----------------------------------------------------------------------------------------

def verify_facts(session, *, anchors: str | None, now: dt.datetime) -> build.VerifyFacts:
    """What ``GET /ledger/verify`` says, anchors included (``anchors``: the anchors file, or None)."""
    v = ledger.verify(session, anchors=anchors)
    return build.VerifyFacts(ok=v.ok, journals=v.journals, head_hash=v.head_hash,
                             first_bad_journal=v.first_bad_journal, problem=v.problem,
                             anchors_checked=v.anchors_checked if anchors else None,
                             checked_at=v.checked_at or now)


def trial_balance_facts(session, *, as_of: dt.date | None, anchors: str | None,
                        now: dt.datetime) -> build.TrialBalanceFacts:
    verified = verify_facts(session, anchors=anchors, now=now)  # first: the balances below are what it saw
    tb = ledger.trial_balance(session, as_of=as_of)
    closed = tb.closed_period
    return build.TrialBalanceFacts(as_of=as_of, rows=tb.rows, total_debit=tb.total_debit,
                                   total_credit=tb.total_credit, verify=verified, generated_at=now,
                                   scheme_names=scheme_names(session),
                                   closed_month=closed.month if closed else None,
                                   closed_head_hash=closed.head_hash if closed else None)


def account_facts(session, code: str, *, start: dt.date | None, end: dt.date | None,
                  now: dt.datetime) -> build.AccountFacts:
    found = ledger.accounts(session, [code])
    if not found:
        raise AccountNotFound(f"ledger account {code!r} not found", details={"account": code})
    opening = (ledger.balances_as_of(session, start - dt.timedelta(days=1), prefix=code).get(code, 0)
               if start is not None else 0)
    moved = ledger.account_turnover(session, code, start=start, end=end)
    return build.AccountFacts(code=code, name=found[0].name, start=start, end=end, opening=opening,
                              closing=opening + moved.debit - moved.credit, debit=moved.debit, credit=moved.credit,
                              postings=moved.postings, generated_at=now, scheme_names=scheme_names(session))


def account_lines(session, code: str, *, start: dt.date | None, end: dt.date | None) -> Iterator[build.PostingLine]:
    for p in ledger.account_postings(session, code, start=start, end=end):
        yield build.PostingLine(p.journal_id, p.effective_date, p.kind, p.memo, p.ref, p.amount)


def beancount_accounts(session):
    from reports.beancount import Account
    return [Account(a.code, a.name, a.no_negative) for a in ledger.accounts(session)]


def beancount_journals(session):
    from reports.beancount import Journal
    for j in ledger.journals_in_date_order(session):
        yield Journal(j.id, j.key, j.kind, j.effective_date, j.hash, tuple((leg.account, leg.amount) for leg in j.legs),
                      memo=j.memo, ref=j.ref, reverses=j.reverses)


# --- the Annex 5 product table ------------------------------------------------------------------------

def annex5_scope(session, *, provider_id: int | None, cluster_id: int | None) -> tuple[str, list[int] | None]:
    """Whose products, as words for the title and as provider ids (None: every provider)."""
    if cluster_id is not None:
        cluster = session.get(Cluster, cluster_id)
        ids = clusters.alliance_providers(session, cluster_id)  # ClusterNotFound for an unknown pilot
        return f"{cluster.name}（牵头单位及联合体成员）", ids
    if provider_id is not None:
        return parties.get(session, provider_id).name, [provider_id]
    return "全部服务商", None


def annex5_facts(session, *, scope: str, provider_ids: list[int] | None, now: dt.datetime) -> build.Annex5Facts:
    count = sum(1 for _ in _approved_products(session, provider_ids, page=500))
    return build.Annex5Facts(scope=scope, count=count, generated_at=now)


def _approved_products(session, provider_ids: list[int] | None, *, page: int) -> Iterator[catalog.ProductView]:
    after = 0
    while True:  # the catalogue's own listing: everyone's view, the newest approved version of each product
        views = catalog.list_page(session, viewer=None, after=after, limit=page, provider_ids=provider_ids)
        yield from views
        if len(views) < page:
            return
        after = views[-1].id


def annex5_lines(session, *, provider_ids: list[int] | None, page: int = 500) -> Iterator[build.ProductLine]:
    for v in _approved_products(session, provider_ids, page=page):
        yield build.ProductLine(v.name, v.provider_name, v.scenario, v.modules, v.expected_effect, v.standard_text,
                                v.item_kind_label, v.unit, v.unit_price, v.valid_from, v.valid_to)


# --- the application for a pilot (申报书) --------------------------------------------------------------

def _org_facts(org: Organisation) -> build.OrgFacts:
    return build.OrgFacts(org.name, org.uscc, org.city, org.kind, org.founded_on)


def application_facts(session, application_id: int, *, now: dt.datetime) -> tuple[build.ApplicationFacts, list[int]]:
    """The application's facts and the product ids of its Annex 5."""
    app = pilot_applications.get(session, application_id)
    v = pilot_applications.view(session, app)
    lead = session.get(Organisation, app.lead_org_id)
    partners = [session.get(Organisation, p["org_id"]) for p in v["partners"]]
    projects = [build.ProjectFacts(p["name"], p["unit"], p["content"] or "", p["start_on"], p["end_on"], p["investment"])
                for p in v["annexes"]["projects"]]
    steps = [(st["action"], st["level"] or "", st["org_name"], st["at"], st["reason"]) for st in v["steps"]]
    facts = build.ApplicationFacts(
        id=app.id, name=app.name, industry=app.industry, starting_area=app.starting_area, city=app.city, year=app.year,
        contact=app.contact, status=app.status, lead=_org_facts(lead), partners=[_org_facts(p) for p in partners],
        sections=v["sections"], enterprises=v["annexes"]["enterprises"], shortcomings=v["annexes"]["shortcomings"],
        roadmap=v["annexes"]["roadmap"], projects=projects, targets=v["targets"], investment_total=app.investment_total,
        steps=steps, generated_at=now)
    return facts, v["annexes"]["product_ids"]


def application_products(session, product_ids: list[int]) -> list[build.ProductLine]:
    """Annex 5 of an application: its products as the catalogue shows them (the newest approved version)."""
    if not product_ids:
        return []
    providers = sorted({p.provider_id for p in session.exec(select(Product).where(Product.id.in_(product_ids)))})
    wanted = set(product_ids)
    lines = {v.id: build.ProductLine(v.name, v.provider_name, v.scenario, v.modules, v.expected_effect, v.standard_text,
                                     v.item_kind_label, v.unit, v.unit_price, v.valid_from, v.valid_to)
             for v in _approved_products(session, providers, page=500) if v.id in wanted}
    return [lines[i] for i in product_ids if i in lines]
