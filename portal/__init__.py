"""The web portal (门户): server-rendered pages in Chinese for providers, enterprises, reviewers,
finance staff and the public, over the same services the API calls.

It sits at the top of the layers beside the shell ``yunquan``: it may import every package, nothing
imports it but ``yunquan.app``. Views log in with a password (``yunquan.passwords``), keep the user
in Flask's signed session cookie, check a CSRF token on every form POST (``portal.security``) and
the user's roles on every page, server-side. The API and its bearer tokens are untouched."""
from __future__ import annotations

from flask import Blueprint

blp = Blueprint("portal", __name__, template_folder="templates", static_folder="static",
                static_url_path="/portal-static")


def register(app) -> None:
    from portal import formatting, security
    from portal import views_auth, views_provider, views_enterprise, views_reviewer, views_finance  # noqa: F401
    security.configure(app)
    formatting.register(app)
    app.register_blueprint(blp)
