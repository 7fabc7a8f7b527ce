"""Steps of features/pilots/*.feature: pilot applications (申报书) and yearly assessments, driven
through the HTTP API as the lead unit, the authorities of each level and the admin would."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from pytest_bdd import given, parsers, scenarios, then, when

from clusters import rules
from clusters.models import Cluster, PilotApplication, PilotApplicationProject
from tests.support.pilot import Pilot
from tests.support.world import row_count

scenarios("../../features/pilots")

SECTIONS = {  # two under the Chinese names POLICY.md gives them
    "现状": "西樵纺织集群现有企业1200家，其中规上企业85家。",
    "痛点与原因": "订单碎片化，设备联网率低。",
    "causes": "中小企业数字化投入能力不足。",
    "overall_path": "以纺织云平台为切入点，两年内覆盖集群主要环节。",
    "key_tasks": "2.1 纺织云平台；2.2 印染车间5G内网改造。",
    "targets": "2026年工厂连接数10家，2027年20家。",
    "schedule": "2026年二季度启动，2027年底完成。",
    "budget": "总投资500万元，详见附件4。",
    "safeguards": "成立专门工作组，镇政府配套支持。",
}


@pytest.fixture(autouse=True)
def _on_every_database(db):
    """Puts the database parameter into every scenario at collection time."""


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    return Pilot(client, world)


@pytest.fixture
def ctx(pilot):
    return {"orgs": {}, "tokens": {}, "products": {}, "last": None, "app": None}


def _ok(r, status=200):
    assert r.status_code == status, (r.status_code, r.json)
    return r.json


def body(ctx, name="西樵纺织集群", area="南海区西樵镇", partner="顺德设备") -> dict:
    return {
        "name": name, "industry": "纺织服装", "starting_area": area, "city": "佛山", "year": 2026,
        "contact": "张经理 13800000000",
        "partner_org_ids": [ctx["orgs"][partner].id],
        "sections": dict(SECTIONS),
        "targets": [{"year": 2026, "figure": "factories_connected", "target": 10},
                    {"year": 2027, "figure": "factories_connected", "target": 20}],
        "annexes": {
            "enterprises": [{"segment": "纺纱", "scale": "规上", "count": 35, "backbone": "西樵纺织有限公司"},
                            {"segment": "印染", "scale": "中小微", "count": 120, "backbone": ["南海印染厂", "西樵漂染厂"]}],
            "shortcomings": [{"category": "工艺装备", "content": "印染设备未联网", "plan": "2026年改造30台，2027年再改造50台"},
                             {"category": "专业人才", "content": "缺少复合型人才", "plan": "每年培训100人"}],
            "roadmap": [{"phase": "第一阶段：平台上线", "start_on": "2026-04-01", "end_on": "2026-12-31", "goal": "上线"},
                        {"phase": "第二阶段：全面推广", "start_on": "2027-01-01", "end_on": "2027-12-31", "goal": "推广"}],
            "projects": [{"name": "纺织云平台建设", "unit": "佛山智造", "content": "订单协同与产能共享",
                          "start_on": "2026-04-01", "end_on": "2027-03-31", "investment": "3000000.00"},
                         {"name": "印染车间5G内网改造", "unit": "顺德设备", "content": "5G内网覆盖与设备联网",
                          "start_on": "2026-06-01", "end_on": "2027-06-30", "investment": "2000000.00"}],
            "product_ids": list(ctx["products"].values()),
        },
    }


# --- given -------------------------------------------------------------------------------------

@given(parsers.parse('"{name}" 是一般服务商，已上架产品 "{product}"'))
def provider_with_product(pilot, world, ctx, name, product):
    org = ctx["orgs"][name] = world.org("provider", city="佛山", name=name, provider_class="other")
    token = ctx["tokens"][name] = world.token("provider", org)
    kind = "mec_server" if "MEC" in product else "cpe_gateway"
    ctx["products"][product] = pilot.product(kind, provider_token=token, name=product)


def _authority(world, ctx, name, city, level, area=None):
    org = ctx["orgs"][name] = world.org("authority", city=city, name=name, level=level, area=area)
    ctx["tokens"][name] = world.token("reviewer", org)


@given(parsers.parse('主管部门 "{name}" 是 "{city}" "{area}" 的起步区域政府'))
def area_authority(world, ctx, name, city, area):
    _authority(world, ctx, name, city, "area", area)


@given(parsers.parse('主管部门 "{name}" 是 "{city}" 的地市主管部门'))
def city_authority(world, ctx, name, city):
    _authority(world, ctx, name, city, "city")


@given(parsers.parse('主管部门 "{name}" 是省级主管部门'))
def province(world, ctx, name):
    _authority(world, ctx, name, "广州", "province")


# --- when: the lead ------------------------------------------------------------------------------

def _draft(pilot, ctx, lead, data):
    r = ctx["last"] = pilot.call("POST", "/pilot-applications", ctx["tokens"][lead], json=data)
    if r.status_code == 201:
        ctx["app"] = r.json["id"]
    return r


@when(parsers.parse('"{lead}" 起草申报书 "{name}"，起步区域 "{area}"，联合单位 "{partner}"'))
def draft(pilot, ctx, lead, name, area, partner):
    _ok(_draft(pilot, ctx, lead, body(ctx, name, area, partner)), 201)


@when(parsers.parse('"{lead}" 起草申报书，重点项目投资额为 {amounts}'))
def draft_with_projects(pilot, ctx, lead, amounts):
    data = body(ctx)
    template = data["annexes"]["projects"][0]
    data["annexes"]["projects"] = [{**template, "name": f"项目{i}", "investment": a.strip('"')}
                                   for i, a in enumerate(amounts.split("、"), start=1)]
    _ok(_draft(pilot, ctx, lead, data), 201)


def _flaw(pilot, world, ctx, data: dict, flaw: str) -> dict:
    projects, roadmap = data["annexes"]["projects"], data["annexes"]["roadmap"]
    if flaw == "写了两个起步区域":
        data["starting_area"] = "西樵镇、九江镇"
    elif flaw == "联合单位未登记":
        data["partner_org_ids"] = [999_999]
    elif flaw == "联合单位是主管部门":
        data["partner_org_ids"] = [ctx["orgs"]["西樵镇人民政府"].id]
    elif flaw == "产品未审核通过":
        pid = pilot.ok("POST", "/products", ctx["tokens"]["佛山智造"], 201, json={
            "name": "未审核的网关", "item_kind": "cpe_gateway", "unit": "台", "unit_price": "1000.00",
            "scenario": "采集", "modules": ["采集"], "expected_effect": "降本", "valid_from": "2026-01-01",
            "valid_to": "2027-12-31", "standard": {"kind": "per_unit", "amount": "300.00"}})["id"]
        data["annexes"]["product_ids"].append(pid)
    elif flaw == "产品不属于联合体":
        outsider = world.org("provider", city="广州", name="外地云", provider_class="other")
        data["annexes"]["product_ids"].append(pilot.product("cpe_gateway", provider_token=world.token("provider", outsider),
                                                            name="外地网关"))
    elif flaw == "项目投资额为负数":
        projects[1]["investment"] = "-1.00"
    elif flaw == "项目投资额为零":
        projects[1]["investment"] = "0.00"
    elif flaw == "项目投资额大得离谱":
        projects[1]["investment"] = "20000000000.00"
    elif flaw == "项目结束日期早于开始日期":
        projects[0]["start_on"], projects[0]["end_on"] = "2026-04-01", "2026-01-01"
    elif flaw == "路线图阶段顺序颠倒":
        data["annexes"]["roadmap"] = [roadmap[1], roadmap[0]]
    elif flaw == "路线图超过两年":
        roadmap[1]["end_on"] = "2029-12-31"
    elif flaw == "短板分类不在四类之内":
        data["annexes"]["shortcomings"][0]["category"] = "资金"
    elif flaw == "名称里藏着双向文字控制符":
        data["name"] = "西樵\u202e群集织纺"
    elif flaw == "同一联合单位写了两次":
        data["partner_org_ids"] *= 2
    elif flaw == "申报目标写在三年后":
        data["targets"][1]["year"] = 2029
    else:
        raise AssertionError(f"unknown flaw {flaw}")
    return data


@when(parsers.parse('"{lead}" 起草申报书，其中{flaw}'))
def draft_with_flaw(pilot, world, ctx, lead, flaw):
    _draft(pilot, ctx, lead, _flaw(pilot, world, ctx, body(ctx), flaw))


@when(parsers.parse('"{lead}" 把重点项目 "{project}" 的投资额改为 "{amount}"'))
def edit_project(pilot, ctx, lead, project, amount):
    current = pilot.ok("GET", f"/pilot-applications/{ctx['app']}", ctx["tokens"][lead])
    data = body(ctx, current["name"], current["starting_area"], "顺德设备")
    for p in data["annexes"]["projects"]:
        if p["name"] == project:
            p["investment"] = amount
    ctx["last"] = pilot.call("PUT", f"/pilot-applications/{ctx['app']}", ctx["tokens"][lead], json=data)


@when(parsers.parse('"{provider}" 下架产品 "{product}"'))
def delist(pilot, ctx, provider, product):
    _ok(pilot.call("POST", f"/products/{ctx['products'][product]}/delist", ctx["tokens"][provider]))


@when(parsers.parse('"{lead}" 提交申报书'))
def submit(pilot, ctx, lead):
    ctx["last"] = pilot.call("POST", f"/pilot-applications/{ctx['app']}/submit", ctx["tokens"][lead])


# --- when: the authorities -----------------------------------------------------------------------

ACTIONS = {"推荐": "recommend", "审核": "review", "批准": "approve"}


@when(parsers.re(r'"(?P<who>[^"]+)" (?P<verb>推荐|审核|批准)申报书$'))
def act(pilot, ctx, who, verb):
    ctx["last"] = pilot.call("POST", f"/pilot-applications/{ctx['app']}/{ACTIONS[verb]}", ctx["tokens"][who])


@when(parsers.parse('"{who}" 退回申报书，理由 "{reason}"'))
def send_back(pilot, ctx, who, reason):
    ctx["last"] = pilot.call("POST", f"/pilot-applications/{ctx['app']}/return", ctx["tokens"][who],
                             json={"reason": reason})


@when(parsers.parse('管理员登记由 "{lead}" 牵头的试点 "{name}"'))
def admin_registers(pilot, ctx, lead, name):
    pilot.ok("POST", "/clusters", pilot.admin, 201, json={
        "name": name, "industry": "家具", "starting_area": "顺德区乐从镇", "city": "佛山",
        "lead_org_id": ctx["orgs"][lead].id, "year": 2026})


# --- then --------------------------------------------------------------------------------------

def _app(pilot, ctx) -> dict:
    return pilot.ok("GET", f"/pilot-applications/{ctx['app']}", pilot.auditor)


@then(parsers.re(r'申报书状态为 "(?P<status>[^"]+)"，投资预算为 "(?P<total>[^"]+)"$'))
def status_and_total(pilot, ctx, status, total):
    seen = _app(pilot, ctx)
    assert (seen["status"], seen["investment_total"]) == (status, total), seen


@then(parsers.re(r'申报书状态为 "(?P<status>[^"]+)"$'))
def status_is(pilot, ctx, status):
    assert _app(pilot, ctx)["status"] == status


@then(parsers.re(r'申报书状态为 "(?P<status>[^"]+)"，已生成试点$'))
def approved(pilot, ctx, status):
    seen = _app(pilot, ctx)
    assert seen["status"] == status and seen["cluster_id"], seen
    assert set(seen["sections"]) == set(rules.SECTIONS)  # 现状 and 痛点与原因 are status_quo and pain_points
    assert seen["annexes"]["enterprises"][1]["backbone"] == "南海印染厂、西樵漂染厂"  # sent as a list
    ctx["cluster"] = seen["cluster_id"]


@then(parsers.re(r'申报书状态为 "(?P<status>[^"]+)"，办理记录 (?P<n>\d+) 条$'), converters={"n": int})
def status_and_steps(pilot, ctx, status, n):
    seen = _app(pilot, ctx)
    assert (seen["status"], len(seen["steps"])) == (status, n), seen["steps"]


@then(parsers.parse('试点由 "{lead}" 牵头，起步区域为 "{area}"，合作单位有 "{partner}"'))
def pilot_created(pilot, ctx, lead, area, partner):
    seen = pilot.ok("GET", f"/clusters/{ctx['cluster']}", pilot.auditor)
    assert (seen["lead_org_id"], seen["starting_area"], seen["status"]) == (ctx["orgs"][lead].id, area, "active")
    assert {"org_id": ctx["orgs"][partner].id, "name": partner, "kind": "provider", "role": "partner"} in seen["members"]
    assert seen["application_id"] == ctx["app"]
    assert seen["task_book"]["declared_targets"] == body(ctx)["targets"]


@then("申报书的办理记录依次为:")
def steps_are(pilot, ctx, datatable):
    seen = _app(pilot, ctx)["steps"]
    rows = [(r[0], r[1], r[2] or None) for r in datatable[1:]]
    assert [(s["action"], s["org_name"], s["reason"]) for s in seen] == rows
    assert all(s["at"] and s["user_id"] for s in seen)
    levels = {"recommend": "area", "review": "city", "approve": "province", "submit": None}
    assert all(s["level"] == levels[s["action"]] for s in seen if s["action"] != "return")


@then(parsers.re(r'操作被拒绝，错误码为 "(?P<code>[^"]+)"$'))
def refused(ctx, code):
    r = ctx["last"]
    assert r.status_code in (403, 404, 409, 422) and r.json["code"] == code, (r.status_code, r.json)


@then(parsers.re(r'操作被拒绝，错误码为 "(?P<code>[^"]+)"，原因为 "(?P<reason>[^"]+)"$'))
def refused_because(ctx, code, reason):
    refused(ctx, code)
    assert ctx["last"].json["details"]["reason"] == reason, ctx["last"].json


@then(parsers.parse("共有 {n:d} 个试点"))
def pilots(db, n):
    assert row_count(db, Cluster) == n


@then(parsers.parse("共有 {n:d} 份申报书"))
def applications(db, n):
    assert row_count(db, PilotApplication) == n
    assert row_count(db, PilotApplicationProject) == 0 if n == 0 else True


@then(parsers.parse('"{who}" 的待办有 {n:d} 份申报书'))
def queue(pilot, ctx, who, n):
    seen = pilot.ok("GET", "/pilot-applications?queue=true", ctx["tokens"][who])
    assert [a["id"] for a in seen["items"]] == ([ctx["app"]] if n else [])


@then(parsers.parse("申报书 PDF 的文字包括 {texts}"))
def pdf_text(pilot, ctx, texts):
    r = pilot.call("GET", f"/pilot-applications/{ctx['app']}.pdf", ctx["tokens"]["佛山智造"])
    assert r.status_code == 200 and r.data.startswith(b"%PDF"), r.status_code
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    flat = "".join(text.split())
    missing = [t for t in (x.strip('"') for x in texts.split("、")) if "".join(t.split()) not in flat]
    assert missing == [], missing


# --- the yearly assessment -----------------------------------------------------------------------

@given(parsers.parse('"{lead}" 的申报书 "{name}" 已获批准成为试点，申报 {year:d} 年设备联网数 {devices:d}、工厂连接数 {factories:d}'))
def approved_pilot(pilot, world, ctx, lead, name, year, devices, factories):
    data = body(ctx, name)
    data["targets"] = [{"year": year, "figure": "connected_devices", "target": devices},
                       {"year": year, "figure": "factories_connected", "target": factories}]
    _ok(_draft(pilot, ctx, lead, data), 201)
    for who, path in ((lead, "submit"), ("西樵镇人民政府", "recommend"), ("佛山市工业和信息化局", "review"),
                      ("广东省工业和信息化厅", "approve")):
        _ok(pilot.call("POST", f"/pilot-applications/{ctx['app']}/{path}", ctx["tokens"][who]))
    ctx["cluster"] = _app(pilot, ctx)["cluster_id"]
    assert ctx["cluster"]


def _centre(pilot, ctx, name):
    return pilot.call("POST", f"/clusters/{ctx['cluster']}/experience-centres", ctx["tokens"]["佛山智造"],
                      json={"name": name, "opened_on": "2026-02-20"})


@given(parsers.parse('牵头单位登记体验展示中心 "{name}" 和两种类型的标杆案例'))
def task_book(pilot, ctx, name):
    _ok(_centre(pilot, ctx, name), 201)
    for title, kind in (("印染能耗优化", "智能制造"), ("订单共享", "供应链协同")):
        _ok(pilot.call("POST", f"/clusters/{ctx['cluster']}/benchmark-cases", ctx["tokens"]["佛山智造"],
                       json={"title": title, "case_type": kind}), 201)


def _member(pilot, ctx, name):
    org = pilot.enterprise(name, city="佛山")
    _ok(pilot.call("POST", f"/clusters/{ctx['cluster']}/members", pilot.admin,
                   json={"org_id": org.id, "role": "enterprise"}), 201)
    return org


def _contract(pilot, ctx, lead, enterprise, product, quantity=10):
    return pilot.call("POST", "/contracts", ctx["tokens"][lead], json={
        "enterprise_id": pilot.enterprises[enterprise].id, "signed_on": "2026-02-20",
        "lines": [{"product_id": ctx["products"][product], "quantity": quantity, "unit_price": "1000.00"}]})


@given(parsers.parse("{n:d} 家成员企业与牵头单位签订网关合同，兑付款已到账"))
def paid_members(pilot, ctx, frozen_clock, n):
    from tests.support.pilot import statement_for
    scheme = pilot.scheme("10000000.00")
    for i in range(1, n + 1):
        name = f"西樵纺织{i:02d}"
        _member(pilot, ctx, name)
        contract = _ok(_contract(pilot, ctx, "佛山智造", name, "窑炉数据采集网关"), 201)
        voucher = _ok(pilot.apply(name, scheme["id"], contract["id"]), 201)
        pilot.ok("POST", f"/vouchers/{voucher['id']}/approve", pilot.reviewer)
        claim = _ok(pilot.claim(name, voucher["id"], "10000.00"), 201)
        pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    frozen_clock("2026-03-20T09:00:00+08:00")
    batch = _ok(pilot.build_batch(scheme["id"]), 201)
    _ok(pilot.approve_batch(batch["id"]))
    seen = _ok(pilot.import_statement(statement_for(pilot.bank_file(batch["id"]), value_date="2026-03-20")), 201)
    assert seen["matched"] == n, seen


@given(parsers.parse('"{lead}" 与成员企业 "{enterprise}" 用 "{partner}" 的产品签订合同成功'))
def partner_contract_before(pilot, ctx, lead, enterprise, partner):
    _member(pilot, ctx, enterprise)
    product = next(p for p, pid in ctx["products"].items() if "MEC" in p)
    ctx["contract"] = _ok(_contract(pilot, ctx, lead, enterprise, product, quantity=1), 201)


@given(parsers.parse("银行为这份合同的 {n:d} 台MEC边缘服务器发放设备分期贷款"))
def device_loan(pilot, world, ctx, n):
    bank, maker = world.org("financier", city="佛山", name="佛山农商行"), world.org("guarantor", city="佛山", name="顺德装备")
    contract = ctx["contract"]
    assert [line["quantity"] for line in contract["lines"]] == [str(n)], contract["lines"]
    pilot.ok("POST", "/loans", world.token("financier", bank), 201, json={
        "kind": "instalment", "enterprise_id": contract["enterprise_id"], "guarantor_id": maker.id,
        "contract_id": contract["id"], "principal": "1000.00", "annual_rate": "0.06", "term_months": 12,
        "method": "annuity", "first_due_on": "2026-04-30"})


@given(parsers.parse('成员企业 "{enterprise}" 的员工 {people} 已取得证书并合格'))
def qualified_people(pilot, enterprise, people):
    from tests.support.talent import TalentDesk
    desk = TalentDesk(pilot)
    assert desk.training("纺织智造复合型人才实训").status_code == 201
    for person in (p.strip('"') for p in people.split("、")):
        desk.qualified(enterprise, person, "中级")


@when(parsers.parse('"{lead}" 与成员企业 "{enterprise}" 用 "{partner}" 的产品签订合同'))
def partner_contract(pilot, ctx, lead, enterprise, partner):
    product = next(p for p in ctx["products"] if "MEC" in p)
    ctx["last"] = _contract(pilot, ctx, lead, enterprise, product, quantity=1)


@when(parsers.parse('"{lead}" 与成员企业 "{enterprise}" 用自己的产品签订合同'))
def own_contract(pilot, ctx, lead, enterprise):
    ctx["last"] = _contract(pilot, ctx, lead, enterprise, "窑炉数据采集网关")


@then("合同签订成功")
def contract_signed(ctx):
    assert ctx["last"].status_code == 201, ctx["last"].json


@when(parsers.parse('牵头单位登记体验展示中心 "{name}"'))
def late_centre(pilot, ctx, name):
    ctx["last"] = _centre(pilot, ctx, name)


def _assess(pilot, ctx, who, year, figures):
    r = ctx["last"] = pilot.call("POST", f"/clusters/{ctx['cluster']}/assessments", ctx["tokens"][who],
                                 json={"year": year, "figures": figures})
    return r


@when(parsers.parse('"{who}" 评估试点 {year:d} 年度，录入工厂连接数 {n:d}'))
def assess(pilot, ctx, who, year, n):
    _assess(pilot, ctx, who, year, {"factories_connected": n})


@when(parsers.parse('"{who}" 以单独字段录入工厂连接数 {n:d}，再次评估试点 {year:d} 年度'))
def assess_flat(pilot, ctx, who, n, year):
    ctx["last"] = pilot.call("POST", f"/clusters/{ctx['cluster']}/assessments", ctx["tokens"][who],
                             json={"year": year, "factories_connected": n})


@when(parsers.parse('"{who}" 评估试点 {year:d} 年度，不录入数字'))
def assess_nothing(pilot, ctx, who, year):
    _assess(pilot, ctx, who, year, {})


@when(parsers.parse('"{who}" 评估试点 {year:d} 年度，录入 "{figure}" 为 {n:d}'))
def assess_held(pilot, ctx, who, year, figure, n):
    _assess(pilot, ctx, who, year, {"factories_connected": 12, figure: n})


@then(parsers.re(r'评估结果为(?P<result>达标|不达标)，试点状态为 "(?P<status>[^"]+)"$'))
def result(pilot, ctx, result, status):
    r = ctx["last"]
    assert r.status_code == 201, r.json
    assert (r.json["passed"], r.json["status"]) == (result == "达标", status)
    assert pilot.ok("GET", f"/clusters/{ctx['cluster']}", pilot.auditor)["status"] == status
    ctx["assessment"] = r.json


@then("评估数字为:")
def figures_are(ctx, datatable):
    seen = {f["figure"]: f for f in ctx["assessment"]["figures"]}
    yes = {"是": True, "否": False, "": None}
    for name, source, value, target, met in datatable[1:]:
        f = seen[name]
        assert (f["source"], f["value"], f["target"], f["met"]) == (
            source, int(value), int(target) if target else None, yes[met]), f


@then(parsers.parse('评估中 "{figure}" 的数值 {value:d}、目标 {target:d}，未达标'))
def figure_missed(ctx, figure, value, target):
    f = next(f for f in ctx["assessment"]["figures"] if f["figure"] == figure)
    assert (f["value"], f["target"], f["met"]) == (value, target, False)


@then(parsers.parse("试点共有 {n:d} 条评估记录"))
def assessments(pilot, ctx, n):
    assert len(pilot.ok("GET", f"/clusters/{ctx['cluster']}/assessments", pilot.auditor)["items"]) == n


@then(parsers.parse('试点状态为 "{status}"'))
def cluster_status(pilot, ctx, status):
    assert pilot.ok("GET", f"/clusters/{ctx['cluster']}", pilot.auditor)["status"] == status


@then("牵头单位仍能查阅被取消的试点及其评估记录")
def history_readable(pilot, ctx):
    token = ctx["tokens"]["佛山智造"]
    assert pilot.ok("GET", f"/clusters/{ctx['cluster']}", token)["status"] == "cancelled"
    items = pilot.ok("GET", f"/clusters/{ctx['cluster']}/assessments", token)["items"]
    assert [(a["year"], a["passed"]) for a in items] == [(2026, False)]
    assert _app(pilot, ctx)["cluster_id"] == ctx["cluster"]


@then(parsers.parse('省厅看板中 {year:d} 年 "{status}" 状态、评估 "{assessment}" 的试点有 {n:d} 个'))
def dashboard(pilot, ctx, year, status, assessment, n):
    seen = pilot.ok("GET", f"/clusters/dashboard?year={year}", ctx["tokens"]["广东省工业和信息化厅"])
    counts = {(c["year"], c["status"], c["assessment"]): c["pilots"] for c in seen["counts"]}
    assert counts.get((year, status, assessment), 0) == n, seen["counts"]
    assert any(i["id"] == ctx["cluster"] and i["assessment"] == assessment for i in seen["items"])
    only = pilot.ok("GET", f"/clusters/dashboard?year={year}&assessment={assessment}", ctx["tokens"]["广东省工业和信息化厅"])
    assert [i["assessment"] for i in only["items"]] == [assessment] * n
