"""Steps of features/clusters/*.feature, driven through the HTTP API as the users would."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from pytest_bdd import given, parsers, scenarios, then, when

from clusters.models import Cluster
from tests.support.pilot import WORKED_LINES, WORKED_PRODUCTS, Pilot, statement_for
from tests.support.talent import TalentDesk
from tests.support.world import row_count

scenarios("../../features/clusters")

AREAS = ("南海区西樵镇", "顺德区乐从镇", "中山市小榄镇")


@pytest.fixture(autouse=True)
def _on_every_database(db):
    """Puts the database parameter into every scenario at collection time."""


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    return Pilot(client, world)


@pytest.fixture
def ctx(pilot):
    return {"orgs": {"粤云平台": pilot.provider}, "clusters": {}, "vouchers": {}, "last": None}


def _names(text: str) -> list[str]:
    return [n.strip('"') for n in text.split("、")]


def _yes(text: str) -> bool:
    return {"是": True, "否": False}[text]


# --- given -----------------------------------------------------------------------------------

@given(parsers.parse('"{name}" 是一般服务商'))
def service_provider(world, ctx, name):
    ctx["orgs"][name] = world.org("provider", city="佛山", name=name, provider_class="other")


@given(parsers.parse('"{name}" 是国家跨行业跨领域平台商'))
def national_platform(ctx, name):
    assert ctx["orgs"][name].provider_class == "national_platform"


@given("工作示例的三种产品已上架")
def worked_products(pilot):
    pilot.worked_products()


@given(parsers.parse('已开放预算为 "{budget}" 元的上云上平台服务券'))
def cloud_scheme(pilot, ctx, budget):
    ctx["scheme"] = pilot.scheme(budget)


@given(parsers.parse('已开放预算为 "{budget}" 元的人才上云服务券'))
def talent_scheme(pilot, ctx, budget):
    ctx["desk"] = TalentDesk(pilot)
    ctx["talent_scheme"] = ctx["desk"].scheme(budget)


@given(parsers.parse('"{name}" 是 "{city}" 的企业'))
def enterprise(pilot, ctx, name, city):
    ctx["orgs"][name] = pilot.enterprise(name, city=city)


@given(parsers.parse('"{lead}" 牵头的试点 "{pilot_name}"，成员企业 {members}'))
def pilot_with_members(pilot, ctx, lead, pilot_name, members):
    body = {"name": pilot_name, "industry": "建筑陶瓷", "starting_area": "南海区西樵镇", "city": "佛山",
            "lead_org_id": ctx["orgs"][lead].id, "year": 2026}
    cluster = pilot.ok("POST", "/clusters", pilot.admin, 201, json=body)
    ctx["clusters"][pilot_name] = cluster["id"]
    ctx["cluster"] = cluster["id"]
    for name in _names(members):
        pilot.ok("POST", f"/clusters/{cluster['id']}/members", pilot.admin, 201,
                 json={"org_id": ctx["orgs"][name].id, "role": "enterprise"})


@given(parsers.parse('"{name}" 的工作示例合同服务券已生效'))
def issued(pilot, ctx, name):
    ctx["vouchers"][name] = pilot.issued_voucher(name, ctx["scheme"]["id"])["id"]


@given(parsers.parse('联合体以外的服务商 "{name}" 上架了工作示例的三种产品'))
def outside_provider(pilot, world, ctx, name):
    org = world.org("provider", city="广州", name=name, provider_class="other")
    ctx["orgs"][name] = org
    ctx.setdefault("tokens", {})[name] = token = world.token("provider", org)
    for key in WORKED_PRODUCTS:
        pilot.product(key, provider_token=token)


@given(parsers.parse('"{enterprise}" 与 "{provider}" 签订工作示例合同，服务券已生效'))
def issued_with(pilot, ctx, enterprise, provider):
    contract = pilot.contract(enterprise, WORKED_LINES, provider_token=ctx["tokens"][provider])
    r = pilot.apply(enterprise, ctx["scheme"]["id"], contract["id"])
    assert r.status_code == 201, r.json
    ctx["vouchers"][enterprise] = pilot.ok("POST", f"/vouchers/{r.json['id']}/approve", pilot.reviewer)["id"]


@given(parsers.parse('"{enterprise}" 的员工 "{person}" 已取得 "{level}" 证书并合格'))
def qualified(ctx, enterprise, person, level):
    desk = ctx["desk"]
    if not desk.trainings:
        assert desk.training("陶瓷智造复合型人才实训").status_code == 201
    desk.qualified(enterprise, person, level)


# --- when --------------------------------------------------------------------------------------

def _register(pilot, ctx, year, lead, area, name):
    body = {"name": name, "industry": "纺织服装", "starting_area": area, "city": "佛山",
            "lead_org_id": ctx["orgs"][lead].id, "year": year}
    r = ctx["last"] = pilot.call("POST", "/clusters", pilot.admin, json=body)
    if r.status_code == 201:
        ctx["clusters"][name] = r.json["id"]
    return r


@when(parsers.parse('管理员登记 {year:d} 年由 "{lead}" 牵头、起步区域为 "{area}" 的试点 "{name}"'))
def register(pilot, ctx, year, lead, area, name):
    _register(pilot, ctx, year, lead, area, name)


@when(parsers.parse('管理员登记 {year:d} 年由 "{lead}" 牵头的 {n:d} 个试点'))
def register_many(pilot, ctx, year, lead, n):
    for i in range(n):
        r = _register(pilot, ctx, year, lead, AREAS[i], f"{lead}试点{i + 1}")
        assert r.status_code == 201, r.json


@when(parsers.parse('"{member}" 作为合作单位加入试点 "{name}"'))
def join_as_partner(pilot, ctx, member, name):
    pilot.ok("POST", f"/clusters/{ctx['clusters'][name]}/members", pilot.admin, 201,
             json={"org_id": ctx["orgs"][member].id, "role": "partner"})


@when(parsers.parse('试点 "{name}" 被取消试点资格'))
def cancelled(pilot, ctx, name):
    """The yearly assessment (another part of the service) cancels a pilot that failed; here the
    row is set as it would leave it."""
    factory = pilot.client.application.extensions["yunquan"].uow_factory
    with factory() as u:
        u.session.execute(sa.update(Cluster.__table__).where(Cluster.id == ctx["clusters"][name])
                          .values(status="cancelled"))
        u.commit()


@when(parsers.parse('牵头单位登记体验展示中心 "{name}"，开放日期 "{opened_on}"'))
def centre(pilot, ctx, name, opened_on):
    pilot.ok("POST", f"/clusters/{ctx['cluster']}/experience-centres", pilot.provider_token, 201,
             json={"name": name, "opened_on": opened_on})


@when(parsers.parse('牵头单位登记标杆案例 "{title}"，类型 "{case_type}"'))
def case(pilot, ctx, title, case_type):
    pilot.ok("POST", f"/clusters/{ctx['cluster']}/benchmark-cases", pilot.provider_token, 201,
             json={"title": title, "case_type": case_type})


@when(parsers.parse('"{name}" 以已付金额 "{paid}" 元申请兑付'))
def claim(pilot, ctx, name, paid):
    r = pilot.claim(name, ctx["vouchers"][name], paid)
    assert r.status_code == 201, r.json
    ctx["claim"] = r.json


@when("审核员通过兑付申请")
def approve(pilot, ctx):
    pilot.ok("POST", f"/claims/{ctx['claim']['id']}/approve", pilot.reviewer)


@when(parsers.parse('时间来到 "{day}"'))
def time_passes(frozen_clock, day):
    frozen_clock(f"{day}T09:00:00+08:00")


@when("财务为上云方案组批、审批并导入与银行文件一致的回单")
def pay(pilot, ctx):
    from kernel import clock
    batch = pilot.build_batch(ctx["scheme"]["id"])
    assert batch.status_code == 201, batch.json
    assert pilot.approve_batch(batch.json["id"]).status_code == 200
    r = pilot.import_statement(statement_for(pilot.bank_file(batch.json["id"]), value_date=clock.today().isoformat()))
    assert r.status_code == 201 and r.json["matched"] == 1, r.json


@when(parsers.parse('"{enterprise}" 为 "{person}" 申请人才券并获审核通过'))
def talent_claim(pilot, ctx, enterprise, person):
    r = ctx["desk"].claim(enterprise, ctx["talent_scheme"]["id"], [person])
    assert r.status_code == 201, r.json
    pilot.ok("POST", f"/claims/{r.json['id']}/approve", pilot.reviewer)


# --- then --------------------------------------------------------------------------------------

@then("试点登记成功")
def registered(ctx):
    assert ctx["last"].status_code == 201, ctx["last"].json
    assert ctx["last"].json["status"] == "active"


@then(parsers.parse('操作被拒绝，错误码为 "{code}"'))
def refused(ctx, code):
    r = ctx["last"]
    assert r.status_code in (403, 404, 409, 422) and r.json["code"] == code, (r.status_code, r.json)


@then(parsers.parse('操作被拒绝，错误码为 "{code}"，字段为 "{field}"'))
def refused_on(ctx, code, field):
    refused(ctx, code)
    assert ctx["last"].json["details"]["field"] == field


@then(parsers.parse("共有 {n:d} 个试点"))
def pilots(db, n):
    assert row_count(db, Cluster) == n


def _performance(pilot, ctx) -> dict:
    return pilot.ok("GET", f"/clusters/{ctx['cluster']}/performance", pilot.auditor)


@then(parsers.parse('试点绩效为 体验中心 {centres:d}、标杆案例 {cases:d}、上平台企业 {on:d}，达标 {a}、{b}、{c}'))
def performance(pilot, ctx, centres, cases, on, a, b, c):
    seen = _performance(pilot, ctx)
    names = ("experience_centres", "benchmark_cases", "enterprises_on_platform")
    assert tuple(seen[n] for n in names) == (centres, cases, on)
    assert seen["met"] == dict(zip(names, map(_yes, (a, b, c))))
    assert seen["targets"] == {"experience_centres": 1, "benchmark_cases": 2, "enterprises_on_platform": 20}


@then(parsers.parse('试点资金为 发券 {n:d} 张、面值 "{face}"、兑付核定 "{approved}"、兑付到账 "{paid}"'))
def voucher_money(pilot, ctx, n, face, approved, paid):
    money = _performance(pilot, ctx)["money"]
    assert (money["vouchers_issued"], money["vouchers_face_value"], money["vouchers_approved"],
            money["vouchers_paid"]) == (n, face, approved, paid)


@then(parsers.parse('试点的人才券资金为 核定 "{approved}"、到账 "{paid}"'))
def talent_money(pilot, ctx, approved, paid):
    money = _performance(pilot, ctx)["money"]
    assert (money["talent_approved"], money["talent_paid"]) == (approved, paid)
    assert (money["financing_rewards_approved"], money["vouchers_issued"]) == ("0.00", 0)
