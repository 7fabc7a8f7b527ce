"""Enterprise pages: contracts, applying for a voucher (dry run first), evidence, claims followed
through review, 公示 and payout, the settlement statement; loans and trainees read only."""
from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlmodel import select

from adapters.access import reader
from claims import evidence
from claims import service as claims
from kernel import clock
from kernel.errors import DomainError, ValidationError
from portal import blp
from portal.helpers import LIST_LIMIT, actor, attempt, line_names, load, org_names, write
from portal.messages import error_text
from portal.security import page
from portal.views_provider import require_org_of
from schemes import service as schemes
from vouchers import applications, contracts, redemption
from vouchers.models import VoucherClaim
from vouchers.schemas import ClaimIn

# the road of a claim as the enterprise follows it
CLAIM_STEPS = (("submitted", "审核中"), ("publicity", "公示中"), ("payable", "待支付"), ("in_batch", "支付中"),
               ("paid", "已支付"))


def _steps(status: str) -> list[tuple[str, str]]:
    order = [s for s, _ in CLAIM_STEPS]
    if status not in order:
        return [(label, "") for _, label in CLAIM_STEPS]
    at = order.index(status)
    return [(label, "done" if i < at else ("now" if i == at else "")) for i, (_, label) in enumerate(CLAIM_STEPS)]


@blp.get("/enterprise")
@page("enterprise")
def enterprise_home():
    a, today = actor(), clock.today()
    with reader() as s:
        mine = contracts.list_page(s, actor=a, after=0, limit=LIST_LIMIT)
        lines = {c.id: contracts.lines_of(s, c.id) for c in mine}
        names = org_names(s, {c.provider_id for c in mine})
        product_names = line_names(s, [{"lines": [{"version_id": l.version_id} for ls in lines.values() for l in ls]}])
        vouchers = applications.list_page(s, actor=a, scheme_id=None, status=None, today=today, after=0,
                                          limit=LIST_LIMIT)
        statuses = applications.effective_statuses(s, vouchers, today)
        voucher_rows = [(v, statuses[v.id]) for v in vouchers]
        open_schemes = [sc for sc in schemes.list_page(s, kind="cloud", year=None, after=0, limit=50)
                        if sc.apply_from <= today <= sc.apply_to]
    return render_template("portal/enterprise_home.html", title="我的服务券", contracts=mine, lines=lines,
                           names=names, vouchers=voucher_rows, schemes=open_schemes, product_names=product_names)


@blp.get("/enterprise/apply")
@page("enterprise")
def enterprise_apply():
    """The dry run: what this contract would get under the scheme now, before anything is reserved."""
    a = actor()
    try:
        scheme_id, contract_id = int(request.args["scheme_id"]), int(request.args["contract_id"])
    except (KeyError, ValueError):
        flash("请选择专项和合同。", "error")
        return redirect(url_for("portal.enterprise_home"))
    try:
        with reader() as s:
            contract = contracts.get(s, contract_id)
            if contract.enterprise_id != a.org_id:
                contracts.check_party(contract, org_id=None, is_staff=False)  # refuses: not this enterprise's
            quote = applications.quote(s, scheme_id=scheme_id, contract_id=contract_id)
            scheme = schemes.get(s, scheme_id)
            product_names = line_names(s, [quote])
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("portal.enterprise_home"))
    return render_template("portal/enterprise_apply.html", title="申领服务券", quote=quote, scheme=scheme,
                           contract=contract, product_names=product_names)


@blp.post("/enterprise/apply")
@page("enterprise")
def enterprise_apply_confirm():
    a = actor()

    def work():
        scheme_id, contract_id = _int_field("scheme_id"), _int_field("contract_id")
        return write(lambda u: applications.apply(u, actor=a, scheme_id=scheme_id, contract_id=contract_id))
    return attempt(work, ok=lambda v: (f"服务券 {v.id} 已申领，面值 {v.face_value / 100:,.2f} 元，状态："
                                       + ("已预留，待审核" if v.status == "reserved" else "候补中")),
                   back=url_for("portal.enterprise_home"),
                   done=lambda v: url_for("portal.enterprise_voucher", voucher_id=v.id))


def _int_field(name: str) -> int:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise ValidationError(f"{name} 无效", field=name) from None


@blp.get("/enterprise/vouchers/<int:voucher_id>")
@page("enterprise")
def enterprise_voucher(voucher_id):
    a, today = actor(), clock.today()
    try:
        with reader() as s:
            voucher = applications.get(s, voucher_id)
            applications.check_reader(s, voucher, a)
            status = applications.effective_status(s, voucher, today)
            files = evidence.unclaimed(s, org_id=require_org_of(a))
            claim_id = s.exec(select(VoucherClaim.claim_id).where(VoucherClaim.voucher_id == voucher_id)).first()
            claim = claims.get(s, claim_id) if claim_id else None
            claim_status = claims.effective_status(claim, today) if claim else None
            breakdown = json.loads(voucher.breakdown_json)
            product_names = line_names(s, [breakdown])
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("portal.enterprise_home"))
    return render_template("portal/enterprise_voucher.html", title=f"服务券 {voucher_id}", voucher=voucher,
                           status=status, breakdown=breakdown, product_names=product_names, files=files, claim=claim,
                           claim_status=claim_status, kinds=evidence.EVIDENCE_KINDS)


@blp.post("/enterprise/evidence")
@page("enterprise")
def enterprise_upload_evidence():
    a = actor()
    back = request.form.get("back") or url_for("portal.enterprise_home")
    back = back if back.startswith("/") and not back.startswith("//") else url_for("portal.enterprise_home")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择要上传的文件。", "error")
        return redirect(back)
    uploader = evidence.Uploader(user_id=a.user_id, org_id=require_org_of(a))
    cfg = current_app.config
    return attempt(lambda: write(lambda u: evidence.store(
        u, uploader=uploader, kind=request.form.get("kind", ""), filename=upload.filename, stream=upload.stream,
        directory=cfg["EVIDENCE_DIR"], max_bytes=cfg["MAX_EVIDENCE_BYTES"])),
        ok=lambda row: f"已上传“{row.filename}”。", back=back)


@blp.post("/enterprise/vouchers/<int:voucher_id>/claim")
@page("enterprise")
def enterprise_claim(voucher_id):
    a = actor()
    raw = {"invoice_amount": request.form.get("invoice_amount", "").strip(),
           "paid_amount": request.form.get("paid_amount", "").strip(),
           "evidence_ids": request.form.getlist("evidence_ids")}

    def work():
        data = load(ClaimIn(), raw)
        return write(lambda u: redemption.submit(u, actor=a, voucher_id=voucher_id,
                                                 invoice_amount=data["invoice_amount"],
                                                 paid_amount=data["paid_amount"], evidence_ids=data["evidence_ids"]))
    return attempt(work, ok=lambda c: f"兑付申请 {c.id} 已提交，核定金额 {c.final_amount / 100:,.2f} 元。",
                   back=url_for("portal.enterprise_voucher", voucher_id=voucher_id),
                   done=url_for("portal.enterprise_claims"))


@blp.get("/enterprise/claims")
@page("enterprise")
def enterprise_claims():
    a, today = actor(), clock.today()
    with reader() as s:
        rows = claims.list_page(s, actor=a, scheme_id=None, status=None, today=today, after=0, limit=LIST_LIMIT)
        shown = [(c, claims.effective_status(c, today)) for c in rows]
    return render_template("portal/enterprise_claims.html", title="兑付进度",
                           claims=[(c, st, _steps(st)) for c, st in shown])


@blp.get("/enterprise/claims/<int:claim_id>/statement.pdf")
@page("enterprise")
def enterprise_statement(claim_id):
    """The settlement statement (服务券兑付结算单) by the reports package, as the API serves it."""
    from reports.api import download
    from reports import service as report_service
    a = actor()
    try:
        return download(lambda s, now: report_service.settlement_statement(s, claim_id=claim_id, now=now, reader=a),
                        "pdf", f"settlement-statement-{claim_id}")
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("portal.enterprise_claims"))


LOAN_PARTIES = ("enterprise", "financier", "guarantor")


@blp.get("/loans")
@page(*LOAN_PARTIES)
def loans_list():
    """Loans the organisation is a party to (as borrower, financier or guarantor), read only."""
    from financing import loans
    a, today = actor(), clock.today()
    with reader() as s:
        rows = loans.list_page(s, actor=a, today=today, after=0, limit=LIST_LIMIT)
        names = org_names(s, {st.loan.enterprise_id for st in rows} | {st.loan.financier_id for st in rows})
    return render_template("portal/loans.html", title="融资", loans=rows, names=names)


@blp.get("/loans/<int:loan_id>")
@page(*LOAN_PARTIES)
def loan_detail(loan_id):
    """A loan's schedule as it stands after the repayments."""
    from financing import loans
    a, today = actor(), clock.today()
    try:
        with reader() as s:
            loan = loans.get(s, loan_id)
            loans.check_reader(loan, a)
            st = loans.state(s, loan, today=today)
            schedule = loans.schedule_view(st.schedule, today)
            names = org_names(s, {loan.enterprise_id, loan.financier_id, loan.guarantor_id})
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("portal.loans_list"))
    return render_template("portal/loan.html", title=f"贷款 {loan_id}", st=st, schedule=schedule, names=names)


@blp.get("/enterprise/talent")
@page("enterprise")
def enterprise_talent():
    """The enterprise's trainees in each training programme: completion, qualification, what a
    talent claim would pay for each (read only; ID numbers masked)."""
    from talent import service as talent
    a = actor()
    with reader() as s:
        trainings = talent.training_page(s, provider_id=None, after=0, limit=LIST_LIMIT)
        trainees = [t for tr in trainings for t in talent.trainee_page(s, actor=a, training_id=tr.id, after=0,
                                                                         limit=LIST_LIMIT)]
        views = talent.trainee_views(s, trainees)
        names = org_names(s, {tr.provider_id for tr in trainings})
    titles = {tr.id: tr.title for tr in trainings}
    return render_template("portal/enterprise_talent.html", title="人才培训", trainees=views, titles=titles,
                           trainings=[talent.training_view(tr) for tr in trainings], names=names)
