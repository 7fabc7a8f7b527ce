"""Finance pages: the scheme budgets with their chart, payout batches (the maker builds, another
person, the checker, approves), the bank file, and the bank statement's reconciliation."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for

from adapters.access import reader
from kernel.errors import DomainError
from payouts import batches as payouts
from payouts import reconciliation
from portal import blp
from portal.chart import budget_svg, legend
from portal.helpers import LIST_LIMIT, actor, attempt, write
from portal.messages import error_text
from portal.security import page
from schemes import budget
from schemes import service as schemes
from yunquan.users import names as user_names

FINANCE = ("finance_maker", "finance_checker")


@blp.get("/finance")
@page(*FINANCE)
def finance_home():
    with reader() as s:
        rows = schemes.list_page(s, kind=None, year=None, after=0, limit=50)
        budgets = [(sc, budget.read(s, sc.id), budget_svg(budget.history(s, sc.id))) for sc in rows]
        batches = payouts.list_page(s, scheme_id=None, status=None, after=0, limit=LIST_LIMIT)
        people = user_names(s, {b.created_by for b in batches} | {b.approved_by for b in batches if b.approved_by})
    return render_template("portal/finance_home.html", title="资金支付", budgets=budgets, batches=batches,
                           people=people, legend=legend())


@blp.post("/finance/batches")
@page("finance_maker")
def finance_build_batch():
    a = actor()
    try:
        scheme_id = int(request.form.get("scheme_id", ""))
    except ValueError:
        flash("请选择专项。", "error")
        return redirect(url_for("portal.finance_home"))
    return attempt(lambda: write(lambda u: payouts.build(u, actor_id=a.user_id, scheme_id=scheme_id)),
                   ok=lambda b: f"支付批次 {b.id} 已生成（草稿），共 {b.line_count} 笔，合计 {b.total / 100:,.2f} 元，"
                                "请另一位复核人审批。",
                   back=url_for("portal.finance_home"), done=lambda b: url_for("portal.finance_batch", batch_id=b.id))


@blp.get("/finance/batches/<int:batch_id>")
@page(*FINANCE)
def finance_batch(batch_id):
    try:
        with reader() as s:
            batch = payouts.get(s, batch_id)
            lines = payouts.lines(s, batch_id)
            people = user_names(s, {batch.created_by} | ({batch.approved_by} if batch.approved_by else set()))
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("portal.finance_home"))
    return render_template("portal/finance_batch.html", title=f"支付批次 {batch_id}", batch=batch, lines=lines,
                           people=people, skipped=payouts.skipped(batch))


@blp.post("/finance/batches/<int:batch_id>/approve")
@page("finance_checker")
def finance_approve_batch(batch_id):
    """The checker's approval; the service refuses the batch's maker (maker-checker)."""
    a = actor()
    return attempt(lambda: write(lambda u: payouts.approve(u, actor_id=a.user_id, batch_id=batch_id)),
                   ok=f"支付批次 {batch_id} 已审批，资金进入支付中。",
                   back=url_for("portal.finance_batch", batch_id=batch_id))


@blp.post("/finance/batches/<int:batch_id>/cancel")
@page("finance_maker")
def finance_cancel_batch(batch_id):
    a = actor()
    return attempt(lambda: write(lambda u: payouts.cancel(u, actor_id=a.user_id, batch_id=batch_id)),
                   ok=f"支付批次 {batch_id} 已取消。", back=url_for("portal.finance_batch", batch_id=batch_id))


@blp.get("/finance/batches/<int:batch_id>/bank-file.csv")
@page(*FINANCE)
def finance_bank_file(batch_id):
    try:
        with reader() as s:
            payouts.check_bank_file(s, batch_id)
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("portal.finance_batch", batch_id=batch_id))
    factory = current_app.extensions["yunquan"].uow_factory.reader
    return Response(stream_with_context(payouts.bank_file(factory, batch_id)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="payout-batch-{batch_id}.csv"',
                             "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "private, no-store"})


@blp.route("/finance/reconcile", methods=["GET", "POST"])
@page(*FINANCE)
def finance_reconcile():
    if request.method == "GET":
        return render_template("portal/finance_reconcile.html", title="银行对账")
    a = actor()
    upload = request.files.get("statement")
    if upload is None or not upload.filename:
        flash("请选择银行流水文件。", "error")
        return redirect(url_for("portal.finance_reconcile"))
    try:
        result = write(lambda u: reconciliation.import_statement(u, actor_id=a.user_id, filename=upload.filename,
                                                                 stream=upload.stream))
    except DomainError as exc:
        flash(error_text(exc), "error")
        return render_template("portal/finance_reconcile.html", title="银行对账"), exc.status
    flash(f"银行流水已导入（对账单 {result.statement_id}）。", "ok")
    return render_template("portal/finance_reconcile.html", title="银行对账", result=result)
