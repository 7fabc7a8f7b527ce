"""Steps of features/catalog/*.feature: listing, review, versioning, standards."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from catalog import products
from catalog.rules import describe_standard, line_subsidy, parse_standard
from kernel.errors import DomainError
from tests.catalog.conftest import API, product_body, saved
from tests.support.world import auth

scenarios("../../features/catalog")

# Products the stories name, with fields that fit them; anything else is an MEC server.
KNOWN = {
    "5G室内微站": {"item_kind": "indoor_small_cell", "unit": "个", "unit_price": "8000.00",
               "standard": {"kind": "per_unit", "amount": "2400.00"}},
}


class Story:
    def __init__(self, client, world, uow_factory, db):
        self.client, self.world, self.uow_factory, self.db = client, world, uow_factory, db
        self.authority = world.org("authority", name="广东省工业和信息化厅", city="广州")
        self.reviewer_token = world.token("reviewer", self.authority)
        self.providers: dict[str, tuple] = {}
        self.products: dict[str, int] = {}
        self.submitters: dict[str, int] = {}
        self.owner: dict[str, int] = {}  # product name -> provider org id
        self.current: str | None = None
        self.response = None
        self.error_code: str | None = None
        self.result = None
        self.standard = None

    def provider(self, name: str):
        if name not in self.providers:
            org = self.world.org("provider", name=name)
            self.providers[name] = (org, *self.world.user("provider", org))
        return self.providers[name]

    def owner_token(self, product: str) -> str:
        return next(token for org, _, token in self.providers.values() if org.id == self.owner[product])

    def register(self, provider: str, name: str, **fields) -> int:
        org, _, token = self.provider(provider)
        r = self.client.post(f"{API}/products", json=product_body(name=name, **{**KNOWN.get(name, {}), **fields}),
                             headers=auth(token))
        assert r.status_code == 201, r.json
        self.products[name], self.current = r.json["id"], name
        self.owner[name] = org.id
        return r.json["id"]

    def post(self, name: str, action: str, token: str, **body):
        return self.client.post(f"{API}/products/{self.products[name]}/{action}", json=body or None,
                                headers=auth(token))

    def submit(self, provider: str, name: str) -> None:
        _, user_id, token = self.provider(provider)
        assert self.post(name, "submit", token).status_code == 200
        self.submitters[name] = user_id

    def approve(self, name: str) -> None:
        r = self.post(name, "approve", self.reviewer_token)
        assert r.status_code == 200, r.json

    def attempt(self, fn, **kwargs) -> None:
        self.error_code = None
        try:
            with self.uow_factory() as u:
                self.result = fn(u, **kwargs)
        except DomainError as exc:
            self.error_code = exc.code

    def as_staff(self, name: str) -> dict:
        return self.client.get(f"{API}/products/{self.products[name]}", headers=auth(self.reviewer_token)).json

    def names_seen(self) -> list[str]:
        assert self.response.status_code == 200, self.response.json
        return [item["name"] for item in self.response.json["items"]]


@pytest.fixture(autouse=True)
def story(client, world, uow_factory, db) -> Story:
    # autouse: the scenarios need the database fixtures in their closure to run on both databases
    return Story(client, world, uow_factory, db)


# --- listing -------------------------------------------------------------------------------

@given(parsers.parse('服务商"{provider}"登记并通过审核的产品:'))
def approved_products(story, provider, datatable):
    header, *rows = datatable
    for row in rows:
        cell = dict(zip(header, row))
        story.register(provider, cell["产品名称"], item_kind=cell["产品类型"], unit=cell["计量单位"],
                       unit_price=cell["单价"], scenario=cell["应用场景"], valid_from=cell["有效期起"],
                       valid_to=cell["有效期止"], standard={"kind": "ratio", "rate": "0.30"})
        story.submit(provider, cell["产品名称"])
        story.approve(cell["产品名称"])


@given(parsers.parse('服务商"{provider}"登记了产品"{name}"'))
def registered(story, provider, name):
    story.register(provider, name)


@when("游客浏览产品目录")
def anonymous_browses(story):
    story.response = story.client.get(f"{API}/products")


@when(parsers.parse('游客搜索"{q}"'))
def anonymous_searches(story, q):
    story.response = story.client.get(f"{API}/products", query_string={"q": q})


@when(parsers.parse('游客按产品类型"{kind}"筛选'))
def by_kind(story, kind):
    story.response = story.client.get(f"{API}/products", query_string={"item_kind": kind})


@when(parsers.parse('游客只看服务商"{provider}"的产品'))
def by_provider(story, provider):
    story.response = story.client.get(f"{API}/products", query_string={"provider_id": story.provider(provider)[0].id})


@when(parsers.parse('游客查看在"{day}"有效的产品'))
def valid_on(story, day):
    story.response = story.client.get(f"{API}/products", query_string={"valid_on": day})


@when(parsers.parse('服务商"{provider}"浏览产品目录'))
def provider_browses(story, provider):
    story.response = story.client.get(f"{API}/products", headers=auth(story.provider(provider)[2]))


@then(parsers.parse('看到的产品依次是"{names}"'))
def seen_in_order(story, names):
    assert story.names_seen() == names.split("、")


# --- review --------------------------------------------------------------------------------

@given(parsers.parse('服务商"{provider}"提交了"{name}"的审核'))
def submitted(story, provider, name):
    story.submit(provider, name)


@when("审核员查看待审队列")
def review_queue(story):
    story.response = story.client.get(f"{API}/products?status=submitted", headers=auth(story.reviewer_token))


@then(parsers.parse('待审队列中有"{name}"'))
def in_queue(story, name):
    assert name in story.names_seen()
    assert {item["status"] for item in story.response.json["items"]} == {"submitted"}


@then("待审队列是空的")
def queue_empty(story):
    assert story.names_seen() == []


@when(parsers.parse('审核员批准"{name}"'))
def reviewer_approves(story, name):
    story.approve(name)


@when(parsers.parse('审核员以"{reason}"为由驳回"{name}"'))
def reviewer_rejects(story, reason, name):
    r = story.post(name, "reject", story.reviewer_token, reason=reason)
    assert r.status_code == 200, r.json


@then(parsers.parse('"{name}"的状态是"{status}"'))
def status_is(story, name, status):
    assert story.as_staff(name)["status"] == status


@then(parsers.parse('游客能在目录中看到"{name}"'))
def public_sees(story, name):
    assert name in [i["name"] for i in story.client.get(f"{API}/products").json["items"]]
    assert story.client.get(f"{API}/products/{story.products[name]}").status_code == 200


@then(parsers.parse('游客在目录中看不到"{name}"'))
def public_does_not_see(story, name):
    assert name not in [i["name"] for i in story.client.get(f"{API}/products").json["items"]]
    assert story.client.get(f"{API}/products/{story.products[name]}").status_code == 401


@then(parsers.parse('服务商"{provider}"看到驳回原因"{reason}"'))
def provider_sees_reason(story, provider, reason):
    mine = story.client.get(f"{API}/products/{story.products[story.current]}",
                            headers=auth(story.provider(provider)[2])).json
    assert (mine["status"], mine["rejection_reason"]) == ("rejected", reason)


@when(parsers.parse('提交"{name}"的用户以审核员身份批准它'))
def submitter_approves(story, name):
    same_person = products.Actor(user_id=story.submitters[name], org_id=story.authority.id, staff=True)
    story.attempt(products.approve, actor=same_person, product_id=story.products[name])


@when(parsers.parse('"{provider}"的另一名人员以审核员身份批准"{name}"'))
def colleague_approves(story, provider, name):
    org = story.provider(provider)[0]
    colleague_id, _ = story.world.user("provider", org)
    story.attempt(products.approve, actor=products.Actor(user_id=colleague_id, org_id=org.id, staff=True),
                  product_id=story.products[name])


@when(parsers.parse('服务商"{provider}"调用批准"{name}"的接口'))
def provider_calls_approve(story, provider, name):
    story.response = story.post(name, "approve", story.provider(provider)[2])


@then(parsers.parse('操作被拒绝，错误代码为"{code}"'))
def refused_with(story, code):
    assert story.error_code == code


@then(parsers.parse('请求被拒绝，状态码为{status:d}，错误代码为"{code}"'))
def request_refused(story, status, code):
    assert (story.response.status_code, story.response.json["code"]) == (status, code)


# --- versioning ----------------------------------------------------------------------------

@given(parsers.parse('服务商"{provider}"的产品"{name}"第1版已审核通过，单价"{price}"元，有效期"{start}"至"{end}"'))
def approved_v1(story, provider, name, price, start, end):
    story.register(provider, name, unit_price=price, valid_from=start, valid_to=end)
    story.submit(provider, name)
    story.approve(name)


@given(parsers.parse('服务商把"{name}"的单价改为"{price}"元，自"{day}"起有效'))
@when(parsers.parse('服务商把"{name}"的单价改为"{price}"元，自"{day}"起有效'))
def change_price(story, name, price, day):
    r = story.client.patch(f"{API}/products/{story.products[name]}", json={"unit_price": price, "valid_from": day},
                           headers=auth(story.owner_token(name)))
    assert r.status_code == 200, r.json
    story.current = name


@given(parsers.parse("第{n:d}版已提交并审核通过"))
def new_version_approved(story, n):
    name = story.current
    assert story.post(name, "submit", story.owner_token(name)).status_code == 200
    story.approve(name)
    assert story.as_staff(name)["version"] == n


@then(parsers.parse('"{name}"有第{n:d}版，状态是"{status}"'))
def has_version(story, name, n, status):
    latest = story.client.get(f"{API}/products/{story.products[name]}", headers=auth(story.owner_token(name))).json
    assert (latest["version"], latest["status"]) == (n, status)


@then(parsers.re(r'游客看到的"(?P<name>.+)"仍?是第(?P<n>\d+)版，单价"(?P<price>[\d.]+)"元'))
def public_version(story, name, n, price):
    public = story.client.get(f"{API}/products/{story.products[name]}").json
    assert (public["version"], public["unit_price"]) == (int(n), price)


@then(parsers.parse('"{day}"签订的合同锁定第{n:d}版，单价"{price}"元'))
def pinned(story, day, n, price):
    with story.uow_factory() as u:
        pin = products.pin_for_contract(u.session, product_id=story.products[story.current],
                                        on_date=dt.date.fromisoformat(day))
    assert (pin.version, pin.unit_price) == (n, int(Decimal(price) * 100))


@when(parsers.parse('查询"{day}"签订的合同可用的"{name}"版本'))
def pin_for(story, day, name):
    story.attempt(lambda u, **kw: products.pin_for_contract(u.session, **kw), product_id=story.products[name],
                  on_date=dt.date.fromisoformat(day))


# --- standards -----------------------------------------------------------------------------

@given(parsers.parse("奖补标准是{standard}"))
def standard_is(story, standard):
    story.standard = parse_standard(json.loads(standard))


@given("奖补标准按合同金额分档累进:")
def tiered_standard(story, datatable):
    _, *rows = datatable
    story.standard = parse_standard({"kind": "tiered",
                                     "bands": [{"upto": upto or None, "rate": rate} for upto, rate in rows]})


@when(parsers.parse('合同行数量为"{quantity}"、金额为"{amount}"元'))
def contract_line(story, quantity, amount):
    story.result = line_subsidy(story.standard, quantity=Decimal(quantity), amount=Decimal(amount))


@then(parsers.parse('单行补贴是"{subsidy}"元，封顶{capped}'))
def subsidy_is(story, subsidy, capped):
    assert (story.result.subsidy, story.result.cap_applied) == (Decimal(subsidy), capped == "是")


@then(parsers.parse('奖补标准在附件5中写作"{text}"'))
def annex5_text(story, text):
    assert describe_standard(story.standard, "套") == text


@when(parsers.parse("服务商登记奖补标准为{standard}的产品"))
def register_with_standard(story, standard):
    token = story.provider("中国移动广东")[2]
    story.response = story.client.post(f"{API}/products", json=product_body(standard=json.loads(standard)),
                                       headers=auth(token))


@then(parsers.parse('登记被拒绝，错误字段为"{field}"，原因包含"{reason}"'))
def registration_refused(story, field, reason):
    body = story.response.json
    assert (story.response.status_code, body["code"], body["details"]["field"]) == (422, "VALIDATION_ERROR", field)
    assert reason in body["message"]


@then("没有保存任何产品")
def nothing_saved(story):
    assert saved(story.db) == (0, 0)
