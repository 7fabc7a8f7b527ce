"""Steps of features/claims/*.feature, driven through the HTTP API as the users would."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.support.pilot import Pilot, statement_for

scenarios("../../features/claims")

PARTS = ("available", "reserved", "payable", "in_transit", "disbursed")


@pytest.fixture(autouse=True)
def _on_every_database(db):
    """Puts the database parameter into every scenario at collection time (see the vouchers steps)."""


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    return Pilot(client, world)


@pytest.fixture
def ctx():
    return {"vouchers": {}, "evidence": {}, "claim": None, "batch": None, "last": None}


def _record(ctx, response, key: str | None = None):
    ctx["last"] = response
    if key and response.status_code in (200, 201):
        ctx[key] = response.json
    return response


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


@given(parsers.parse('"{name}" 的工作示例合同服务券已生效'))
def issued(pilot, ctx, name):
    ctx["vouchers"][name] = pilot.issued_voucher(name, ctx["scheme"]["id"])["id"]


@given(parsers.parse('方案设置节假日 "{days}"'))
def scheme_holidays(pilot, ctx, days):
    if days != "无":
        pilot.ok("PATCH", f"/schemes/{ctx['scheme']['id']}/settings", pilot.admin, json={"holidays": days.split(",")})


@given(parsers.parse('部署配置节假日 "{days}"'))
def deployment_holidays(app, days):
    app.config["HOLIDAYS"] = "" if days == "无" else days


# --- when ------------------------------------------------------------------------------------

@when(parsers.parse('服务商与 "{name}" 签订合同: "{product}" {quantity:d} 台，单价 "{price}" 元'))
def one_line_contract(pilot, ctx, name, product, quantity, price):
    ctx.setdefault("contracts", {})[name] = pilot.contract(name, [(product, quantity, price)])


@when(parsers.parse('"{name}" 申请服务券'))
def apply(pilot, ctx, name):
    r = _record(ctx, pilot.apply(name, ctx["scheme"]["id"], ctx["contracts"][name]["id"]))
    assert r.status_code == 201, r.json
    ctx["vouchers"][name] = r.json["id"]


@when(parsers.parse('"{name}" 上传发票、付款凭证和验收报告'))
def upload_evidence(pilot, ctx, name):
    ctx["evidence"][name] = pilot.evidence_set(name)


@when(parsers.parse('"{name}" 以已付金额 "{paid}" 元申请兑付'))
def submit_claim(pilot, ctx, name, paid):
    _record(ctx, pilot.claim(name, ctx["vouchers"][name], paid, evidence=ctx["evidence"][name]), "claim")
    ctx["claimant"] = name


@when(parsers.parse('"{name}" 以已付金额 "{paid}" 元修改后重新提交'))
def resubmit_claim(pilot, ctx, name, paid):
    body = {"invoice_amount": paid, "paid_amount": paid, "evidence_ids": ctx["evidence"][name]}
    r = pilot.call("POST", f"/claims/{ctx['claim']['id']}/resubmit", pilot.enterprise_tokens[name], json=body)
    assert r.status_code == 200, r.json
    _record(ctx, r, "claim")


@when("审核员通过兑付申请")
def approve_claim(pilot, ctx):
    r = _record(ctx, pilot.call("POST", f"/claims/{ctx['claim']['id']}/approve", pilot.reviewer), "claim")
    assert r.status_code == 200, r.json


@when(parsers.parse('审核员退回兑付申请，理由 "{reason}"'))
def return_claim(pilot, ctx, reason):
    r = _record(ctx, pilot.call("POST", f"/claims/{ctx['claim']['id']}/return", pilot.reviewer,
                                json={"reason": reason}), "claim")
    assert r.status_code == 200, r.json


@when(parsers.parse('审核员对兑付申请提出异议，理由 "{reason}"'))
def object_to_claim(pilot, ctx, reason):
    _record(ctx, pilot.call("POST", f"/claims/{ctx['claim']['id']}/object", pilot.reviewer, json={"reason": reason}))


@when(parsers.parse('时间来到 "{day}"'))
def time_passes(frozen_clock, day):
    frozen_clock(f"{day}T09:00:00+08:00")


@when("财务经办人为该方案组批")
def build_batch(pilot, ctx):
    _record(ctx, pilot.build_batch(ctx["scheme"]["id"]), "batch")


@when("财务复核人审批该批次")
def approve_batch(pilot, ctx):
    r = _record(ctx, pilot.approve_batch(ctx["batch"]["id"]), "batch")
    assert r.status_code == 200, r.json


@when("导入与银行文件一致的银行回单")
def import_matching_statement(pilot, ctx, frozen_clock):
    from kernel import clock
    text = statement_for(pilot.bank_file(ctx["batch"]["id"]), value_date=clock.today().isoformat())
    r = _record(ctx, pilot.import_statement(text), "reconciliation")
    assert r.status_code == 201, r.json


ZH_HEADER = "交易流水号,交易日期,参考号,收款账号,金额"


@given(parsers.parse('"{name}" 的兑付已审核通过且公示期满，财务已组批并审批'))
def approved_batch(pilot, ctx, frozen_clock, name):
    upload_evidence(pilot, ctx, name)
    submit_claim(pilot, ctx, name, "190000.00")
    approve_claim(pilot, ctx)
    frozen_clock("2026-03-10T09:00:00+08:00")
    build_batch(pilot, ctx)
    approve_batch(pilot, ctx)
    assert ctx["batch"]["status"] == "approved", ctx["batch"]


def _bank_rows(pilot, ctx, day: str) -> list[list]:
    rows = list(csv.DictReader(io.StringIO(pilot.bank_file(ctx["batch"]["id"]))))
    return [[f"网银{i:04d}", day, r["reference"], r["payee_account"], f"{Decimal(r['amount']):,.2f}"]
            for i, r in enumerate(rows, start=1)]


@when(parsers.parse('导入网银导出的 {fmt} 回单，日期写作 "{day}"'))
def import_bank_export(pilot, ctx, fmt, day):
    rows = _bank_rows(pilot, ctx, day)
    if fmt == "XLSX":
        from openpyxl import Workbook
        wb = Workbook()
        wb.active.append(ZH_HEADER.split(","))
        for r in rows:
            wb.active.append([r[0], dt.date.fromisoformat(r[1]), r[2], r[3], float(r[4].replace(",", ""))])
        buf = io.BytesIO()
        wb.save(buf)
        data, name = buf.getvalue(), "回单.xlsx"
    else:
        text = "\r\n".join([ZH_HEADER] + [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows]) + "\r\n"
        data, name = text.encode("gbk"), "回单.csv"
    r = _record(ctx, pilot.import_statement(data, filename=name), "reconciliation")
    assert r.status_code == 201, r.json


@when("导入只有中文表头的回单")
def import_header_only(pilot, ctx):
    _record(ctx, pilot.import_statement((ZH_HEADER + "\r\n").encode("gbk")))


# --- then ------------------------------------------------------------------------------------

def _claim(pilot, ctx) -> dict:
    return pilot.get_claim(ctx["claim"]["id"])


@then(parsers.parse('兑付申请状态为 "{status}"'))
def claim_status(pilot, ctx, status):
    assert _claim(pilot, ctx)["status"] == status


@then(parsers.parse('兑付申请状态为 "{status}"，核定金额为 "{amount}" 元'))
def claim_status_amount(pilot, ctx, status, amount):
    assert ctx["last"].status_code in (200, 201), ctx["last"].json
    c = _claim(pilot, ctx)
    assert (c["status"], c["final_amount"]) == (status, amount)


@then(parsers.parse('兑付申请状态为 "{status}"，退回理由为 "{reason}"'))
def claim_returned(pilot, ctx, status, reason):
    c = _claim(pilot, ctx)
    assert (c["status"], c["return_reason"]) == (status, reason)


@then(parsers.parse('公示截止日为 "{day}"'))
def publicity_ends(pilot, ctx, day):
    assert _claim(pilot, ctx)["publicity_ends_on"] == day


@then(parsers.parse('服务券状态为 "{status}"'))
def voucher_status(pilot, ctx, status):
    vid = ctx["vouchers"][ctx.get("claimant") or next(iter(ctx["vouchers"]))]
    assert pilot.ok("GET", f"/vouchers/{vid}", pilot.auditor)["status"] == status


@then(parsers.parse('"{name}" 的服务券状态为 "{status}"'))
def named_voucher_status(pilot, ctx, name, status):
    assert pilot.ok("GET", f"/vouchers/{ctx['vouchers'][name]}", pilot.auditor)["status"] == status


@then(parsers.parse('公示名单列出 "{enterprise}"、"{provider}"、金额 "{amount}" 元'))
def publicity_lists(pilot, enterprise, provider, amount):
    items = pilot.ok("GET", "/publicity", None)["items"]  # no token: the list is public
    assert [(i["enterprise_name"], i["provider_name"], i["amount"]) for i in items] == [(enterprise, provider, amount)]
    assert items[0]["scheme_name"] and items[0]["publicity_ends_on"]


@then("公示名单为空")
def publicity_empty(pilot):
    assert pilot.ok("GET", "/publicity", None)["items"] == []


@then(parsers.parse('预算为 可用 "{available}"、预留 "{reserved}"、待拨付 "{payable}"、在途 "{in_transit}"、'
                    '已拨付 "{disbursed}"'))
def budget_is(pilot, ctx, available, reserved, payable, in_transit, disbursed):
    from kernel.money import parse_money
    b = pilot.budget(ctx["scheme"]["id"])
    assert tuple(b[p] for p in PARTS) == (available, reserved, payable, in_transit, disbursed)
    assert sum(parse_money(b[p]) for p in PARTS) == parse_money(b["total"])


@then(parsers.parse('批次状态为 "{status}"，合计 "{total}" 元'))
def batch_is(pilot, ctx, status, total):
    assert ctx["last"].status_code in (200, 201), ctx["last"].json
    b = pilot.ok("GET", f"/payout-batches/{ctx['batch']['id']}", pilot.auditor)
    assert (b["status"], b["total"]) == (status, total)
    assert sum(int(line["amount"].replace(".", "")) for line in b["lines"]) == int(total.replace(".", ""))


@then(parsers.parse('银行文件有 {count:d} 行，收款人 "{payee}"、金额 "{amount}" 元'))
def bank_file_is(pilot, ctx, count, payee, amount):
    text = pilot.bank_file(ctx["batch"]["id"])
    assert text.splitlines()[0] == "reference,payee_name,payee_account,payee_bank,amount,purpose"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == count
    org = pilot.enterprises[payee]
    line = ctx["batch"]["lines"][0]
    assert rows[0] == {"reference": line["reference"], "payee_name": payee, "payee_account": org.bank_account,
                       "payee_bank": org.bank_name, "amount": amount,
                       "purpose": f"2026年上云上平台服务券 兑付申请{line['claim_id']}号"}


@then(parsers.parse('对账结果为 匹配 {matched:d}、金额不符 {mismatch:d}、未知参考号 {unknown:d}、缺失 {missing:d}、'
                    '退回 {returned:d}'))
def reconciliation_counts(ctx, matched, mismatch, unknown, missing, returned):
    r = ctx["reconciliation"]
    assert (r["matched"], r["amount_mismatch"], r["unknown_reference"], r["missing"], r["returned"]) == \
        (matched, mismatch, unknown, missing, returned)


@then(parsers.parse('操作被拒绝，错误码为 "{code}"'))
def refused(ctx, code):
    r = ctx["last"]
    assert r.status_code in (403, 409, 422) and r.json["code"] == code, r.json


@then("账本校验通过")
def ledger_ok(pilot):
    assert pilot.verify()["ok"] is True
