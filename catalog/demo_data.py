"""The demo catalogue: every 5G intranet item kind of POLICY.md §4 and some cloud products, from the
three demo providers, approved so vouchers can use them at once.

Products go through the real service: registered and submitted by the provider's demo user,
approved by the authority's demo reviewer (maker-checker holds). Re-running finds each product by
provider and name and only moves it on to approved, so nothing is duplicated.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import select

from catalog import products
from catalog.models import Product, ProductVersion
from kernel.money import parse_money

VALID_FROM, VALID_TO = dt.date(2026, 1, 1), dt.date(2027, 12, 31)
TIERED_EXAMPLE = [{"upto": "100000.00", "rate": "0.50"}, {"upto": "500000.00", "rate": "0.30"},
                  {"upto": None, "rate": "0.10"}]  # the tiered example of POLICY.md §6

# provider key, name, item kind, unit, unit price, standard, scenario, modules, expected effect
DEMO_PRODUCTS = [
    # The three lines of the POLICY.md §6 worked example, from one provider so one contract can hold them.
    ("operator", "5G企业内网深度覆盖", "coverage_area", "m²", "20.00", {"kind": "ratio", "rate": "0.30"},
     "陶瓷、家具等集群企业的生产车间、仓储区5G信号深度覆盖", ["室内分布系统", "信号优化", "网络规划"],
     "车间5G覆盖率不低于95%，下行速率不低于500Mbps"),
    ("operator", "工业级5G CPE网关", "cpe_gateway", "台", "1000.00", {"kind": "per_unit", "amount": "300.00"},
     "存量PLC、数控机床等设备经CPE接入5G内网", ["5G接入", "工业协议转换", "远程管理"],
     "设备联网率提升至90%以上，布线改造成本降低60%"),
    ("operator", "边缘计算MEC服务器", "mec_server", "台", "150000.00",
     {"kind": "ratio", "rate": "0.30", "cap": "40000.00"},
     "园区内视觉质检、数据采集等业务的本地分流与边缘计算", ["本地分流", "边缘计算", "数据不出园区"],
     "业务时延低于20ms，生产数据本地处理"),
    ("operator", "5G室内微站", "indoor_small_cell", "个", "8000.00", {"kind": "per_unit", "amount": "2400.00"},
     "高密度厂房、立体仓库的5G容量补点", ["室内补盲", "容量扩展"], "单站覆盖500平方米，支持200个终端并发"),
    ("operator", "UPF专线", "upf_line", "条·年", "60000.00", {"kind": "ratio", "rate": "0.30", "cap": "15000.00"},
     "企业专属用户面功能下沉，打通5G内网与企业IT系统", ["专属UPF", "企业内网互通", "流量隔离"],
     "生产数据与公网隔离，内网传输时延低于10ms"),
    ("operator", "高可靠网络切片", "network_slice", "条·月", "5000.00",
     {"kind": "ratio", "rate": "0.40", "cap": "12000.00"},
     "AGV调度、远程控制等高可靠业务的专用切片", ["切片定制", "SLA保障", "切片监控"], "业务可靠性达到99.99%"),
    ("platform", "移动边缘平台MEP", "mep", "套", "120000.00", {"kind": "ratio", "rate": "0.30", "cap": "30000.00"},
     "边缘应用的统一部署、编排与运维", ["应用编排", "边缘容器", "运维监控"], "边缘应用上线周期缩短50%"),
    ("platform", "5G服务能力开放平台", "capability_exposure", "套", "200000.00",
     {"kind": "tiered", "bands": TIERED_EXAMPLE, "cap": "70000.00"},
     "向工业应用开放定位、QoS、终端管理等5G网络能力", ["网络能力API", "定位服务", "QoS调度"],
     "工业应用按需调用网络能力，开发周期缩短40%"),
    ("platform", "粤云工业互联网平台PaaS", "paas", "套·年", "300000.00", {"kind": "tiered", "bands": TIERED_EXAMPLE},
     "集群企业设备上云、数据汇聚与工业模型开发", ["设备接入", "数据中台", "低代码开发", "工业模型库"],
     "集群企业设备上云率达到80%"),
    ("platform", "云主机IaaS", "iaas", "台·年", "6000.00", {"kind": "ratio", "rate": "0.50", "cap": "50000.00"},
     "企业ERP、MES等业务系统迁移上云", ["弹性计算", "云存储", "云备份"], "IT运维成本降低30%"),
    ("platform", "云MES SaaS", "saas", "账号·年", "2400.00", {"kind": "ratio", "rate": "0.30"},
     "中小企业生产计划、报工与质量追溯", ["生产计划", "工序报工", "质量追溯"], "生产计划达成率提升15%"),
    ("integrator", "5G工业终端（AGV通信模组）", "industrial_terminal", "台", "3500.00",
     {"kind": "per_unit", "amount": "1000.00"},
     "陶瓷、家具工厂AGV与巡检机器人5G联网", ["5G模组", "边缘接入", "远程控制"], "AGV调度时延低于50ms"),
    ("integrator", "陶瓷窑炉能耗监测APP", "industrial_app", "套·年", "80000.00",
     {"kind": "ratio", "rate": "0.30", "cap": "20000.00"},
     "陶瓷企业窑炉温度、燃气能耗实时监测与优化", ["能耗采集", "温度曲线分析", "节能建议"], "单位产品能耗降低8%"),
    ("integrator", "设备远程运维APP", "industrial_app", "套·年", "50000.00",
     {"kind": "tiered", "bands": [{"upto": "30000.00", "rate": "0.50"}, {"upto": None, "rate": "0.30"}],
      "cap": "18000.00"},
     "五金刀剪企业关键设备的远程监控与预测性维护", ["设备监控", "故障预警", "维保工单"], "非计划停机减少30%"),
    ("integrator", "智能排产SaaS", "saas", "账号·年", "3600.00",
     {"kind": "per_unit", "amount": "1000.00", "cap": "30000.00"},
     "家具定制企业订单拆单与智能排产", ["订单拆单", "智能排产", "进度看板"], "订单交付周期缩短20%"),
]

# Users live in the shell (``yunquan``), which the catalogue must not import; the demo only needs
# the ids of the users the shell's demo created, so it reads them from the table directly.
_USERS = sa.table("app_user", sa.column("id"), sa.column("org_id"), sa.column("roles"))


def _user_of(session, org_id: int, role: str) -> int | None:
    return session.execute(sa.select(_USERS.c.id).where(_USERS.c.org_id == org_id,
                                                         _USERS.c.roles.like(f"%{role}%"))
                           .order_by(_USERS.c.id).limit(1)).scalar()


def _existing(session, provider_id: int, name: str) -> Product | None:
    return session.exec(select(Product).join(ProductVersion, ProductVersion.product_id == Product.id)
                        .where(Product.provider_id == provider_id, ProductVersion.name == name)).first()


def load_demo_catalogue(uow_factory, orgs: dict[str, int], users: dict[str, int] | None = None) -> list[str]:
    with uow_factory() as uow:
        reviewer = products.Actor(user_id=_user_of(uow.session, orgs["gdii"], "reviewer"), org_id=orgs["gdii"],
                                  staff=True)
        makers = {key: products.Actor(user_id=_user_of(uow.session, orgs[key], "provider"), org_id=orgs[key])
                  for key in ("platform", "operator", "integrator")}
    lines, new = [], 0
    for key, name, kind, unit, price, standard, scenario, modules, effect in DEMO_PRODUCTS:
        maker = makers[key]
        with uow_factory() as uow:
            found = _existing(uow.session, maker.org_id, name)
            product_id, status = (found.id, found.status) if found else (None, None)
        if product_id is None:
            with uow_factory() as uow:
                view = products.register(
                    uow, actor=maker, name=name, item_kind=kind, unit=unit, unit_price=parse_money(price),
                    scenario=scenario, modules=modules, expected_effect=effect, standard=standard,
                    valid_from=VALID_FROM, valid_to=VALID_TO)
            product_id, status, new = view.id, view.status, new + 1
        if status == "draft":
            with uow_factory() as uow:
                status = products.submit(uow, actor=maker, product_id=product_id).status
        if status == "submitted":
            with uow_factory() as uow:
                products.approve(uow, actor=reviewer, product_id=product_id)
        lines.append(f"  product {product_id:<3} {name}  {price}/{unit}")
    return [f"demo catalogue: {len(DEMO_PRODUCTS)} approved products ({new} new), valid "
            f"{VALID_FROM.isoformat()} to {VALID_TO.isoformat()}:"] + lines
