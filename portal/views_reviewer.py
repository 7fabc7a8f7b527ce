"""Reviewer pages: the queues of products, vouchers and claims; evidence shown inline; approve,
reject, return for rework, object during 公示."""
from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, request, send_file, url_for

from adapters.access import reader
from catalog import products
from claims import evidence
from claims import service as claims
from claims.api import publicity_policy
from kernel import clock
from kernel.errors import DomainError
from portal import blp
from portal.helpers import LIST_LIMIT, actor, attempt, line_names, org_names, write
from portal.messages import error_text
from portal.security import page
from vouchers import applications


def _catalog_actor() -> products.Actor:
    a = actor()
    return products.Actor(user_id=a.user_id, org_id=a.org_id, staff=a.is_staff)


def _reason() -> str:
    return request.form.get("reason", "").strip()


@blp.get("/review/products")
@page("reviewer")
def review_products():
    with reader() as s:
        rows = products.list_page(s, viewer=_catalog_actor(), status="submitted", after=0, limit=LIST_LIMIT)
    return render_template("portal/review_products.html", title="产品审核", products=rows)


@blp.post("/review/products/<int:product_id>/<any(approve, reject):action>")
@page("reviewer")
def review_product_decide(product_id, action):
    who = _catalog_actor()
    if action == "approve":
        work = lambda: write(lambda u: products.approve(u, actor=who, product_id=product_id))  # noqa: E731
    else:
        reason = _reason()
        work = lambda: write(lambda u: products.reject(u, actor=who, product_id=product_id, reason=reason))  # noqa: E731
    return attempt(work, ok=f"产品 {product_id} 已{'通过' if action == 'approve' else '驳回'}。",
                   back=url_for("portal.review_products"))


@blp.get("/review/vouchers")
@page("reviewer")
def review_vouchers():
    a, today = actor(), clock.today()
    with reader() as s:
        rows = applications.list_page(s, actor=a, scheme_id=None, status="reserved", today=today, after=0,
                                      limit=LIST_LIMIT)
        names = org_names(s, {v.enterprise_id for v in rows} | {v.provider_id for v in rows})
        breakdowns = {v.id: json.loads(v.breakdown_json) for v in rows}
        product_names = line_names(s, breakdowns.values())
    return render_template("portal/review_vouchers.html", title="服务券审核", vouchers=rows, names=names,
                           breakdowns=breakdowns, product_names=product_names)


@blp.post("/review/vouchers/<int:voucher_id>/<any(approve, reject):action>")
@page("reviewer")
def review_voucher_decide(voucher_id, action):
    a = actor()
    if action == "approve":
        work = lambda: write(lambda u: applications.approve(u, actor=a, voucher_id=voucher_id))  # noqa: E731
    else:
        reason = _reason()
        work = lambda: write(lambda u: applications.reject(u, actor=a, voucher_id=voucher_id, reason=reason))  # noqa: E731
    return attempt(work, ok=f"服务券 {voucher_id} 已{'发放' if action == 'approve' else '驳回'}。",
                   back=url_for("portal.review_vouchers"))


@blp.get("/review/claims")
@page("reviewer")
def review_claims():
    a, today = actor(), clock.today()
    with reader() as s:
        waiting = claims.list_page(s, actor=a, scheme_id=None, status="submitted", today=today, after=0,
                                   limit=LIST_LIMIT)
        public = claims.list_page(s, actor=a, scheme_id=None, status="publicity", today=today, after=0,
                                  limit=LIST_LIMIT)
        names = org_names(s, {c.enterprise_id for c in waiting + public})
    return render_template("portal/review_claims.html", title="兑付审核", waiting=waiting, public=public,
                           names=names)


@blp.get("/review/claims/<int:claim_id>")
@page("reviewer")
def review_claim(claim_id):
    a, today = actor(), clock.today()
    try:
        with reader() as s:
            claim = claims.get(s, claim_id)
            claims.check_reader(s, claim, a)
            files = evidence.of_claim(s, claim_id)
            names = org_names(s, {claim.enterprise_id, claim.provider_id})
            status = claims.effective_status(claim, today)
            details = claims.details(s, [claim]).get(claim.id, {})
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("portal.review_claims"))
    return render_template("portal/review_claim.html", title=f"兑付申请 {claim_id}", claim=claim, files=files,
                           names=names, status=status, details=details, breakdown=claims.breakdown_of(claim))


@blp.post("/review/claims/<int:claim_id>/<any(approve, return, object):action>")
@page("reviewer")
def review_claim_decide(claim_id, action):
    a, reason = actor(), _reason()
    if action == "approve":
        policy = publicity_policy()
        work = lambda: write(lambda u: claims.approve(u, actor=a, claim_id=claim_id, policy=policy))  # noqa: E731
        ok = f"兑付申请 {claim_id} 已审核通过，进入公示。"
    elif action == "return":
        work = lambda: write(lambda u: claims.return_for_rework(u, actor=a, claim_id=claim_id, reason=reason))  # noqa: E731
        ok = f"兑付申请 {claim_id} 已退回补正。"
    else:
        work = lambda: write(lambda u: claims.object_to(u, actor=a, claim_id=claim_id, reason=reason))  # noqa: E731
        ok = f"已对兑付申请 {claim_id} 提出异议，申请回到审核。"
    return attempt(work, ok=ok, back=url_for("portal.review_claim", claim_id=claim_id),
                   done=url_for("portal.review_claims"))


@blp.get("/evidence/<int:evidence_id>")
@page("enterprise", "reviewer")
def evidence_inline(evidence_id):
    """An evidence file shown in the page (inline), for its organisation and reviewers, with the
    API's checks (another organisation's file is refused; city-limited reviewers see their city's)."""
    a = actor()
    try:
        with reader() as s:
            row = evidence.get(s, evidence_id)
            evidence.check_reader(row, org_id=a.org_id, is_staff=a.is_staff)
            if row.claim_id is not None:
                claims.check_reader(s, claims.get(s, row.claim_id), a)
            elif a.is_staff:
                claims.check_unclaimed_evidence(s, row, a)
        path = evidence.open_file(row, current_app.config["EVIDENCE_DIR"])
    except DomainError as exc:
        return render_template("portal/error.html", title="无法查看", message=error_text(exc)), exc.status
    resp = send_file(path, mimetype=row.content_type, as_attachment=False, download_name=row.filename,
                     etag=row.sha256, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'; sandbox"
    return resp
