"""Pure scheme rules: the settings every scheme carries (POLICY.md §5, every number a versioned
default) and enterprise eligibility (§2). Standard library and ``kernel`` only."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from kernel.errors import ValidationError
from kernel.money import FEN
from parties.rules import GUANGDONG_CITIES, PEARL_RIVER_DELTA, normalise_city, validate_uscc
from schemes.errors import EnterpriseIneligible

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
    # --- financing (POLICY.md §8; validated by _financing_setting) ---------------------------------
    reward_share: Decimal = D("0.50")             # share of the paid interest rewarded
    benchmark_rate: Decimal = D("0.0385")         # the 1-year LPR: interest above it is not rewarded
    advance_ratio: Decimal = D("0.70")            # order financing: most advanced × contract amount
    default_after_days: int = 90                  # days an instalment may stay unpaid past due
    # --- end financing ----------------------------------------------------------------------------
    # --- talent vouchers (人才上云服务券, POLICY.md §9) -------------------------------------------
    talent_amount_junior: Decimal = D("1000.00")        # per qualified trainee certified 初级
    talent_amount_intermediate: Decimal = D("2000.00")  # 中级
    talent_amount_senior: Decimal = D("3000.00")        # 高级
    talent_online_hours_min: int = 40             # whole hours, for a programme that sets no minimum
    talent_offline_hours_min: int = 16
    # --- end of talent vouchers ----------------------------------------------------------------

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
                out[key] = {city: money_str(amount) for city, amount in value}
            elif isinstance(value, Decimal):
                out[key] = money_str(value) if key in _MONEY_KEYS else str(value)
            elif isinstance(value, tuple):
                out[key] = list(value)
            else:
                out[key] = value
        return out


_MONEY_KEYS = {"enterprise_cap", "provider_quota_major", "provider_quota_other", "min_prior_revenue",
               "talent_amount_junior", "talent_amount_intermediate", "talent_amount_senior"}
# whole numbers and their (inclusive) range
_COUNT_KEYS = {"publicity_working_days": (0, 60), "min_age_years": (0, 60),
               "talent_online_hours_min": (0, 1000), "talent_offline_hours_min": (0, 1000)}
_RATE_KEYS = {"max_share_prd", "max_share_other", "settle_min_paid_ratio"}


def money_str(value: Decimal) -> str:
    """Money as the API prints it: two decimals."""
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


# --- financing settings (POLICY.md §8) ---------------------------------------------------------
_FINANCING_KEYS = {"reward_share", "benchmark_rate", "advance_ratio", "default_after_days"}


def _financing_setting(key: str, value: Any) -> Any:
    if key == "default_after_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            raise ValidationError(f"{key} must be a whole number of days from 1 to 3650", field=key)
        return value
    if key == "benchmark_rate":
        # an LPR is quoted in basis points and may carry a half (0.03875): six decimals, as loan rates
        if not isinstance(value, str):
            raise ValidationError(f"{key} must be a decimal string such as \"0.0385\"", field=key)
        try:
            d = Decimal(value)
        except Exception:
            raise ValidationError(f"{key} is not a decimal", field=key) from None
        if not d.is_finite() or not D(0) < d <= D(1) or d != d.quantize(D("0.000001")):
            raise ValidationError(f"{key} must be in (0, 1] with at most six decimals", field=key)
        return d
    return _rate(key, value)                      # reward_share, advance_ratio: (0, 1], four decimals
# --- end financing settings -------------------------------------------------------------------


def _date_text(key: str, value: Any) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except Exception:
        raise ValidationError(f"{key} must hold dates YYYY-MM-DD", field=key) from None


# Defaults that differ by kind of scheme (POLICY.md §9: a talent voucher's enterprise cap is 100,000.00).
KIND_DEFAULTS: dict[str, dict[str, Any]] = {"talent": {"enterprise_cap": D("100000.00")}}


def defaults_for(kind: str) -> Settings:
    """The settings a new scheme of ``kind`` starts from."""
    return replace(Settings(), **KIND_DEFAULTS.get(kind, {}))


def parse_settings(overrides: dict[str, Any] | None, base: Settings | None = None, *,
                   kind: str = "cloud") -> Settings:
    """Validate overrides (the API's JSON form) on top of ``base`` (the kind's defaults when None)."""
    base = base or defaults_for(kind)
    values = asdict(base)
    for key, value in (overrides or {}).items():
        if key not in values:
            raise ValidationError(f"unknown setting {key}", field=key)
        if key in _MONEY_KEYS:
            values[key] = _money(key, value)
        elif key in _RATE_KEYS:
            values[key] = _rate(key, value)
        elif key in _COUNT_KEYS:
            low, high = _COUNT_KEYS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValidationError(f"{key} must be a whole number from {low} to {high}", field=key)
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
        elif key in _FINANCING_KEYS:
            values[key] = _financing_setting(key, value)
    return Settings(**values)


def settings_from_json(data: dict[str, Any], *, kind: str = "cloud") -> Settings:
    """Stored settings; a setting added since they were stored takes the kind's default."""
    return parse_settings(data, kind=kind)


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
                                            "min_prior_revenue": money_str(settings.min_prior_revenue)})
    if ent.uscc in settings.excluded_usccs:
        raise EnterpriseIneligible("the enterprise is on the scheme's exclusion list",
                                   details={"condition": "excluded"})


