"""Steps of features/vouchers/*.feature, driven through the HTTP API."""
from __future__ import annotations

import json

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.support.pilot import WORKED_LINES, Pilot

scenarios("../../features/vouchers")


@pytest.fixture(autouse=True)
def _on_every_database(db):
    """pytest-bdd requests step fixtures at run time; naming ``db`` here puts the database
    parameter into every scenario at collection time, so each runs on SQLite and PostgreSQL."""


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    return Pilot(client, world)


@pytest.fixture
def ctx():
    return {"contracts": {}, "vouchers": {}, "last": None, "exclude_next": False}


# --- given ---------------------------------------------------------------------------------

@given("工作示例的三种产品已上架")
def worked_products(pilot):
    pilot.worked_products()


@given(parsers.parse('已开放预算为 "{budget}" 元的上云上平台服务券'))
def open_scheme(pilot, ctx, budget):
    ctx["scheme"] = pilot.scheme(budget)


@given(parsers.parse('已开放预算为 "{budget}" 元的上云上平台服务券，设置 {settings}'))
def open_scheme_with(pilot, ctx, budget, settings):
    settings = settings.strip()
    extra = {}
    if settings == "排除该企业":
        ctx["exclude_next"] = True
    elif settings != "无":
        extra = json.loads(settings)
    ctx["scheme"] = pilot.scheme(budget, settings=extra)


@given(parsers.parse('已开放预算为 "{budget}" 元、申请窗口为 "{start}" 至 "{end}" 的上云上平台服务券'))
def open_scheme_window(pilot, ctx, budget, start, end):
    ctx["scheme"] = pilot.scheme(budget, apply_from=start, apply_to=end)


def _settings(pilot, ctx, changes):
    ctx["scheme"] = pilot.ok("PATCH", f"/schemes/{ctx['scheme']['id']}/settings", pilot.admin, json=changes)


@given(parsers.parse('方案设置企业年度上限为 "{cap}" 元'))
def set_enterprise_cap(pilot, ctx, cap):
    _settings(pilot, ctx, {"enterprise_cap": cap})


@given(parsers.parse('方案设置其他服务商额度为 "{other}" 元、平台商额度为 "{major}" 元'))
def set_provider_quotas(pilot, ctx, other, major):
    _settings(pilot, ctx, {"provider_quota_other": other, "provider_quota_major": major})


@given(parsers.parse('方案设置 "{city}" 的城市额度为 "{quota}" 元'))
def set_city_quota(pilot, ctx, city, quota):
    _settings(pilot, ctx, {"city_quotas": {city: quota}})


@given(parsers.parse('"{name}" 是 "{city}" 的企业'))
def enterprise(pilot, name, city):
    pilot.enterprise(name, city=city)


@given(parsers.parse('"{name}" 是 "{city}" 的企业，成立于 "{founded}"，上年营收 "{revenue}" 元'))
def enterprise_with_facts(pilot, ctx, name, city, founded, revenue):
    import datetime as dt

    from kernel.money import parse_money
    org = pilot.enterprise(name, city=city, founded_on=dt.date.fromisoformat(founded),
                           prior_year_revenue=parse_money(revenue))
    if ctx["exclude_next"]:
        _settings(pilot, ctx, {"excluded_usccs": [org.uscc]})


@given(parsers.parse('已上架按台补贴 "{amount}" 元的CPE网关 "{name}"'))
def generous_gateway(pilot, amount, name):
    pilot.product(name, name=name, item_kind="cpe_gateway", unit="台", unit_price="10000.00",
                  standard={"kind": "per_unit", "amount": amount})


# --- when ----------------------------------------------------------------------------------

@when(parsers.parse('服务商与 "{name}" 签订工作示例合同'))
@when(parsers.parse('服务商与 "{name}" 再签订一份工作示例合同'))
def worked_contract(pilot, ctx, name):
    ctx["contracts"][name] = pilot.contract(name, WORKED_LINES)


@when(parsers.parse('服务商与 "{name}" 签订合同: "{product}" {quantity:d} 台，单价 "{price}" 元'))
def one_line_contract(pilot, ctx, name, product, quantity, price):
    ctx["contracts"][name] = pilot.contract(name, [(product, quantity, price)])


def _worked_body(pilot, name: str, **extra) -> dict:
    return {"enterprise_id": pilot.enterprises[name].id, "signed_on": "2026-02-20", **extra,
            "lines": [{"product_id": pilot.products[k], "quantity": q, "unit_price": u} for k, q, u in WORKED_LINES]}


@when(parsers.parse('服务商再次录入与 "{name}" 的同一份工作示例合同'))
def same_contract_again(pilot, ctx, name):
    ctx["last"] = pilot.call("POST", "/contracts", pilot.provider_token, json=_worked_body(pilot, name))


@when(parsers.parse('服务商录入与 "{name}" 的同一份工作示例合同，并声明是另一份合同'))
def separate_contract(pilot, ctx, name):
    ctx["contracts"][name] = pilot.ok("POST", "/contracts", pilot.provider_token, 201,
                                      json=_worked_body(pilot, name, separate=True))


@then(parsers.parse('"{name}" 能看到 {count:d} 份合同'))
def sees_contracts(pilot, name, count):
    page = pilot.ok("GET", "/contracts", pilot.enterprise_tokens[name])
    assert len(page["items"]) == count
    assert {c["enterprise_id"] for c in page["items"]} == {pilot.enterprises[name].id}


@then(parsers.parse('"{name}" 预览自己的合同，面值为 "{value}" 元，可以预留'))
def previews_own(pilot, ctx, name, value):
    q = pilot.ok("POST", f"/schemes/{ctx['scheme']['id']}/dry-run", pilot.enterprise_tokens[name],
                 json={"contract_id": ctx["contracts"][name]["id"]})
    assert (q["face_value"], q["would_be"]) == (value, "reserved")


@then(parsers.parse('"{name}" 预览 "{other}" 的合同被拒绝，错误码为 "{code}"'))
def previews_other(pilot, ctx, name, other, code):
    r = pilot.call("POST", f"/schemes/{ctx['scheme']['id']}/dry-run", pilot.enterprise_tokens[name],
                   json={"contract_id": ctx["contracts"][other]["id"]})
    assert r.json["code"] == code


@when(parsers.parse('"{name}" 申请服务券'))
@when(parsers.parse('"{name}" 为新合同申请服务券'))
@when(parsers.parse('"{name}" 再次为同一合同申请服务券'))
def apply(pilot, ctx, name):
    r = pilot.apply(name, ctx["scheme"]["id"], ctx["contracts"][name]["id"])
    ctx["last"] = r
    if r.status_code == 201:
        ctx["vouchers"][name] = r.json["id"]


@when(parsers.parse('审核员驳回 "{name}" 的服务券，理由 "{reason}"'))
def reject(pilot, ctx, name, reason):
    pilot.ok("POST", f"/vouchers/{ctx['vouchers'][name]}/reject", pilot.reviewer, json={"reason": reason})


@when(parsers.parse('审核员通过 "{name}" 的服务券'))
def approve(pilot, ctx, name):
    pilot.ok("POST", f"/vouchers/{ctx['vouchers'][name]}/approve", pilot.reviewer)


@when(parsers.parse('时间来到 "{day}"'))
def time_passes(frozen_clock, uow_factory, day):
    """The calendar moves on, and the daily job runs as it does every night (a read never writes)."""
    from schemes import service as schemes
    frozen_clock(f"{day}T09:00:00+08:00")
    with uow_factory.reader() as s:
        ids = schemes.scheme_ids(s)
    for sid in ids:
        uow_factory.run(lambda u, sid=sid: schemes.settle(u, scheme_id=sid))


# --- then ----------------------------------------------------------------------------------

def _last_voucher(pilot, ctx) -> dict:
    assert ctx["last"].status_code == 201, ctx["last"].json
    return pilot.ok("GET", f"/vouchers/{ctx['last'].json['id']}", pilot.auditor)


@then(parsers.parse('服务券状态为 "{status}"，面值为 "{value}" 元'))
def status_and_value(pilot, ctx, status, value):
    v = _last_voucher(pilot, ctx)
    assert (v["status"], v["face_value"]) == (status, value)


@then(parsers.parse('服务券面值为 "{value}" 元'))
def face_value_is(pilot, ctx, value):
    assert _last_voucher(pilot, ctx)["face_value"] == value


@then(parsers.parse('服务券状态为 "{status}"'))
def status_is(pilot, ctx, status):
    assert _last_voucher(pilot, ctx)["status"] == status


@then(parsers.parse('明细中合同金额为 "{amount}" 元、各行补贴合计 "{total}" 元'))
def breakdown_totals(pilot, ctx, amount, total):
    b = _last_voucher(pilot, ctx)["breakdown"]
    assert (b["contract_amount"], b["sum_of_lines"]) == (amount, total)
    assert b["settings_version"] >= 1 and b["settings"]["max_share_prd"] == "0.30"


@then(parsers.parse('明细中第 {n:d} 行补贴为 "{value}" 元且触发单行上限'))
def line_capped(pilot, ctx, n, value):
    line = _last_voucher(pilot, ctx)["breakdown"]["lines"][n - 1]
    assert (line["subsidy"], line["cap_applied"]) == (value, True)


@then(parsers.parse('明细中生效的约束恰为 "{binding}"'))
def binding_exactly(pilot, ctx, binding):
    assert _last_voucher(pilot, ctx)["breakdown"]["binding"] == binding.split(",")


@then(parsers.parse('明细中生效的约束包括 "{binding}"'))
def binding_includes(pilot, ctx, binding):
    assert binding in _last_voucher(pilot, ctx)["breakdown"]["binding"]


@then(parsers.parse('预算为 可用 "{available}"、预留 "{reserved}"'))
def budget_is(pilot, ctx, available, reserved):
    b = pilot.budget(ctx["scheme"]["id"])
    assert (b["available"], b["reserved"]) == (available, reserved)
    parts = ("available", "reserved", "payable", "in_transit", "disbursed")
    from kernel.money import parse_money
    assert sum(parse_money(b[p]) for p in parts) == parse_money(b["total"])


@then("账本校验通过")
def ledger_ok(pilot):
    assert pilot.verify()["ok"] is True


@then(parsers.parse('申请被拒绝，错误码为 "{code}"'))
def refused(ctx, code):
    assert ctx["last"].status_code == 409 and ctx["last"].json["code"] == code, ctx["last"].json


@then(parsers.parse('申请被拒绝，错误码为 "{code}"，条件为 "{condition}"'))
def refused_condition(ctx, code, condition):
    r = ctx["last"]
    assert r.status_code == 409 and r.json["code"] == code and r.json["details"]["condition"] == condition, r.json


@then(parsers.parse('"{name}" 的服务券状态为 "{status}"'))
def voucher_status(pilot, ctx, name, status):
    assert pilot.ok("GET", f"/vouchers/{ctx['vouchers'][name]}", pilot.auditor)["status"] == status
