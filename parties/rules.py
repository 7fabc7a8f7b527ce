"""Pure rules about organisations: the 统一社会信用代码 (USCC, GB 32100-2015), Guangdong's cities,
the kinds of organisation. Standard library and ``kernel`` only."""
from __future__ import annotations

import datetime as dt

from kernel.errors import ValidationError

# GB 32100-2015 统一社会信用代码: 18 characters over this 31-character alphabet (no I O S V Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

GUANGDONG_CITIES = (
    "广州", "深圳", "珠海", "汕头", "佛山", "韶关", "湛江", "肇庆", "江门", "茂名", "惠州",
    "梅州", "汕尾", "河源", "阳江", "清远", "东莞", "中山", "潮州", "揭阳", "云浮",
)
PEARL_RIVER_DELTA = frozenset({"广州", "深圳", "珠海", "佛山", "惠州", "东莞", "中山", "江门", "肇庆"})

ORG_KINDS = ("enterprise", "provider", "financier", "guarantor", "authority")
PROVIDER_CLASSES = ("national_platform", "operator", "other")
# An authority's level of government: the province (省工业和信息化厅), a city's authority (地市主管部门)
# or an area's government (起步区域: 专业镇, park or county), which governs one area of its city.
AUTHORITY_LEVELS = ("province", "city", "area")


def same_area(a: str | None, b: str | None) -> bool:
    """Two names of an area are the same area when they read the same, spacing aside."""
    return a is not None and b is not None and "".join(a.split()) == "".join(b.split())


def uscc_check_digit(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str, *, field: str = "uscc") -> str:
    """Return the code upper-cased, or raise VALIDATION_ERROR naming the field and the reason."""
    if not isinstance(code, str):
        raise ValidationError("统一社会信用代码 must be a string", field=field)
    code = code.strip().upper()
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码 must have 18 characters, got {len(code)}", field=field)
    bad = [ch for ch in code if ch not in USCC_ALPHABET]
    if bad:
        raise ValidationError(f"统一社会信用代码 contains characters outside GB 32100-2015: {''.join(bad)}",
                              field=field)
    expected = uscc_check_digit(code[:17])
    if code[17] != expected:
        raise ValidationError("统一社会信用代码 check digit is wrong", field=field,
                              details={"expected_check_digit": expected})
    return code


def normalise_city(city: str, *, field: str = "city") -> str:
    """One of Guangdong's 21 cities; '佛山市' and '佛山' are the same city, stored without 市."""
    if not isinstance(city, str) or not city.strip():
        raise ValidationError("city is required", field=field)
    city = city.strip()
    if city.endswith("市") and len(city) > 1:
        city = city[:-1]
    if city not in GUANGDONG_CITIES:
        raise ValidationError(f"{city[:20]!r} is not one of Guangdong's 21 prefecture-level cities "
                              f"({'、'.join(GUANGDONG_CITIES)})", field=field)
    return city


# The People's Republic's registers start in 1949; an earlier date (or one after today) is a typing
# slip such as 0215-06-01 or 2105-06-01, and eligibility counts years from it.
EARLIEST_FOUNDING = dt.date(1949, 1, 1)


def check_founded_on(founded_on: dt.date | None, *, today: dt.date, field: str = "founded_on") -> None:
    if founded_on is None:
        return
    if founded_on > today:
        raise ValidationError(f"{field} {founded_on} is in the future", field=field)
    if founded_on < EARLIEST_FOUNDING:
        raise ValidationError(f"{field} {founded_on} is before {EARLIEST_FOUNDING}", field=field)


def is_pearl_river_delta(city: str) -> bool:
    return city in PEARL_RIVER_DELTA
