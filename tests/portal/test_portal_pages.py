"""The portal through Flask's test client: login and its limits, CSRF, each page's role check,
and how amounts and dates are written."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from adapters.access import ROLES
from portal.formatting import cn_date, yuan
from tests.portal.support import PASSWORD, csrf_of, login, portal_user
from tests.support.world import auth
from yunquan.models import LoginAttempt, User

ORG_OF_ROLE = {"provider": "provider", "enterprise": "enterprise", "financier": "financier",
               "guarantor": "guarantor", "reviewer": "authority", "finance_maker": "authority",
               "finance_checker": "authority", "auditor": "authority", "admin": "authority"}


# --- formatting -----------------------------------------------------------------------------

def test_amounts_are_written_with_thousands_separators_two_decimals_and_yuan():
    assert yuan(123456) == "1,234.56 元"
    assert yuan(0) == "0.00 元"
    assert yuan(-5) == "-0.05 元"
    assert yuan(100_000_000_00) == "100,000,000.00 元"
    assert yuan("40000.00") == "40,000.00 元"  # a breakdown's yuan text
    assert yuan(None) == "—"


def test_dates_are_written_as_year_month_day_in_chinese_and_times_in_china_time():
    assert cn_date(dt.date(2026, 11, 25)) == "2026年11月25日"
    assert cn_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert cn_date("2026-11-25") == "2026年11月25日"
    # 17:00 UTC on the 24th is already the 25th in Guangdong
    assert cn_date(dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.timezone.utc)) == "2026年11月25日"
    assert cn_date(dt.datetime(2026, 11, 24, 17, 0)) == "2026年11月25日"  # SQLite's naive UTC
    assert cn_date(None) == "—"


# --- login -----------------------------------------------------------------------------------

def test_a_provider_logs_in_with_a_password_and_lands_on_their_products(client, world, uow_factory):
    org = world.org("provider")
    name = portal_user(world, uow_factory, "provider", org)
    r = login(client, name)
    assert r.status_code == 302 and r.headers["Location"].endswith("/provider/products")
    page = client.get("/provider/products")
    assert page.status_code == 200 and "我的产品" in page.get_data(as_text=True)
    assert 'lang="zh-CN"' in page.get_data(as_text=True)


def test_a_wrong_password_is_refused_in_chinese_pages_and_leaves_no_session(client, world, uow_factory):
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    r = login(client, name, "not the password")
    assert r.status_code == 401
    assert "登录" in r.get_data(as_text=True)
    assert client.get("/provider/products").status_code == 302  # still not logged in


def test_a_user_without_a_password_cannot_log_in(client, world):
    user_id, _ = world.user("provider", world.org("provider"), username="no-password")
    assert login(client, "no-password", "").status_code == 401


def test_a_wrong_password_is_told_in_chinese(client, world, uow_factory):
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    r = login(client, name, "wrong password!")
    assert r.status_code == 401
    page = r.get_data(as_text=True)
    assert "用户名或密码错误" in page and "wrong username" not in page


def test_logging_out_ends_the_session(client, world, uow_factory):
    name = portal_user(world, uow_factory, "enterprise", world.org("enterprise"))
    login(client, name)
    token = csrf_of(client, "/enterprise")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/enterprise").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site_and_pages_refuse_framing_by_others(client, world, uow_factory):
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    r = login(client, name)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/provider/products")
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN" and page.headers["Cache-Control"] == "private, no-store"


def test_login_never_redirects_to_another_site(client, world, uow_factory):
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    token = csrf_of(client)
    r = client.post("/login?next=//evil.example/x", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith("/provider/products")


def test_too_many_failed_logins_for_a_username_refuse_even_the_right_password(client, world, uow_factory, app):
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    for _ in range(5):
        assert login(client, name, "wrong password!").status_code == 401
    r = login(client, name)
    assert r.status_code == 429
    assert "登录失败次数过多" in r.get_data(as_text=True)  # the portal speaks Chinese
    assert client.get("/provider/products").status_code == 302
    # another worker (another app on the same database) sees the same attempts
    from yunquan.app import create_app
    other = create_app({"TESTING": True, "ENGINE": app.extensions["yunquan"].engine,
                        "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "another worker"})
    assert login(other.test_client(), name).status_code == 429


def test_too_many_failures_from_one_address_refuse_other_usernames(client, world, uow_factory, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    for i in range(3):
        assert login(client, f"guess{i}", "wrong password!").status_code == 401
    assert login(client, name).status_code == 429


def test_behind_a_trusted_proxy_failures_are_counted_per_client_address(db, tmp_path, world):
    from tests.portal.support import csrf_of as token_of
    from yunquan.app import create_app
    app = create_app({"TESTING": True, "ENGINE": db, "DATABASE_URL": str(db.url), "TRUSTED_PROXIES": 1,
                      "LOGIN_MAX_FAILURES_PER_ADDRESS": 2, "ID_KEY_FILE": str(tmp_path / "id.key")})
    client = app.test_client()

    def attempt(address, username):
        return client.post("/login", headers={"X-Forwarded-For": address}, data={
            "username": username, "password": "wrong password!", "csrf_token": token_of(client)}).status_code
    assert [attempt("203.0.113.7", f"guess{i}") for i in range(3)] == [401, 401, 429]
    assert attempt("198.51.100.9", "guess9") == 401  # another client is not locked out with it
    with db.connect() as c:
        addresses = {r[0] for r in c.execute(sa.select(LoginAttempt.address))}
    assert addresses == {"203.0.113.7", "198.51.100.9"}


def test_a_good_login_clears_the_usernames_failures(client, world, uow_factory, app):
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    for _ in range(4):
        login(client, name, "wrong password!")
    assert login(client, name).status_code == 302
    with uow_factory.reader() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(LoginAttempt)
                         .where(LoginAttempt.username == name)).scalar_one() == 5
    client.post("/logout", data={"csrf_token": csrf_of(client, "/provider/products")})
    for _ in range(4):
        login(client, name, "wrong password!")
    assert login(client, name).status_code == 302


# --- CSRF --------------------------------------------------------------------------------------

def test_a_form_post_without_the_csrf_token_is_refused(client, world, uow_factory):
    org = world.org("provider")
    name = portal_user(world, uow_factory, "provider", org)
    # another site's form cannot log the visitor in (login CSRF)
    assert client.post("/login", data={"username": name, "password": PASSWORD},
                       headers={"Origin": "https://evil.example"}).status_code == 400
    assert client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": "forged"}).status_code == 400
    login(client, name)
    r = client.post("/provider/products/new", data={"name": "未带令牌的产品"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    r = client.post("/provider/products/new", data={"name": "伪造令牌的产品", "csrf_token": "forged"})
    assert r.status_code == 400
    assert "伪造令牌的产品" not in client.get("/provider/products").get_data(as_text=True)


def test_a_script_logs_in_with_just_username_and_password_as_api_md_says(client, world, uow_factory):
    name = portal_user(world, uow_factory, "enterprise", world.org("enterprise"))
    r = client.post("/login", data={"username": name, "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith("/enterprise")
    assert client.get("/enterprise").status_code == 200
    same_site = client.application.test_client()
    r = same_site.post("/login", data={"username": name, "password": PASSWORD}, headers={"Origin": "http://localhost"})
    assert r.status_code == 302


def test_the_csrf_token_changes_at_login(client, world, uow_factory):
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    before = csrf_of(client)
    login(client, name)
    assert csrf_of(client, "/provider/products") != before


# --- sessions and tokens stay apart ------------------------------------------------------------

def test_a_bearer_token_does_not_open_portal_pages(client, world):
    token = world.token("provider", world.org("provider"))
    r = client.get("/provider/products", headers=auth(token))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_portal_session_does_not_authenticate_the_api(client, world, uow_factory):
    name = portal_user(world, uow_factory, "reviewer", world.org("authority"))
    login(client, name)
    assert client.get("/api/v1/claims").status_code == 401


def test_an_admin_sets_a_portal_password_when_creating_a_user(client, world):
    admin = world.token("admin")
    org = world.org("enterprise")
    r = client.post("/api/v1/users", headers=auth(admin),
                    json={"username": "带密码的企业", "role": "enterprise", "org_id": org.id, "password": "0123456789ab"})
    assert r.status_code == 201 and "password" not in r.json
    assert login(client, "带密码的企业", "0123456789ab").status_code == 302
    short = client.post("/api/v1/users", headers=auth(admin),
                        json={"username": "密码太短", "role": "enterprise", "org_id": org.id, "password": "short"})
    assert short.status_code == 422 and short.json["code"] == "VALIDATION_ERROR"
    assert login(client, "密码太短", "short").status_code == 401


def test_the_cli_sets_a_password_and_creates_users_with_one(db, world, client):
    from tests.test_cli import run
    url = db.url.render_as_string(hide_password=False)
    world.user("reviewer", world.org("authority"), username="cli-reviewer")
    assert "password set" in run(url, "set-password", "--username", "cli-reviewer", "--password", "a long password").stdout
    assert login(client, "cli-reviewer", "a long password").status_code == 302
    run(url, "create-user", "--username", "cli-root", "--role", "admin", "--password", "another long one")
    assert login(app_client(client), "cli-root", "another long one").status_code == 302
    refused = run(url, "set-password", "--username", "cli-reviewer", "--password", "short", check=False)
    assert refused.returncode == 2 and "VALIDATION_ERROR" in refused.stderr


def app_client(client):
    return client.application.test_client()


def test_a_deactivated_user_loses_the_session_at_once(client, world, uow_factory):
    name = portal_user(world, uow_factory, "provider", world.org("provider"))
    login(client, name)
    with uow_factory() as uow:
        uow.session.execute(sa.update(User).where(User.username == name).values(active=False))
        uow.commit()
    assert client.get("/provider/products").status_code == 302


# --- every page checks the role ----------------------------------------------------------------

def _portal_rules(app):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("portal.") or rule.endpoint == "portal.static":
            continue
        access = getattr(app.view_functions[rule.endpoint], "_yq_access", None)
        if isinstance(access, frozenset):
            yield rule, access


def _url(rule) -> str:
    values = {}
    for arg in rule.arguments:
        conv = rule._converters[arg]
        values[arg] = sorted(conv.items)[0] if hasattr(conv, "items") else 1
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(rf"<[^>]*:?{arg}>", str(value), path)
    return path


def test_each_roles_pages_refuse_every_other_role(app, world, uow_factory):
    rules = list(_portal_rules(app))
    assert {"provider", "enterprise", "reviewer", "finance_maker", "finance_checker"} <= set().union(*(a for _, a in rules))
    orgs = {kind: world.org(kind) for kind in set(ORG_OF_ROLE.values())}
    refused = 0
    for role in ROLES:
        client = app.test_client()
        name = portal_user(world, uow_factory, role, orgs[ORG_OF_ROLE[role]] if role not in ("admin", "auditor") else None)
        assert login(client, name).status_code == 302
        token = csrf_of(client, "/catalogue")
        for rule, allowed in rules:
            if role in allowed:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                r = client.open(_url(rule), method=method, data={"csrf_token": token} if method == "POST" else None)
                assert r.status_code == 403, (role, method, rule.rule, r.status_code)
                assert "无权访问" in r.get_data(as_text=True)
                refused += 1
    assert refused > 100


def test_every_role_checked_page_sends_a_visitor_to_login(client, app):
    for rule, _ in _portal_rules(app):
        if "GET" in rule.methods:
            r = client.get(_url(rule))
            assert r.status_code == 302 and "/login" in r.headers["Location"], rule.rule


@pytest.mark.parametrize("path", ["/", "/login", "/publicity", "/catalogue"])
def test_public_pages_open_without_login_in_chinese(client, path):
    r = client.get(path)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert 'lang="zh-CN"' in body and "云券" in body


def test_the_demo_prints_a_portal_password_its_users_log_in_with(db, client, app):
    from tests.test_cli import run
    out = run(db.url.render_as_string(hide_password=False), "demo").stdout
    line = next(x for x in out.splitlines() if x.startswith("portal:"))
    password = line.split()[-1]
    assert login(client, "enterprise", password).status_code == 302
    assert "佛山市南海陶瓷制品有限公司" in client.get("/enterprise").get_data(as_text=True)
    talent = client.get("/enterprise/talent").get_data(as_text=True)
    assert "合格" in talent and "**********" in talent  # the demo's trainees, ID numbers masked
    # the demo's loan (POLICY.md §8 worked example), read by its parties
    loans = client.get("/loans").get_data(as_text=True)
    loan_id = re.search(r'href="/loans/(\d+)"', loans).group(1)
    financier = app.test_client()
    assert login(financier, "financier", password).headers["Location"].endswith("/loans")
    page = financier.get(f"/loans/{loan_id}").get_data(as_text=True)
    assert "还款计划" not in page and "剩余本金" in page and "广东集群发展银行" in page
    stranger = app.test_client()
    login(stranger, "furniture", password)
    refused = stranger.get(f"/loans/{loan_id}", follow_redirects=True).get_data(as_text=True)
    assert "剩余本金" not in refused and 'class="flash error"' in refused


def test_a_domain_error_in_a_page_is_a_chinese_page_not_the_apis_json(client, world, uow_factory):
    login(client, portal_user(world, uow_factory, "reviewer", world.org("authority")))
    r = client.get("/finance/batches/999")  # a reviewer: refused before anything is read
    assert r.status_code == 403 and r.mimetype == "text/html"
    name = portal_user(world, uow_factory, "finance_maker", world.org("authority"))
    other = client.application.test_client()
    login(other, name)
    r = other.get("/finance/batches/999/bank-file.csv", follow_redirects=True)
    assert r.mimetype == "text/html" and 'class="flash error"' in r.get_data(as_text=True)
    # and any domain error a view lets through is a page too (the Blueprint's handler)
    from kernel.errors import Forbidden
    from portal.security import domain_error_page
    with client.application.test_request_context("/enterprise"):
        body, status = domain_error_page(Forbidden("this contract belongs to other organisations"))
    assert status == 403 and "无权访问" in body and "该合同属于其他组织" in body
