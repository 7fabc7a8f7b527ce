"""Chinese everywhere: with ``Accept-Language: zh-CN`` every error message is Chinese and every code
stays as it is; the catalogue covers every text the code can answer with, and the compiled ``.mo``
the service loads is the one its ``.po`` makes."""
from __future__ import annotations

import io
import re
import string

import pytest
from babel.messages.mofile import read_mo

from kernel.errors import DomainError
from tests.support.world import auth
from adapters import i18n
from yunquan import messages
from yunquan.errors import HTTP_CODES

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")  # Chinese characters or punctuation


@pytest.fixture(scope="module")
def catalogue():
    return messages.read_po("zh")


@pytest.fixture(scope="module")
def texts():
    return [m for m in messages.template_catalog() if m.id]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_the_code_can_answer_with_has_a_chinese_translation():
    missing = messages.missing("zh")
    assert missing == [], ("texts without a Chinese translation: run `python -m yunquan.messages update`, translate "
                           "them in yunquan/translations/zh/LC_MESSAGES/messages.po, then "
                           "`python -m yunquan.messages compile`:\n" + "\n".join(missing))


def test_every_error_code_of_every_domain_error_has_a_general_chinese_message(catalogue):
    classes, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        classes.append(cls)
        todo.extend(cls.__subclasses__())
    messages.error_class_names()  # every package imported, so every subclass is known
    codes = {cls.code for cls in DomainError.__subclasses__()} | {c.code for c in classes} | set(HTTP_CODES.values())
    assert len(codes) > 40
    for code in sorted(codes):
        found = catalogue.get(code, context=messages.CODE_CONTEXT)
        assert found is not None and CJK.search(found.string or ""), f"no Chinese message for {code}"


def test_every_translation_is_chinese_and_keeps_the_placeholders_of_its_text(catalogue, texts):
    for text in texts:
        found = catalogue.get(text.id, context=text.context)
        assert CJK.search(found.string), f"not Chinese: {text.id!r} -> {found.string!r}"
        if not text.context:
            assert fields(found.string) == fields(text.id), f"placeholders differ: {text.id!r} -> {found.string!r}"


def test_the_compiled_catalogue_is_the_one_its_po_makes():
    """``python -m yunquan.messages update compile`` after editing the .po; the service loads the .mo."""
    mo_path = messages.po_path("zh").with_suffix(".mo")
    assert mo_path.read_bytes() == messages.compiled("zh"), "the .mo is stale: run python -m yunquan.messages compile"
    with mo_path.open("rb") as fh:
        assert len(read_mo(fh)) == len([m for m in messages.read_po("zh") if m.id])


def test_every_message_made_from_a_template_reads_back_as_its_own_translation(app, catalogue, texts):
    """Filling each f-string template with values and translating the result gives that template's
    translation with the same values: no other template swallows it."""
    with app.test_request_context("/api/v1/x", headers=ZH):
        for text in texts:
            names = fields(text.id)
            if text.context or not names or "!r}" in text.id:
                continue
            values = {name: f"«{i}»" for i, name in enumerate(sorted(names))}
            try:
                english = text.id.format(**values)
            except (KeyError, IndexError, ValueError):
                continue
            expected = catalogue.get(text.id).string.format(**values)
            assert i18n.translate(english) == expected, text.id


def test_a_chinese_caller_gets_a_chinese_401_with_the_same_code_and_the_bearer_challenge(client):
    out = client.get("/api/v1/orgs", headers=ZH)
    body = out.get_json()
    assert out.status_code == 401 and body["code"] == "UNAUTHENTICATED"
    assert body["message"] == "需要有效的 Bearer 令牌"
    assert out.headers["WWW-Authenticate"].startswith("Bearer")


def test_without_accept_language_or_with_english_the_message_stays_english(client):
    for headers in ({}, {"Accept-Language": "en-GB,en;q=0.9"}, {"Accept-Language": "fr"}):
        body = client.get("/api/v1/orgs", headers=headers).get_json()
        assert body == {"code": "UNAUTHENTICATED", "message": "a valid bearer token is required", "details": {}}


def test_unknown_routes_and_methods_are_refused_in_chinese(client):
    missing = client.get("/api/v1/no-such-thing", headers=ZH)
    assert missing.status_code == 404 and missing.get_json()["code"] == "NOT_FOUND"
    assert missing.get_json()["message"] == "未找到该对象"
    wrong = client.delete("/api/v1/products", headers=ZH)
    assert wrong.status_code == 405 and wrong.get_json()["code"] == "METHOD_NOT_ALLOWED" and wrong.headers["Allow"]
    assert CJK.search(wrong.get_json()["message"])


def test_a_request_outside_the_api_is_answered_in_chinese_whatever_the_browser_asks(client):
    body = client.get("/login/no-such-page", headers={"Accept-Language": "en"}).get_json()
    assert body["code"] == "NOT_FOUND" and body["message"] == "未找到该对象"


def test_a_schema_violation_names_the_fields_in_chinese(client, world):
    _, token = world.user("admin")
    out = client.post("/api/v1/orgs", json={"kind": "enterprise", "founded_on": "yesterday"},
                      headers={**auth(token), **ZH})
    body = out.get_json()
    assert out.status_code == 422 and body["code"] == "VALIDATION_ERROR"
    assert body["message"] == "请求不符合接口定义"
    assert body["details"]["fields"]["name"] == ["缺少必填字段。"]
    assert body["details"]["fields"]["founded_on"] == ["不是有效的日期。"]


def test_a_rule_refusal_keeps_its_code_and_its_values_in_the_chinese_message(client, world):
    _, token = world.user("admin")
    out = client.get("/api/v1/orgs/987654", headers={**auth(token), **ZH})
    assert out.status_code == 404
    assert out.get_json()["code"] == "NOT_FOUND" and out.get_json()["message"] == "未找到组织 987654"
    english = client.get("/api/v1/orgs/987654", headers=auth(token)).get_json()
    assert english["message"] == "organisation 987654 not found"


def test_a_role_refusal_is_chinese_and_names_the_roles(client, world):
    org = world.org("enterprise")
    _, token = world.user("enterprise", org)
    out = client.post("/api/v1/orgs", json={}, headers={**auth(token), **ZH})
    body = out.get_json()
    assert out.status_code == 403 and body["code"] == "FORBIDDEN"
    assert body["message"].startswith("此操作需要以下角色之一：") and "admin" in body["message"]


def test_a_conflict_is_chinese(client, world):
    from tests.support.world import uscc
    _, token = world.user("admin")
    org = {"kind": "enterprise", "name": "梅州示范企业", "uscc": uscc(), "city": "梅州", "founded_on": "2015-01-01",
           "prior_year_revenue": "1000000.00"}
    assert client.post("/api/v1/orgs", headers=auth(token), json=org).status_code == 201
    out = client.post("/api/v1/orgs", headers={**auth(token), **ZH}, json={**org, "name": "另一家企业"})
    body = out.get_json()
    assert out.status_code == 409 and body["code"] == "DUPLICATE_ORGANISATION"
    assert body["message"] == "已存在该统一社会信用代码的组织"


def test_a_text_nobody_wrote_down_falls_back_to_the_general_message_of_its_code(app):
    with app.test_request_context("/api/v1/x", headers=ZH):
        assert i18n.translate("Too many requests from this address", "TOO_MANY_REQUESTS") == "请求过于频繁"
        assert i18n.translate("line 3: the file is empty") == "第 3 行：文件为空"
    with app.test_request_context("/api/v1/x"):
        assert i18n.translate("Too many requests from this address", "TOO_MANY_REQUESTS") == \
            "Too many requests from this address"


def test_an_import_dry_run_reports_its_row_problems_in_chinese(client, world):
    provider = world.org("provider")
    token = world.token("provider", provider)
    header = "产品名称,应用场景,功能模块,预期效果,奖补标准,产品类型,计量单位,单价（元）,有效期起,有效期止"
    row = "工业级CPE网关,窑炉数据采集,采集,降本增效,每台补贴300.00元,cpe_gateway,台,1000.00,2026-06-01,2026-05-31"
    data = ("\n".join([header, row]) + "\n").encode("utf-8")
    out = client.post("/api/v1/products/import?dry_run=true", headers={**auth(token), **ZH},
                      data={"file": (io.BytesIO(data), "products.csv")}, content_type="multipart/form-data")
    assert out.status_code == 200 and out.get_json()["ok"] is False
    assert out.get_json()["errors"] == [{"row": 2, "field": "valid_to",
                                         "message": "有效期的结束日（2026-05-31）早于开始日（2026-06-01）"}]
    english = client.post("/api/v1/products/import?dry_run=true", headers=auth(token),
                          data={"file": (io.BytesIO(data), "products.csv")}, content_type="multipart/form-data")
    assert english.get_json()["errors"][0]["message"] == "validity ends (2026-05-31) before it starts (2026-06-01)"


@pytest.mark.parametrize("header, locale", [
    ("zh", "zh_CN"), ("zh-Hans", "zh_CN"), ("ZH-cn", "zh_CN"), ("fr, zh;q=0.5", "zh_CN"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"), ("zh-CN;q=0.1, en;q=0.9", "en"), ("*", "en"), ("", "en"),
])
def test_the_language_is_the_callers_first_choice_of_chinese_or_english(app, header, locale):
    with app.test_request_context("/api/v1/orgs", headers={"Accept-Language": header}):
        assert i18n.select_locale() == locale
