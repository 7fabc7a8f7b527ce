"""Pure talent-voucher rules (人才上云服务券, POLICY.md §9): the resident ID number (GB 11643) and
how it is masked and hashed, training hours, qualification, and what a claim pays. Standard library
and ``kernel`` only; money is ``Decimal`` yuan.

A trainee qualifies when both hour minimums of the programme are met AND a "1+X" certificate level
is recorded. A qualified trainee is worth the scheme's amount for the level, never more than the
fee actually paid; a claim's total is capped by what the enterprise has left of the scheme's
``enterprise_cap`` this year.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kernel.errors import ValidationError
from kernel.money import round_down_fen
from schemes.rules import Settings, money_str

D = Decimal
ZERO = D("0.00")

# --- resident ID numbers (公民身份号码, GB 11643-1999) ---------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"  # the check character for each value of (Σ digit × weight) mod 11
# First two digits: the province-level division of the address code (GB/T 2260). 71 台湾, 81 香港,
# 82 澳门 and 83 (台湾居民居住证) are numbers that residence permits carry.
ID_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def id_check_character(first17: str) -> str:
    return ID_CHECK[sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS)) % 11]


def _bad_id(message: str, reason: str) -> ValidationError:
    return ValidationError(message, field="id_number", details={"reason": reason})


def normalise_resident_id(text: object, *, today: dt.date) -> str:
    """The 18-character number with an upper-case X, or VALIDATION_ERROR on ``id_number`` with a
    ``reason``: ``length``, ``characters``, ``area``, ``birth_date`` or ``check_digit``. The error
    never repeats the number."""
    if not isinstance(text, str):
        raise _bad_id("id_number must be a string of 18 characters", "characters")
    number = text.strip().upper()
    if len(number) != 18:
        raise _bad_id(f"a resident ID number has 18 characters, this one {len(number)}", "length")
    if not (number[:17].isascii() and number[:17].isdigit()) or not (number[17] == "X" or
                                                                     (number[17].isascii() and number[17].isdigit())):
        raise _bad_id("a resident ID number is 17 digits and a digit or X", "characters")
    if number[:2] not in ID_PROVINCES:
        raise _bad_id("the address code names no province", "area")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _bad_id("the birth date in the number is not a date", "birth_date") from None
    if not EARLIEST_BIRTH <= born <= today:
        raise _bad_id("the birth date in the number is impossible", "birth_date")
    if number[17] != id_check_character(number[:17]):
        raise _bad_id("the check digit of the resident ID number is wrong", "check_digit")
    return number


def mask_resident_id(number: str) -> str:
    """``440106199001011234`` → ``4401**********1234``: the first four and the last four only."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def resident_id_digest(key: bytes, number: str) -> str:
    """HMAC-SHA256 of the normalised number under the deployment's key (hex). The same person gives
    the same digest, so uniqueness is checked without keeping the number; without the key a
    digest cannot be reversed by trying the (few) possible numbers."""
    if len(key) < 32:
        raise ValueError("the resident ID key must be at least 32 bytes")
    return hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()


# --- hours -------------------------------------------------------------------------------------

MAX_HOURS = D(1000)  # more than a thousand hours in one programme is a typing error, not a training


def hours(value: object, *, field: str) -> Decimal:
    """Training hours: 0 to 1,000, whole or with one decimal (``40``, ``"40.5"``)."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValidationError(f"{field} must be a number of hours such as 40 or \"40.5\"", field=field)
    try:
        d = D(value) if not isinstance(value, str) else D(value.strip())
    except InvalidOperation:
        raise ValidationError(f"{field} is not a number of hours", field=field) from None
    if not d.is_finite():
        raise ValidationError(f"{field} is not a number of hours", field=field)
    if d < 0:
        raise ValidationError(f"{field} cannot be negative", field=field, details={"reason": "negative"})
    if d > MAX_HOURS:
        raise ValidationError(f"{field} cannot exceed {MAX_HOURS} hours", field=field, details={"reason": "too_many"})
    if d != d.quantize(D("0.1")):
        raise ValidationError(f"{field} has at most one decimal", field=field)
    return d.quantize(D("0.1")).normalize() + 0  # 40.0 → 40, 40.50 → 40.5 (no exponent form)


def to_tenths(value: Decimal) -> int:
    """Hours as stored: whole tenths of an hour."""
    return int(value * 10)


def from_tenths(tenths: int) -> Decimal:
    return (D(tenths) / 10).normalize() + 0


def hours_str(value: Decimal) -> str:
    return format(value, "f")


# --- certificate levels ("1+X") --------------------------------------------------------------------

LEVELS = ("初级", "中级", "高级")


def level(value: object) -> str | None:
    if value is None:
        return None
    if value not in LEVELS:
        raise ValidationError(f"certificate_level must be one of {'、'.join(LEVELS)} or null",
                              field="certificate_level", details={"allowed": list(LEVELS)})
    return value


def amount_for_level(settings: Settings, certificate_level: str) -> Decimal:
    return {"初级": settings.talent_amount_junior, "中级": settings.talent_amount_intermediate,
            "高级": settings.talent_amount_senior}[certificate_level]


# --- qualification -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Minimums:
    online: Decimal
    offline: Decimal
    source: str  # "programme" (the programme set its own) or "scheme" (the scheme's default)


def minimums(programme_online: Decimal | None, programme_offline: Decimal | None, settings: Settings) -> Minimums:
    """A programme's own minimums; where it set none, the scheme's defaults (both or neither)."""
    if programme_online is not None and programme_offline is not None:
        return Minimums(programme_online, programme_offline, "programme")
    return Minimums(D(settings.talent_online_hours_min), D(settings.talent_offline_hours_min), "scheme")


@dataclass(frozen=True)
class Completion:
    """What the provider recorded for a trainee; ``None`` fields: nothing recorded yet."""
    online_hours: Decimal
    offline_hours: Decimal
    certificate_level: str | None
    fee_paid: Decimal


@dataclass(frozen=True)
class Qualification:
    qualified: bool
    reasons: tuple[str, ...]  # what is missing: no_completion, online_hours, offline_hours, certificate


def qualification(completion: Completion | None, mins: Minimums) -> Qualification:
    """Both hour minimums met (at the minimum is enough) and a certificate level recorded."""
    if completion is None:
        return Qualification(False, ("no_completion",))
    reasons = []
    if completion.online_hours < mins.online:
        reasons.append("online_hours")
    if completion.offline_hours < mins.offline:
        reasons.append("offline_hours")
    if completion.certificate_level is None:
        reasons.append("certificate")
    return Qualification(not reasons, tuple(reasons))


@dataclass(frozen=True)
class TraineeAmount:
    by_level: Decimal
    amount: Decimal        # min(by level, fee paid)
    fee_bit: bool          # the fee paid, not the level, set the amount


def trainee_amount(completion: Completion, settings: Settings) -> TraineeAmount:
    """A qualified trainee's worth before the enterprise cap: the level's amount, never more than
    the fee actually paid."""
    by_level = amount_for_level(settings, completion.certificate_level)
    amount = round_down_fen(min(by_level, completion.fee_paid))
    return TraineeAmount(by_level, amount, completion.fee_paid < by_level)


# --- a claim -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimLine:
    trainee_id: int
    before_cap: Decimal


@dataclass(frozen=True)
class Capped:
    amounts: tuple[Decimal, ...]   # per line, in the order given
    total_before_cap: Decimal
    cap_left: Decimal
    final_amount: Decimal
    cap_bit: bool


def cap_claim(lines: list[ClaimLine], cap_left: Decimal) -> Capped:
    """The enterprise cap takes the claim's total down to what is left this year; the lines are
    paid in the order given until it runs out (the last one paid may get part of its amount)."""
    left = max(cap_left, ZERO)
    total = sum((line.before_cap for line in lines), ZERO)
    amounts, remaining = [], left
    for line in lines:
        paid = min(line.before_cap, remaining)
        amounts.append(paid)
        remaining -= paid
    final = sum(amounts, ZERO)
    return Capped(tuple(amounts), total, left, final, final < total)


def settings_used(settings: Settings) -> dict:
    """The settings a talent computation used, as the breakdown prints them."""
    return {"talent_amount_junior": money_str(settings.talent_amount_junior),
            "talent_amount_intermediate": money_str(settings.talent_amount_intermediate),
            "talent_amount_senior": money_str(settings.talent_amount_senior),
            "talent_online_hours_min": settings.talent_online_hours_min,
            "talent_offline_hours_min": settings.talent_offline_hours_min,
            "enterprise_cap": money_str(settings.enterprise_cap)}
