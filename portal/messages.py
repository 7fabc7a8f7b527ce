"""How the portal words an error for a person. Every error a page shows passes through
``error_text``: the one place that turns a ``DomainError`` (or a form's validation error) into text,
so translations (Accept-Language is ignored here: the portal is always zh-CN) are wired once."""
from __future__ import annotations

import marshmallow as ma

from adapters.i18n import translate
from kernel.errors import DomainError

# field names of the API's forms as the portal's labels say them
FIELD_LABELS = {
    "name": "产品名称", "item_kind": "产品类别", "unit": "单位", "unit_price": "单价", "scenario": "应用场景",
    "modules": "功能模块", "expected_effect": "预期效果", "standard": "奖补标准", "valid_from": "有效期起",
    "valid_to": "有效期止", "enterprise_id": "企业", "signed_on": "签订日期", "lines": "合同明细",
    "invoice_amount": "发票金额", "paid_amount": "实付金额", "evidence_ids": "佐证材料", "reason": "理由",
    "scheme_id": "专项", "contract_id": "合同", "quantity": "数量", "password": "密码", "username": "用户名",
}


def error_text(exc: BaseException) -> str:
    """The message shown for ``exc``, in Chinese: the catalogue's translation of a DomainError's
    message (or its code's general message), and of each field message of a form's errors."""
    if isinstance(exc, DomainError):
        return translate(exc.message, exc.code)
    if isinstance(exc, ma.ValidationError):
        return "；".join(_flatten(exc.messages))
    return "操作未能完成"


def _flatten(messages, path: str = "") -> list[str]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            label = FIELD_LABELS.get(str(key), str(key))
            out += _flatten(value, f"{path}{label}" if not path else f"{path}.{label}")
        return out
    if isinstance(messages, list):
        return [f"{path}：{translate(m)}" if path else translate(m) for m in messages if isinstance(m, str)] + \
            [x for m in messages if not isinstance(m, str) for x in _flatten(m, path)]
    return [f"{path}：{translate(messages) if isinstance(messages, str) else messages}"]
