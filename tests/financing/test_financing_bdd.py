"""Steps of features/financing/*.feature: the worked examples of POLICY.md §8 on the pure rules
(schedules.feature), and loans, repayments, default, buy-back, order financing and interest rewards
driven through the HTTP API as the users would (loans.feature)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from pytest_bdd import given, parsers, scenarios, then, when

from financing.models import Loan, LoanRepayment, LoanReward
from financing.rules import (
    ANNUITY, EQUAL_PRINCIPAL, LoanTerms, apply_repayment, build_schedule, check_advance, interest_reward,
    paid_interest,
)
from kernel.errors import DomainError
from kernel.money import parse_money
from tests.financing.lending import Lending
from tests.support.world import row_count

scenarios("../../features/financing")

METHODS = {"等额本息": ANNUITY, "等额本金": EQUAL_PRINCIPAL}
PARTS = ("available", "reserved", "payable")


@pytest.fixture(autouse=True)
def _on_every_database(db):
    """Puts the database parameter into every scenario at collection time (see the vouchers steps)."""


# --- the worked examples on the pure rules (schedules.feature) ----------------------------------

@pytest.fixture
def story():
    return {}


@given(parsers.parse('融资机构以年利率"{rate}"向企业放款"{principal}"元，期限{months:d}个月，{method}还款，首期还款日"{first}"'))
def given_loan(story, rate, principal, months, method, first):
    story["schedule"] = build_schedule(LoanTerms(D(principal), D(rate), months, METHODS[method],
                                                 dt.date.fromisoformat(first)))


@when(parsers.parse('企业在"{day}"还款"{amount}"元'))
def when_repaid(story, day, amount):
    s = story.get("state", story["schedule"])
    result = apply_repayment(s, paid_on=dt.date.fromisoformat(day), amount=D(amount))
    story["state"] = result.schedule
    story.setdefault("results", []).append(result)


@when(parsers.parse('企业申请第{first:d}至{last:d}期的贴息奖励'))
def when_reward_asked(story, first, last):
    story["reward"] = interest_reward(paid_interest(story["results"]), annual_rate=story["schedule"].terms.annual_rate,
                                      period_from=first, period_to=last, cap_left=D("1000000.00"))


@when(parsers.parse('融资机构按合同金额"{contract}"元申请垫资"{advance}"元'), target_fixture="advance_error")
def when_advance(contract, advance):
    try:
        check_advance(D(advance), contract_amount=D(contract))
    except DomainError as exc:
        return exc.code
    return None


@then(parsers.parse('第{period:d}期还款"{payment}"元，其中利息"{interest}"元'))
def then_instalment(story, period, payment, interest):
    inst = story["schedule"].instalment(period)
    assert (inst.payment, inst.interest) == (D(payment), D(interest))


@then(parsers.parse('第{first:d}至{last:d}期每期还款"{payment}"元'))
def then_level(story, first, last, payment):
    assert {story["schedule"].instalment(p).payment for p in range(first, last + 1)} == {D(payment)}


@then(parsers.parse('利息合计"{total}"元，本金合计"{principal}"元'))
def then_totals(story, total, principal):
    assert (story["schedule"].total_interest, story["schedule"].total_principal) == (D(total), D(principal))


@then(parsers.parse('奖励为"{amount}"元'))
def then_reward(story, amount):
    assert story["reward"].reward == D(amount)


@then('垫资被接受')
def then_advance_ok(advance_error):
    assert advance_error is None


@then(parsers.parse('垫资被拒绝，错误代码为"{code}"'))
def then_advance_refused(advance_error, code):
    assert advance_error == code


# --- through the API (loans.feature) --------------------------------------------------------------

@pytest.fixture
def ctx():
    return {"last": None}


def _record(ctx, response, key: str | None = None):
    ctx["last"] = response
    if key and response.status_code in (200, 201):
        ctx[key] = response.json
    return response


def _lending(ctx) -> Lending:
    return ctx["lending"]


def _terms(principal, rate, months, method, first) -> dict:
    return {"principal": principal, "annual_rate": rate, "term_months": months, "method": METHODS[method],
            "first_due_on": first}


@given(parsers.parse('今天是 "{day}"'))
def today_is(frozen_clock, day):
    frozen_clock(f"{day}T10:00:00+08:00")


@given(parsers.parse('融资机构 "{bank}"、担保设备商 "{maker}" 和企业 "{enterprise}" 已登记'))
def parties(client, world, ctx, bank, maker, enterprise):
    lending = ctx["lending"] = Lending(client, world, scheme_budget=None)
    assert (lending.bank.name, lending.maker.name, lending.enterprise.name) == (bank, maker, enterprise)


@given(parsers.parse('已开放预算为 "{budget}" 元的融资上云服务券'))
def financing_scheme(ctx, budget):
    _lending(ctx).open_scheme(budget)


@given(parsers.parse('融资机构已登记贷款：本金 "{principal}" 元，年利率 "{rate}"，{months:d}个月，{method}，首期还款日 "{first}"'))
def registered_loan(ctx, principal, rate, months, method, first):
    ctx["loan"] = _lending(ctx).loan(**_terms(principal, rate, months, method, first))


@given(parsers.parse('工作示例合同的上云服务券已生效，合同金额 "{amount}" 元'))
def issued_voucher(ctx, amount):
    ctx["cloud_scheme"], ctx["contract"], ctx["voucher"] = _lending(ctx).issued_voucher()
    assert ctx["contract"]["amount"] == amount


@when(parsers.parse('融资机构预览贷款：本金 "{principal}" 元，年利率 "{rate}"，{months:d}个月，{method}，首期还款日 "{first}"'))
def preview(ctx, principal, rate, months, method, first):
    ctx["terms"] = _terms(principal, rate, months, method, first)
    r = _record(ctx, _lending(ctx).preview(**ctx["terms"]), "preview")
    assert r.status_code == 200, r.json


@when("融资机构按同样条件登记贷款")
def register_same(ctx):
    r = _record(ctx, _lending(ctx).register(**ctx["terms"]), "loan")
    assert r.status_code == 201, r.json


@when(parsers.parse('时间来到 "{day}"'))
def time_passes(frozen_clock, day):
    frozen_clock(f"{day}T09:00:00+08:00")


@when(parsers.parse('融资机构登记 "{day}" 收到还款 "{amount}" 元'))
def repayment(ctx, day, amount):
    _record(ctx, _lending(ctx).repay(ctx["loan"]["id"], day, amount), "repayment")


@when("运行违约批处理")
def default_job(app):
    from financing import loans
    loans.mark_defaults(app.extensions["yunquan"].uow_factory)


@when(parsers.parse('设备商 "{name}" 回购该贷款'))
def buy_back(ctx, name):
    lending = _lending(ctx)
    token = {lending.maker.name: lending.maker_token, lending.other_maker.name: lending.other_maker_token}[name]
    _record(ctx, lending.buy_back(ctx["loan"]["id"], token=token), "buy_back")


@when(parsers.parse('企业就第{first:d}至{last:d}期申请贴息奖励'))
def reward(ctx, first, last):
    _record(ctx, _lending(ctx).reward(ctx["loan"]["id"], first, last), "claim")


@when("审核员通过奖励申请")
@when("审核员通过兑付申请")
def approve_claim(ctx):
    p = _lending(ctx).pilot
    r = _record(ctx, p.call("POST", f"/claims/{ctx['claim']['id']}/approve", p.reviewer), "claim")
    assert r.status_code == 200, r.json


def _batch(ctx, scheme_id: int) -> None:
    p = _lending(ctx).pilot
    built = p.build_batch(scheme_id)
    assert built.status_code == 201, built.json
    r = _record(ctx, p.approve_batch(built.json["id"]), "batch")
    assert r.status_code == 200, r.json


@when("财务经办人为融资上云服务券组批，财务复核人审批")
def batch_financing(ctx):
    _batch(ctx, _lending(ctx).scheme["id"])


@when("财务经办人为上云服务券组批，财务复核人审批")
def batch_cloud(ctx):
    _batch(ctx, ctx["cloud_scheme"]["id"])


@when(parsers.parse('融资机构对该合同和服务券垫资 "{advance}" 元'))
def advance(ctx, advance):
    lending = _lending(ctx)
    body = lending.order_body(ctx["contract"], ctx["voucher"], advance)
    _record(ctx, lending.call("POST", "/loans", lending.bank_token, json=body), "loan")


@when(parsers.parse('企业以已付金额 "{paid}" 元兑付服务券，审核员通过'))
def voucher_claim(ctx, paid):
    p = _lending(ctx).pilot
    r = _record(ctx, p.claim("南海陶瓷", ctx["voucher"]["id"], paid), "claim")
    assert r.status_code == 201, r.json
    approve_claim(ctx)


@then(parsers.parse('预览的第{first:d}至{last:d}期每期还款 "{payment}" 元'))
def preview_level(ctx, first, last, payment):
    assert {i["payment"] for i in ctx["preview"]["schedule"][first - 1:last]} == {payment}


@then(parsers.parse('预览的第{period:d}期还款 "{payment}" 元，其中利息 "{interest}" 元'))
def preview_instalment(ctx, period, payment, interest):
    i = ctx["preview"]["schedule"][period - 1]
    assert (i["period"], i["payment"], i["interest"]) == (period, payment, interest)


@then(parsers.parse('预览的利息合计 "{total}" 元'))
def preview_interest(ctx, total):
    assert sum(parse_money(i["interest"]) for i in ctx["preview"]["schedule"]) == parse_money(total)


@then("登记的还款计划与预览的完全相同")
def booked_as_previewed(ctx):
    lending = _lending(ctx)
    assert ctx["loan"]["schedule"] == ctx["preview"]["schedule"]
    assert lending.schedule(ctx["loan"]["id"])["items"] == ctx["preview"]["schedule"]


@then(parsers.parse('贷款状态为 "{status}"'))
def loan_status(ctx, status):
    assert _lending(ctx).get(ctx["loan"]["id"])["status"] == status


@then(parsers.parse('贷款逾期 "{amount}" 元，自 "{since}" 起'))
def overdue(ctx, amount, since):
    loan = _lending(ctx).get(ctx["loan"]["id"])
    assert (loan["overdue"], loan["overdue_since"]) == (amount, since)


@then("还款分配为：")
def allocations(ctx, datatable):
    assert ctx["last"].status_code == 201, ctx["last"].json
    expected = [{"period": int(p), "interest": i, "principal": pr} for p, i, pr in datatable[1:]]
    assert ctx["repayment"]["allocations"] == expected


@then(parsers.parse('提前还本 "{amount}" 元，自第{period:d}期起重新计算'))
def prepaid(ctx, amount, period):
    assert (ctx["repayment"]["prepaid_principal"], ctx["repayment"]["recomputed_from"]) == (amount, period)


@then(parsers.parse('还款计划第{first:d}至{last:d}期每期还款 "{payment}" 元'))
def schedule_level(ctx, first, last, payment):
    items = _lending(ctx).schedule(ctx["loan"]["id"])["items"]
    assert {i["payment"] for i in items[first - 1:last]} == {payment}


@then(parsers.parse('还款计划第{period:d}期还款 "{payment}" 元'))
def schedule_instalment(ctx, period, payment):
    assert _lending(ctx).schedule(ctx["loan"]["id"])["items"][period - 1]["payment"] == payment


@then(parsers.parse('还款计划仍为{count:d}期，本金合计 "{total}" 元'))
def schedule_term(ctx, count, total):
    s = _lending(ctx).schedule(ctx["loan"]["id"])
    assert (len(s["items"]), s["total_principal"], s["items"][-1]["balance"]) == (count, total, "0.00")


@then(parsers.parse('操作被拒绝，错误码为 "{code}"'))
def refused(ctx, code):
    r = ctx["last"]
    assert r.status_code in (403, 409, 422) and r.json["code"] == code, r.json


@then("贷款没有还款记录")
def no_repayment(ctx, db):
    assert row_count(db, LoanRepayment) == 0
    assert _lending(ctx).get(ctx["loan"]["id"])["repayments"] == []


@then(parsers.parse('贷款违约日为 "{day}"'))
def stored_default(ctx, db, day):
    with db.connect() as c:
        row = c.execute(sa.select(Loan.status, Loan.defaulted_on).where(Loan.id == ctx["loan"]["id"])).one()
    assert (row.status, row.defaulted_on) == ("in_default", dt.date.fromisoformat(day))


@then(parsers.parse('回购金额为 "{amount}" 元，其中本金 "{principal}" 元、利息 "{interest}" 元'))
def bought_back(ctx, amount, principal, interest):
    assert ctx["last"].status_code == 200, ctx["last"].json
    b = ctx["buy_back"]
    assert (b["status"], b["amount"], b["principal"], b["interest"]) == ("bought_back", amount, principal, interest)


@then(parsers.parse('奖励申请状态为 "{status}"，金额为 "{amount}" 元'))
def reward_claim(ctx, status, amount):
    assert ctx["last"].status_code == 201, ctx["last"].json
    c = _lending(ctx).pilot.get_claim(ctx["claim"]["id"])
    assert (c["kind"], c["status"], c["final_amount"], c["loan_id"]) == \
        ("financing_reward", status, amount, ctx["loan"]["id"])


@then(parsers.parse('奖励申请状态为 "{status}"'))
def reward_status(ctx, status):
    assert _lending(ctx).pilot.get_claim(ctx["claim"]["id"])["status"] == status


@then(parsers.parse('奖励明细列出第{period:d}期 "{day}" 的还款利息 "{interest}" 元'))
def reward_lines(ctx, period, day, interest):
    lines = ctx["claim"]["breakdown"]["lines"]
    assert [(x["period"], x["paid_on"], x["interest"]) for x in lines] == [(period, day, interest)]
    assert lines[0]["repayment_id"] == ctx["repayment"]["id"]


@then(parsers.parse('融资上云预算为 可用 "{available}"、预留 "{reserved}"、待拨付 "{payable}"'))
def financing_budget(ctx, available, reserved, payable):
    b = _lending(ctx).budget()
    assert tuple(b[p] for p in PARTS) == (available, reserved, payable)


@then(parsers.parse('批次有{count:d}行，收款人 "{payee}"、金额 "{amount}" 元'))
def batch_line(ctx, count, payee, amount):
    lines = ctx["batch"]["lines"]
    assert [(x["payee_name"], x["amount"]) for x in lines] == [(payee, amount)] * count
    text = _lending(ctx).pilot.bank_file(ctx["batch"]["id"])
    assert f",{payee}," in text.splitlines()[1]


@then("账本校验通过")
def ledger_ok(ctx):
    assert _lending(ctx).pilot.verify()["ok"] is True


@then(parsers.parse('该贷款共有{count:d}笔奖励申请'))
def reward_claims(ctx, db, count):
    with db.connect() as c:
        found = c.execute(sa.select(sa.func.count()).select_from(LoanReward.__table__)
                          .where(LoanReward.loan_id == ctx["loan"]["id"])).scalar()
    assert found == count


@then("服务券的收款人为融资机构")
def voucher_assigned(ctx):
    lending = _lending(ctx)
    assert ctx["last"].status_code == 201, ctx["last"].json
    assert lending.ok("GET", f"/vouchers/{ctx['voucher']['id']}", lending.pilot.auditor)["assignee_org_id"] == \
        lending.bank.id


@then("服务券的收款人为企业")
def voucher_not_assigned(ctx):
    lending = _lending(ctx)
    assert lending.ok("GET", f"/vouchers/{ctx['voucher']['id']}", lending.pilot.auditor)["assignee_org_id"] is None


@then("兑付申请的收款人为融资机构")
def claim_paid_to_financier(ctx):
    lending = _lending(ctx)
    assert lending.pilot.get_claim(ctx["claim"]["id"])["payee_org_id"] == lending.bank.id


@then("兑付申请的收款人为企业")
def claim_paid_to_enterprise(ctx):
    lending = _lending(ctx)
    assert lending.pilot.get_claim(ctx["claim"]["id"])["payee_org_id"] == lending.enterprise.id
