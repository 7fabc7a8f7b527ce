"""How the portal writes amounts, dates and statuses (Jinja filters): 1,234.56 元, 2026年11月25日."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kernel.money import from_fen

CHINA = dt.timezone(dt.timedelta(hours=8))

STATUS_LABELS = {
    # products
    "draft": "草稿", "submitted": "待审核", "approved": "已通过", "rejected": "已驳回", "delisted": "已下架",
    # vouchers
    "waitlisted": "候补中", "reserved": "已预留待审核", "issued": "已发放", "redeemed": "已兑付申请",
    "settled": "已结算", "expired": "已过期",
    # claims
    "returned": "退回补正", "publicity": "公示中", "payable": "待支付", "in_batch": "支付中", "paid": "已支付",
    "lapsed": "已失效",
    # payout batches
    "cancelled": "已取消",
    # loans
    "active": "还款中", "repaid": "已结清", "in_default": "逾期违约", "bought_back": "已回购",
}

EVIDENCE_LABELS = {"invoice": "发票", "payment_proof": "付款凭证", "acceptance_report": "验收报告"}


def yuan(fen) -> str:
    """Integer fen (or a Decimal/str of yuan) as ``1,234.56 元``."""
    if fen is None or fen == "":
        return "—"
    if isinstance(fen, int):
        value = from_fen(fen)
    else:
        value = Decimal(str(fen))
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value):,.2f} 元"


def cn_date(value) -> str:
    """A date, datetime (shown in China time) or ISO string as ``2026年11月25日``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", status or "—")


def register(app) -> None:
    app.add_template_filter(yuan, "yuan")
    app.add_template_filter(cn_date, "cn_date")
    app.add_template_filter(status_label, "status")
    app.add_template_filter(lambda k: EVIDENCE_LABELS.get(k, k), "evidence_kind")
    from portal.helpers import standard_text
    app.add_template_filter(standard_text, "standard_text")
