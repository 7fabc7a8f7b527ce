"""Steps of features/reports/*.feature, through the HTTP API as the users would."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from claims.models import Evidence
from ledger import service as ledger
from tests.reports.facts import fonts_of, pdf_text
from tests.support.pilot import Pilot

scenarios("../../features/reports")


@pytest.fixture(autouse=True)
def _on_every_database(db):
    """Puts the database parameter into every scenario at collection time (see the vouchers steps)."""


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    return Pilot(client, world)


@pytest.fixture
def ctx():
    return {"claim": None, "evidence": [], "response": None}


# --- given -----------------------------------------------------------------------------------

@given("工作示例的三种产品已上架")
def worked_products(pilot):
    pilot.worked_products()


@given(parsers.parse('已开放预算为 "{budget}" 元的上云上平台服务券'))
def open_scheme(pilot, ctx, budget):
    ctx["scheme"] = pilot.scheme(budget)


@given(parsers.parse('"{name}" 是 "{city}" 的企业'))
def enterprise(pilot, name, city):
    pilot.enterprise(name, city=city)


@given(parsers.parse('"{name}" 以已付金额 "{paid}" 元兑付工作示例合同的服务券'))
def claimed(pilot, ctx, name, paid):
    voucher = pilot.issued_voucher(name, ctx["scheme"]["id"])
    ctx["evidence"] = pilot.evidence_set(name)
    r = pilot.claim(name, voucher["id"], paid, evidence=ctx["evidence"])
    assert r.status_code == 201, r.json
    ctx["claim"] = r.json


# --- when ------------------------------------------------------------------------------------

def _download(pilot, ctx, path: str, token: str | None):
    ctx["response"] = pilot.call("GET", path, token)


@when(parsers.parse('"{name}" 下载该兑付申请的结算单'))
def statement(pilot, ctx, name):
    _download(pilot, ctx, f"/claims/{ctx['claim']['id']}/statement.pdf", pilot.enterprise_tokens[name])


@when("审核员通过兑付申请")
def approve(pilot, ctx):
    pilot.ok("POST", f"/claims/{ctx['claim']['id']}/approve", pilot.reviewer)


@when("任何人下载公示名单")
def publicity(pilot, ctx):
    _download(pilot, ctx, f"/publicity.pdf?scheme_id={ctx['scheme']['id']}", None)


@when("审计员下载试算平衡表")
def trial_balance(pilot, ctx):
    _download(pilot, ctx, "/ledger/trial-balance.pdf", pilot.auditor)


# --- then ------------------------------------------------------------------------------------

def _text(ctx) -> str:
    r = ctx["response"]
    assert r.status_code == 200 and r.mimetype == "application/pdf", (r.status_code, r.data[:300])
    return pdf_text(r.data)


@then(parsers.parse("报表写有 {quoted}"))
def says(ctx, quoted):
    text = _text(ctx)
    for expected in re.findall(r'"([^"]*)"', quoted):
        assert expected in text, expected


@then("结算单列出三份证明材料的 SHA-256")
def evidence_hashes(pilot, ctx):
    text = _text(ctx)
    factory = pilot.client.application.extensions["yunquan"].uow_factory
    with factory.reader() as s:
        hashes = [s.get(Evidence, i).sha256 for i in ctx["evidence"]]
    assert len(hashes) == 3 and all(h in text for h in hashes)


@then("结算单列出引用该申请或其服务券的全部账本分录")
def journals(pilot, ctx):
    r = pilot.call("GET", f"/claims/{ctx['claim']['id']}/statement.xlsx", pilot.auditor)
    rows = openpyxl.load_workbook(io.BytesIO(r.data))["五、账务分录"].iter_rows(values_only=True)
    listed = [row[0] for row in rows if isinstance(row[0], int)]
    factory = pilot.client.application.extensions["yunquan"].uow_factory
    refs = (f"claim:{ctx['claim']['id']}", f"voucher:{ctx['claim']['voucher_id']}")
    with factory.reader() as s:
        posted = sorted({j.id for ref in refs for j in ledger.journals_for_ref(s, ref)})
    assert listed == posted and posted


@then("报表只嵌入文泉驿微米黑字体")
def font(ctx):
    fonts = fonts_of(ctx["response"].data)
    assert fonts and all("WenQuanYiMicroHei" in name for name in fonts)


@then(parsers.parse('请求被拒绝，错误码为 "{code}"'))
def refused(ctx, code):
    r = ctx["response"]
    assert r.status_code == 403 and r.json["code"] == code


@then("报表写有账本校验接口返回的链头哈希")
def head_hash(pilot, ctx):
    assert pilot.verify()["head_hash"] in _text(ctx)
