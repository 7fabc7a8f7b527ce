"""Pure voucher rules: scheme settings and their defaults, eligibility, the face value of a voucher.

Standard library only (plus ``kernel`` primitives and catalogue rules). Money here is ``Decimal`` yuan.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal, localcontext
from typing import Any, Sequence

from catalog.rules import GUANGDONG_CITIES, PEARL_RIVER_DELTA, LineSubsidy
from kernel.errors import ValidationError
from kernel.money import FEN, round_down_fen
from vouchers.errors import ClaimUnderpaid, EnterpriseIneligible, NothingToClaim

SCHEME_KINDS = ("cloud", "financing", "talent")
D = Decimal


# --- settings ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """Every number POLICY.md leaves to the implementing rules. Stored with the scheme, versioned."""
    max_share_prd: Decimal = D("0.30")            # 珠三角 cities: share of the contract amount
    max_share_other: Decimal = D("0.50")          # other cities
    enterprise_cap: Decimal = D("1000000.00")     # per enterprise per year (per scheme)
    provider_quota_major: Decimal = D("8000000.00")  # national platforms and telecom operators
    provider_quota_other: Decimal = D("5000000.00")
    settle_min_paid_ratio: Decimal = D("0.90")
    publicity_working_days: int = 5
    holidays: tuple[str, ...] = ()                # YYYY-MM-DD, skipped when counting working days
    covered_cities: tuple[str, ...] = tuple(c for c in GUANGDONG_CITIES if c != "深圳")
    min_age_years: int = 1
    min_prior_revenue: Decimal = D("0.00")
    excluded_usccs: tuple[str, ...] = ()
    city_quotas: tuple[tuple[str, Decimal], ...] = ()  # (city, amount); a city not listed has no quota
    review_scope: str = "province"                # or "city": reviewers see their own city only

    def max_share(self, city: str) -> Decimal:
        return self.max_share_prd if city in PEARL_RIVER_DELTA else self.max_share_other

    def provider_quota(self, provider_class: str | None) -> Decimal:
        return self.provider_quota_major if provider_class in ("national_platform", "operator") \
            else self.provider_quota_other

    def city_quota(self, city: str) -> Decimal | None:
        return dict(self.city_quotas).get(city)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: money with two decimals, rates as strings, as the API prints them."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key == "city_quotas":
                out[key] = {city: _money_str(amount) for city, amount in value}
            elif isinstance(value, Decimal):
                out[key] = _money_str(value) if key in _MONEY_KEYS else str(value)
            elif isinstance(value, tuple):
                out[key] = list(value)
            else:
                out[key] = value
        return out


_MONEY_KEYS = {"enterprise_cap", "provider_quota_major", "provider_quota_other", "min_prior_revenue"}
_RATE_KEYS = {"max_share_prd", "max_share_other", "settle_min_paid_ratio"}


def _money_str(value: Decimal) -> str:
    return str(value.quantize(FEN))


def _money(key: str, value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValidationError(f"{key} must be money as a string with two decimals", field=key)
    try:
        d = Decimal(value)
    except Exception:
        raise ValidationError(f"{key} is not money", field=key) from None
    if not d.is_finite() or d < 0 or d.adjusted() > 14 or d != d.quantize(FEN) or "." not in value \
            or len(value.split(".")[1]) != 2:
        raise ValidationError(f"{key} must be non-negative money with exactly two decimals", field=key)
    return d


def _rate(key: str, value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValidationError(f"{key} must be a decimal string such as \"0.30\"", field=key)
    try:
        d = Decimal(value)
    except Exception:
        raise ValidationError(f"{key} is not a decimal", field=key) from None
    if not d.is_finite() or not (D(0) < d <= D(1)) or d != d.quantize(D("0.0001")):
        raise ValidationError(f"{key} must be in (0, 1] with at most four decimals", field=key)
    return d


def _date_text(key: str, value: Any) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except Exception:
        raise ValidationError(f"{key} must hold dates YYYY-MM-DD", field=key) from None


def parse_settings(overrides: dict[str, Any] | None, base: Settings | None = None) -> Settings:
    """Validate overrides (the API's JSON form) on top of ``base`` (defaults when None)."""
    from catalog.rules import normalise_city, validate_uscc
    base = base or Settings()
    values = asdict(base)
    for key, value in (overrides or {}).items():
        if key not in values:
            raise ValidationError(f"unknown setting {key}", field=key)
        if key in _MONEY_KEYS:
            values[key] = _money(key, value)
        elif key in _RATE_KEYS:
            values[key] = _rate(key, value)
        elif key in ("publicity_working_days", "min_age_years"):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
                raise ValidationError(f"{key} must be a whole number from 0 to 60", field=key)
            values[key] = value
        elif key == "holidays":
            if not isinstance(value, list):
                raise ValidationError("holidays must be a list of dates", field=key)
            values[key] = tuple(sorted({_date_text(key, v) for v in value}))
        elif key == "covered_cities":
            if not isinstance(value, list) or not value:
                raise ValidationError("covered_cities must be a non-empty list of cities", field=key)
            values[key] = tuple(dict.fromkeys(normalise_city(c, field=key) for c in value))
        elif key == "excluded_usccs":
            if not isinstance(value, list):
                raise ValidationError("excluded_usccs must be a list", field=key)
            values[key] = tuple(validate_uscc(v, field=key) for v in value)
        elif key == "city_quotas":
            if not isinstance(value, dict):
                raise ValidationError("city_quotas must map a city to money", field=key)
            values[key] = tuple(sorted((normalise_city(c, field=key), _money(key, v)) for c, v in value.items()))
        elif key == "review_scope":
            if value not in ("province", "city"):
                raise ValidationError("review_scope must be province or city", field=key)
            values[key] = value
    return Settings(**values)


def settings_from_json(data: dict[str, Any]) -> Settings:
    return parse_settings(data)


# --- eligibility ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EnterpriseFacts:
    uscc: str
    city: str
    founded_on: dt.date | None
    prior_year_revenue: Decimal | None


def years_between(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def check_eligibility(ent: EnterpriseFacts, settings: Settings, on: dt.date) -> None:
    """POLICY.md §2. Raises ENTERPRISE_INELIGIBLE naming the first failed condition."""
    if ent.city not in settings.covered_cities:
        raise EnterpriseIneligible(f"the scheme does not cover {ent.city}",
                                   details={"condition": "city", "city": ent.city})
    if ent.founded_on is None or years_between(ent.founded_on, on) < settings.min_age_years:
        raise EnterpriseIneligible(f"the enterprise must be founded at least {settings.min_age_years} year(s) before",
                                   details={"condition": "min_age_years", "founded_on": str(ent.founded_on)})
    revenue = ent.prior_year_revenue if ent.prior_year_revenue is not None else D(0)
    if revenue < settings.min_prior_revenue:
        raise EnterpriseIneligible("prior-year revenue is below the scheme's minimum",
                                   details={"condition": "min_prior_revenue",
                                            "min_prior_revenue": _money_str(settings.min_prior_revenue)})
    if ent.uscc in settings.excluded_usccs:
        raise EnterpriseIneligible("the enterprise is on the scheme's exclusion list",
                                   details={"condition": "excluded"})


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


# --- calendar ---------------------------------------------------------------------------------

def add_working_days(start: dt.date, days: int, holidays: Sequence[str] = ()) -> dt.date:
    """The date ``days`` working days after ``start`` (weekends and holidays skipped)."""
    off = set(holidays)
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day.isoformat() not in off:
            left -= 1
    return day


def holiday_list(text: str) -> tuple[str, ...]:
    """``"2026-05-01, 2026-05-04"`` (the HOLIDAYS setting of the deployment) as sorted ISO dates."""
    days = set()
    for part in (text or "").split(","):
        part = part.strip()
        if part:
            days.add(dt.date.fromisoformat(part).isoformat())  # ValueError on garbage: a deployment error
    return tuple(sorted(days))


@dataclass(frozen=True)
class Publicity:
    """公示: the last day of publicity and the first day the claim may be paid.

    Publicity lasts ``days`` whole working days after the approval day (weekends and holidays
    skipped), so an objection can be lodged until the end of ``ends_on``; the claim is payable from
    the next day. With ``days == 0`` there is no publicity: payable on the approval day itself."""
    approved_on: dt.date
    ends_on: dt.date
    payable_from: dt.date


def publicity(approved_on: dt.date, days: int, holidays: Sequence[str] = ()) -> Publicity:
    if days < 0:
        raise ValueError("publicity days cannot be negative")
    if days == 0:
        return Publicity(approved_on, approved_on, approved_on)
    ends_on = add_working_days(approved_on, days, holidays)
    return Publicity(approved_on, ends_on, ends_on + dt.timedelta(days=1))


# --- claims (兑付) -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimAmount:
    final_amount: Decimal
    released: Decimal         # what approval returns to the budget: V − F, or held − F after an objection
    paid_ratio: Decimal       # P / A, truncated to 4 places (printed, never used to decide)
    min_paid_amount: Decimal  # the least P that passes the ratio, rounded up to the fen
    limited_by: str | None    # face_value | held (what an objection left reserved) | None


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
