"""Steps of features/talent/*.feature, driven through the HTTP API as the users would."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from tests.support.pilot import Pilot, statement_for
from tests.support.talent import TalentDesk

scenarios("../../features/talent")

PARTS = ("available", "reserved", "payable", "in_transit", "disbursed")


@pytest.fixture(autouse=True)
def _on_every_database(db):
    """Puts the database parameter into every scenario at collection time."""


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    return Pilot(client, world)


@pytest.fixture
def desk(pilot):
    return TalentDesk(pilot)


@pytest.fixture
def ctx():
    return {"claim": None, "last": None}


def _record(ctx, response, key: str | None = None):
    ctx["last"] = response
    if key and response.status_code in (200, 201):
        ctx[key] = response.json
    return response


def _names(text: str) -> list[str]:
    return [n.strip('"') for n in text.split("、")]


# --- given -----------------------------------------------------------------------------------

@given(parsers.parse('已开放预算为 "{budget}" 元的人才上云服务券'))
def talent_scheme(desk, ctx, budget):
    ctx["scheme"] = desk.scheme(budget)


@given(parsers.parse('已开放预算为 "{budget}" 元的人才上云服务券，企业封顶 "{cap}" 元'))
def talent_scheme_with_cap(desk, ctx, budget, cap):
    ctx["scheme"] = desk.scheme(budget, enterprise_cap=cap)


@given(parsers.parse('已开放 {year:d} 年预算为 "{budget}" 元的人才上云服务券'))
def next_years_scheme(desk, ctx, year, budget):
    ctx["scheme"] = desk.scheme(budget, name=f"{year}年人才上云服务券", year=year, apply_from=f"{year}-01-01",
                                apply_to=f"{year}-12-31", redeem_from=f"{year}-01-01", redeem_to=f"{year}-12-31")


@given(parsers.parse('"{name}" 是 "{city}" 的企业'))
def enterprise(pilot, name, city):
    pilot.enterprise(name, city=city)


@given(parsers.parse('服务商开设实训项目，线上最低 "{online}" 学时、线下最低 "{offline}" 学时，每人费用 "{fee}" 元'))
def training(desk, online, offline, fee):
    r = desk.training("陶瓷智造复合型人才实训", online=online, offline=offline, fee=fee)
    assert r.status_code == 201, r.json


@given(parsers.parse('"{enterprise}" 为员工 "{person}" 报名'))
def enrol(desk, enterprise, person):
    r = desk.enrol(enterprise, person)
    assert r.status_code == 201, r.json


@given(parsers.parse('"{enterprise}" 的员工 {persons} 已取得 "{level}" 证书并合格'))
def qualified(desk, enterprise, persons, level):
    for person in _names(persons):
        desk.qualified(enterprise, person, level)


# --- when --------------------------------------------------------------------------------------

@when(parsers.parse('服务商登记 "{person}" 线上 "{online}" 学时、线下 "{offline}" 学时、证书 "{level}"、实缴费用 "{fee}" 元'))
def complete(desk, ctx, person, online, offline, level, fee):
    _record(ctx, desk.complete(person, online, offline, None if level == "无" else level, fee))


@when(parsers.parse('"{enterprise}" 为 {persons} 申请人才券'))
def claim(desk, ctx, enterprise, persons):
    _record(ctx, desk.claim(enterprise, ctx["scheme"]["id"], _names(persons)), "claim")


@when(parsers.parse('"{enterprise}" 用 "{owner}" 的身份证号为 "{person}" 报名'))
def enrol_with_number(desk, ctx, enterprise, owner, person):
    _record(ctx, desk.enrol(enterprise, person + "（重复）", id_number=desk.numbers[owner]))


@when(parsers.parse('"{enterprise}" 只保留 {persons} 重新提交人才券申请'))
def resubmit(desk, pilot, ctx, enterprise, persons):
    body = {"trainee_ids": [desk.trainees[p] for p in _names(persons)]}
    r = _record(ctx, pilot.call("POST", f"/talent-claims/{ctx['claim']['id']}/resubmit",
                                pilot.enterprise_tokens[enterprise], json=body), "claim")
    assert r.status_code == 200, r.json


@when("审核员通过人才券申请")
def approve(pilot, ctx):
    r = _record(ctx, pilot.call("POST", f"/claims/{ctx['claim']['id']}/approve", pilot.reviewer), "claim")
    assert r.status_code == 200, r.json


@when(parsers.parse('审核员退回人才券申请，理由 "{reason}"'))
def return_claim(pilot, ctx, reason):
    r = _record(ctx, pilot.call("POST", f"/claims/{ctx['claim']['id']}/return", pilot.reviewer,
                                json={"reason": reason}), "claim")
    assert r.status_code == 200, r.json


@when(parsers.parse('时间来到 "{day}"'))
def time_passes(frozen_clock, day):
    frozen_clock(f"{day}T09:00:00+08:00")


@when("财务经办人为人才券方案组批，财务复核人审批")
def batch(pilot, ctx):
    r = pilot.build_batch(ctx["scheme"]["id"])
    assert r.status_code == 201, r.json
    ctx["batch"] = r.json
    r = pilot.approve_batch(r.json["id"])
    assert r.status_code == 200, r.json


@when("导入与银行文件一致的银行回单")
def reconcile(pilot, ctx):
    from kernel import clock
    r = pilot.import_statement(statement_for(pilot.bank_file(ctx["batch"]["id"]), value_date=clock.today().isoformat()))
    assert r.status_code == 201 and r.json["matched"] == 1, r.json


# --- then --------------------------------------------------------------------------------------

@then(parsers.parse('"{person}" 的合格结论为 "{verdict}"，缺少 "{missing}"'))
def verdict(desk, ctx, person, verdict, missing):
    assert ctx["last"].status_code == 200, ctx["last"].json
    expected = (verdict == "是", [] if missing == "无" else missing.split(","))
    assert (ctx["last"].json["qualified"], ctx["last"].json["missing"]) == expected
    seen = desk.trainee(person)
    assert (seen["qualified"], seen["missing"]) == expected


@then(parsers.parse('操作被拒绝，错误码为 "{code}"'))
def refused(ctx, code):
    r = ctx["last"]
    assert r.status_code in (403, 404, 409, 422) and r.json["code"] == code, (r.status_code, r.json)


@then(parsers.parse('人才券申请状态为 "{status}"，核定金额为 "{amount}" 元'))
def claim_is(pilot, ctx, status, amount):
    assert ctx["last"].status_code in (200, 201), ctx["last"].json
    seen = pilot.get_claim(ctx["claim"]["id"])
    assert (seen["status"], seen["final_amount"], seen["kind"]) == (status, amount, "talent")


@then(parsers.parse('人才券申请状态为 "{status}"'))
def claim_status(pilot, ctx, status):
    assert pilot.get_claim(ctx["claim"]["id"])["status"] == status


@then(parsers.parse('核定明细为 "{first}" "{a}" 元、"{second}" "{b}" 元，封顶生效'))
def claim_lines(pilot, ctx, first, a, second, b):
    breakdown = pilot.get_claim(ctx["claim"]["id"])["breakdown"]
    assert [(line["name"], line["amount"]) for line in breakdown["lines"]] == [(first, a), (second, b)]
    assert breakdown["binding"] == ["enterprise_cap"] and breakdown["lines"][1]["binding"] == ["enterprise_cap"]
    assert breakdown["settings"]["enterprise_cap"] == "5000.00" and breakdown["settings_version"] == 1


@then(parsers.parse('人才券预算为 可用 "{available}"、预留 "{reserved}"、待拨付 "{payable}"、在途 "{in_transit}"、'
                    '已拨付 "{disbursed}"'))
def budget_is(pilot, ctx, available, reserved, payable, in_transit, disbursed):
    b = pilot.budget(ctx["scheme"]["id"])
    assert tuple(b[p] for p in PARTS) == (available, reserved, payable, in_transit, disbursed)


@then("账本校验通过")
def ledger_ok(pilot):
    assert pilot.verify()["ok"] is True
