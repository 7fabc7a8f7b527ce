"""Pure voucher rules: the face value of a cloud voucher (POLICY.md §6) and what its redemption
claim comes to. Standard library only (plus ``kernel`` primitives and other packages' rules). Money
here is ``Decimal`` yuan."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal, localcontext
from typing import Any, Sequence

from catalog.rules import LineSubsidy
from kernel.errors import ValidationError
from kernel.money import FEN, round_down_fen
from schemes.rules import Settings
from schemes.rules import money_str as _money_str
from vouchers.errors import ClaimUnderpaid, NothingToClaim

D = Decimal

# --- face value -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PricedLine:
    line_no: int
    product_id: int
    version_id: int
    item_kind: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    standard: dict[str, Any]      # the standard as printed (for the breakdown)
    subsidy: LineSubsidy


@dataclass(frozen=True)
class FaceValue:
    face_value: Decimal
    contract_amount: Decimal
    sum_of_lines: Decimal
    share_rate: Decimal
    share_cap: Decimal
    enterprise_cap_left: Decimal
    provider_quota_left: Decimal
    binding: tuple[str, ...]       # which limits bit: line_cap, max_share, enterprise_cap, provider_quota
    lines: tuple[PricedLine, ...] = field(default=())


def face_value(lines: Sequence[PricedLine], *, city: str, settings: Settings, enterprise_cap_left: Decimal,
               provider_quota_left: Decimal) -> FaceValue:
    """POLICY.md §6: S = min(Σ s_i, max_share(city) × A, enterprise cap left, provider quota left),
    rounded down to the fen."""
    amount = sum((line.amount for line in lines), D("0.00"))
    total = sum((line.subsidy.subsidy for line in lines), D("0.00"))
    rate = settings.max_share(city)
    share_cap = round_down_fen(rate * amount)
    ent_left = max(enterprise_cap_left, D("0.00"))
    prov_left = max(provider_quota_left, D("0.00"))
    value = round_down_fen(min(total, share_cap, ent_left, prov_left))
    binding = []
    if any(line.subsidy.cap_applied for line in lines):
        binding.append("line_cap")
    for name, limit in (("max_share", share_cap), ("enterprise_cap", ent_left), ("provider_quota", prov_left)):
        if limit < total and limit == value:
            binding.append(name)
    return FaceValue(value, amount, total, rate, share_cap, ent_left, prov_left, tuple(binding), tuple(lines))


def breakdown(fv: FaceValue, *, settings_version: int, settings: Settings, city: str) -> dict[str, Any]:
    """The stored, printed explanation of a face value."""
    return {
        "contract_amount": _money_str(fv.contract_amount),
        "lines": [{
            "line_no": line.line_no, "product_id": line.product_id, "version_id": line.version_id,
            "item_kind": line.item_kind, "quantity": str(line.quantity), "unit_price": _money_str(line.unit_price),
            "amount": _money_str(line.amount), "standard": line.standard,
            "before_cap": _money_str(line.subsidy.before_cap), "subsidy": _money_str(line.subsidy.subsidy),
            "cap_applied": line.subsidy.cap_applied,
        } for line in fv.lines],
        "sum_of_lines": _money_str(fv.sum_of_lines),
        "city": city,
        "max_share_rate": str(fv.share_rate),
        "max_share_cap": _money_str(fv.share_cap),
        "enterprise_cap_left": _money_str(fv.enterprise_cap_left),
        "provider_quota_left": _money_str(fv.provider_quota_left),
        "binding": list(fv.binding),
        "face_value": _money_str(fv.face_value),
        "settings_version": settings_version,
        "settings": settings.to_dict(),
    }


# --- claims (兑付) -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimAmount:
    final_amount: Decimal
    released: Decimal         # what approval returns to the budget: V − F, or held − F after an objection
    paid_ratio: Decimal       # P / A, truncated to 4 places (printed, never used to decide)
    min_paid_amount: Decimal  # the least P that passes the ratio, rounded up to the fen
    limited_by: str | None    # face_value | held (what an objection left reserved) | None


# An invoice may cover more than the contract (other goods on the same invoice), but not by an order
# of magnitude: ten times the contract amount is past any honest invoice and within reach of a
# typing slip (one or two extra zeros), which this bound catches before a reviewer has to.
MAX_INVOICE_TO_CONTRACT = D(10)


def check_invoice(*, invoice_amount: Decimal, contract_amount: Decimal) -> None:
    """An invoice absurdly above its contract is a mistake: VALIDATION_ERROR on ``invoice_amount``."""
    limit = MAX_INVOICE_TO_CONTRACT * contract_amount
    if invoice_amount > limit:
        raise ValidationError(
            f"the invoice amount {_money_str(invoice_amount)} is more than {MAX_INVOICE_TO_CONTRACT} times the "
            f"contract amount {_money_str(contract_amount)}", field="invoice_amount",
            details={"invoice_amount": _money_str(invoice_amount), "contract_amount": _money_str(contract_amount),
                     "max_invoice_amount": _money_str(limit)})


def claim_amount(*, face_value: Decimal, contract_amount: Decimal, paid_amount: Decimal,
                 min_paid_ratio: Decimal, held: Decimal | None = None) -> ClaimAmount:
    """POLICY.md §6: ``P < ratio × A`` → CLAIM_UNDERPAID; ``F = min(V, floor_fen(V × P / A))``.

    Compared and computed exactly: the products are exact in ``Decimal`` and the one division runs
    with enough digits that truncating it to the fen cannot be pushed over a fen boundary.
    ``held`` is the money still reserved for the voucher when it is less than V (after an
    objection): the claim can never consume more than is held."""
    threshold = min_paid_ratio * contract_amount
    min_paid = threshold.quantize(FEN, rounding=ROUND_UP)
    if paid_amount < threshold:
        raise ClaimUnderpaid(
            f"the paid amount {_money_str(paid_amount)} is below {min_paid_ratio:%} of the contract amount "
            f"{_money_str(contract_amount)}",
            details={"paid_amount": _money_str(paid_amount), "contract_amount": _money_str(contract_amount),
                     "min_paid_ratio": str(min_paid_ratio), "min_paid_amount": _money_str(min_paid)})
    with localcontext() as ctx:
        ctx.prec = 80
        proportional = round_down_fen(face_value * paid_amount / contract_amount)
        ratio = (paid_amount / contract_amount).quantize(D("0.0001"), rounding=ROUND_DOWN)
    final, limited_by = proportional, None
    if face_value < final:
        final, limited_by = face_value, "face_value"
    if held is not None and held < final:
        final, limited_by = held, "held"
    if final <= 0:
        raise NothingToClaim("the claim comes to 0.00", details={"final_amount": "0.00"})
    holding = face_value if held is None else min(face_value, held)
    return ClaimAmount(final, holding - final, ratio, min_paid, limited_by)


def claim_breakdown(amount: ClaimAmount, *, face_value: Decimal, contract_amount: Decimal, invoice_amount: Decimal,
                    paid_amount: Decimal, settings_version: int, min_paid_ratio: Decimal) -> dict[str, Any]:
    return {
        "contract_amount": _money_str(contract_amount), "face_value": _money_str(face_value),
        "invoice_amount": _money_str(invoice_amount), "paid_amount": _money_str(paid_amount),
        "paid_ratio": str(amount.paid_ratio), "min_paid_ratio": str(min_paid_ratio),
        "min_paid_amount": _money_str(amount.min_paid_amount),
        "final_amount": _money_str(amount.final_amount), "released": _money_str(amount.released),
        "limited_by": amount.limited_by, "formula": "F = min(V, floor_fen(V × P / A))",
        "settings_version": settings_version,
    }
