"""Sessions, the CSRF check and the role check of every portal page.

- The session is Flask's signed cookie (HttpOnly, SameSite=Lax; Secure when ``SESSION_COOKIE_SECURE``)
  holding the user id and a CSRF token; the user, their roles and organisation are read from the
  database on every request, so a deactivated user or a changed role counts at once.
- Every POST to the portal carries ``csrf_token`` (a hidden field; ``X-CSRF-Token`` for scripts),
  compared in constant time with the session's; a missing or wrong one is refused (400) before the
  view runs. The login form carries one too; a login POST without one (API.md: a form of username
  and password, as a script sends it) is taken only when it shows no other site as its Origin or
  Referer, so another site's form cannot log a visitor in (login CSRF).
- Every view is marked with ``page(*roles)`` (or ``adapters.access.public``): tests/test_access.py
  reads the mark. A visitor who is not logged in is sent to /login; a logged-in user without the
  role gets 403.
"""
from __future__ import annotations

import functools
import hmac
import os
import secrets
from pathlib import Path
from typing import Callable

from flask import current_app, g, redirect, render_template, request, session, url_for

from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from adapters.access import ROLES, Principal, _mark
from kernel.errors import DomainError
from portal import blp
from portal.messages import error_text

SESSION_USER = "uid"
SESSION_CSRF = "csrf"


class _KeyOnFirstUse(SecureCookieSessionInterface):
    """Signs sessions with the key of ``_secret_key``, read (or written) when a session is first
    opened, so a command that serves no page (``yunquan report``) writes no key file."""

    def get_signing_serializer(self, app):
        if not app.secret_key:
            app.secret_key = _secret_key(app.config)
        return super().get_signing_serializer(app)


def configure(app) -> None:
    if not app.config.get("SECRET_KEY"):
        app.session_interface = _KeyOnFirstUse()
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config.setdefault("SESSION_COOKIE_NAME", "yunquan_session")
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", 8 * 3600)
    app.jinja_env.globals["csrf_token"] = csrf_token
    # the import's confirm step sends the checked file back as a base64 form field (the server keeps
    # nothing between the dry run and the confirm): Flask's default form field limit (500 kB) would
    # refuse a file above ~370 kB
    from portal.views_provider import MAX_IMPORT_BYTES
    app.config["MAX_FORM_MEMORY_SIZE"] = max(app.config.get("MAX_FORM_MEMORY_SIZE") or 0,
                                             MAX_IMPORT_BYTES * 4 // 3 + 64 * 1024)


def _secret_key(config) -> str:
    """``YUNQUAN_SECRET_KEY`` (every worker and machine the same), else a key generated once into
    ``SESSION_KEY_FILE`` (default ./var/session.key, 0600): fit for one machine and the demo."""
    key = os.environ.get("YUNQUAN_SECRET_KEY")
    if key:
        return key
    path = Path(config.get("SESSION_KEY_FILE") or Path(config.get("ID_KEY_FILE") or "var/id.key").with_name("session.key"))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        except FileExistsError:
            pass  # another worker wrote it first
    return path.read_text().strip()


def csrf_token() -> str:
    token = session.get(SESSION_CSRF)
    if not token:
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


@blp.before_request
def check_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(SESSION_CSRF) or ""
    if request.endpoint == "portal.login" and not sent and _same_origin_or_none():
        return None  # API.md: /login takes a form of username and password (a script has no token)
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return render_template("portal/error.html", title="请求已失效",
                               message="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"), 400
    return None


@blp.after_request
def security_headers(response):
    """No framing by other sites (approve buttons cannot be clickjacked; evidence frames are ours),
    no sniffing, no referrer to other sites, and pages that hold personal data are not cached."""
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "portal.static":
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def _same_origin_or_none() -> bool:
    """No Origin (nor Referer) sent, or this site's: a form on another site cannot log a visitor in
    to an account of its choosing (browsers send Origin with every cross-site form POST)."""
    from urllib.parse import urlsplit
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.host


def start_session(user_id: int) -> None:
    """A fresh session for the user (a new CSRF token: nothing from before login carries over)."""
    session.clear()
    session[SESSION_USER] = user_id
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    session.permanent = True


def end_session() -> None:
    session.clear()


def session_principal() -> Principal | None:
    if "portal_principal" in g:
        return g.portal_principal
    user_id = session.get(SESSION_USER)
    principal = None
    if isinstance(user_id, int):
        from yunquan.users import principal_for_user
        with current_app.extensions["yunquan"].uow_factory.reader() as s:
            principal = principal_for_user(s, user_id)
        if principal is None:
            session.pop(SESSION_USER, None)
    g.portal_principal = principal
    return principal


def page(*allowed: str) -> Callable[[Callable], Callable]:
    """Only a logged-in user holding one of ``allowed`` roles sees the page (``page()``: any
    logged-in user). The principal is the session's, never a bearer token's."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            g.principal = None  # the portal ignores Authorization headers
            p = session_principal()
            if p is None:
                if request.method == "GET":
                    return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
                return render_template("portal/error.html", title="请先登录",
                                       message="登录已失效，请重新登录后再操作。"), 401
            if allowed and not p.has(*allowed):
                return render_template("portal/error.html", title="无权访问",
                                       message="您的账号没有访问此页面的权限。"), 403
            g.principal = p
            return fn(*args, **kwargs)
        wrapper._yq_portal_session = True  # tests/test_access.py: portal pages check the session, not a token
        return _mark(wrapper, frozenset(allowed) if allowed else "authenticated")
    return deco


@blp.app_context_processor
def _globals():
    return {"me": session_principal() if request.blueprint == "portal" else None}


HTTP_TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "页面不存在", 405: "不支持的操作",
               413: "文件太大", 429: "操作过于频繁"}


@blp.errorhandler(DomainError)
def domain_error_page(exc: DomainError):
    """A domain error no view turned into a message: a page in Chinese, never the API's JSON."""
    return render_template("portal/error.html", title=HTTP_TITLES.get(exc.status, "操作未能完成"),
                           message=error_text(exc)), exc.status


@blp.errorhandler(HTTPException)
def http_error_page(exc: HTTPException):
    code = exc.code or 500
    return render_template("portal/error.html", title=HTTP_TITLES.get(code, "出错了"),
                           message=HTTP_TITLES.get(code, "请求未能完成。")), code
