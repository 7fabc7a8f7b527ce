"""Reports the tests render: built here, as ``reports/build.py`` will build them from journals."""
from __future__ import annotations

import datetime as dt

from reports.document import Column, Kind, Report, Table

COLUMNS = (Column("序号", Kind.INT), Column("企业名称", weight=2), Column("兑付日期", Kind.DATE),
           Column("金额（元）", Kind.MONEY), Column("备注", weight=1.5))


def payee(i: int) -> str:
    return f"佛山市南海区第{i}号智能制造有限公司"


def lines(n: int):
    """n settlement lines; line i pays i × 1,234.56 yuan, dated from 2026年11月25日 on."""
    for i in range(1, n + 1):
        yield (i, payee(i), dt.date(2026, 11, 25) + dt.timedelta(days=i - 1), 123456 * i, "上云上平台服务券兑付")


def settlement(n: int = 3, *, generator: bool = True) -> Report:
    rows = lines(n) if generator else list(lines(n))
    return Report(
        title="服务券兑付结算汇总表", subtitle="2026年11月 第12批",
        meta=[("批次编号", "12"), ("制单人", "张三"), ("复核人", "李四")],
        tables=[Table(COLUMNS, rows, title="兑付明细",
                      totals=("合计", None, None, sum(123456 * i for i in range(1, n + 1)), None))],
        notes=["金额单位：元。"])


def empty_period() -> Report:
    return Report(title="公示名单", meta=[("公示期", "2026年11月")], tables=[Table(COLUMNS, iter(()), title="公示名单")])
