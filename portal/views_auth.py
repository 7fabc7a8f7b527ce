"""Log in and out, the home page, and the pages anyone may read (公示名单, the catalogue)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from adapters.access import public, reader
from catalog import products
from claims import service as claims
from kernel import clock
from kernel.errors import DomainError
from portal import blp
from portal.helpers import LIST_LIMIT
from portal.messages import error_text
from portal.security import end_session, page, session_principal, start_session
from yunquan import passwords

ROLE_HOMES = (("provider", "portal.provider_products"), ("enterprise", "portal.enterprise_home"),
              ("reviewer", "portal.review_claims"), ("finance_maker", "portal.finance_home"),
              ("finance_checker", "portal.finance_home"), ("financier", "portal.loans_list"),
              ("guarantor", "portal.loans_list"))


def _home_of(p) -> str:
    for role, endpoint in ROLE_HOMES:
        if p.has(role):
            return url_for(endpoint)
    return url_for("portal.publicity")


def _limits() -> passwords.Limits:
    cfg = current_app.config
    return passwords.Limits(per_username=cfg.get("LOGIN_MAX_FAILURES_PER_USER", 5),
                            per_address=cfg.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
                            window_minutes=cfg.get("LOGIN_WINDOW_MINUTES", 15))


@blp.get("/")
@public
def home():
    p = session_principal()
    if p is not None:
        return redirect(_home_of(p))
    return render_template("portal/home.html", title="首页")


def _safe_next(target: str | None) -> str | None:
    # only a path of this site: never an open redirect
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@blp.route("/login", methods=["GET", "POST"])
@public
def login():
    nxt = _safe_next(request.args.get("next"))
    if request.method == "GET":
        return render_template("portal/login.html", title="登录", next=nxt)
    username = request.form.get("username", "")
    try:
        user_id = passwords.login(current_app.extensions["yunquan"].uow_factory, username=username,
                                  password=request.form.get("password", ""), address=request.remote_addr or "",
                                  limits=_limits())
    except DomainError as exc:
        flash(error_text(exc), "error")
        return render_template("portal/login.html", title="登录", next=nxt, username=username), exc.status
    start_session(user_id)
    return redirect(nxt or _home_of(session_principal()))


@blp.post("/logout")
@page()
def logout():
    end_session()
    flash("已退出登录。", "ok")
    return redirect(url_for("portal.login"))


@blp.get("/publicity")
@public
def publicity():
    with reader() as s:
        rows = claims.publicity_page(s, today=clock.today(), scheme_id=None, after=0, limit=LIST_LIMIT)
    return render_template("portal/publicity.html", title="公示名单", rows=rows)


@blp.get("/catalogue")
@public
def catalogue():
    q = (request.args.get("q") or "").strip()[:100] or None
    with reader() as s:
        rows = products.list_page(s, viewer=None, item_kind=None, status=None, provider_id=None, q=q,
                                  valid_on=None, after=0, limit=LIST_LIMIT)
    return render_template("portal/catalogue.html", title="产品目录", products=rows, q=q)
