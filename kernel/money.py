"""Money: ``Decimal`` yuan in the rules, integer fen in storage, strings in JSON.

Every rounding is explicit and named; nothing here ever touches a float.
"""
from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
_MONEY_RE = re.compile(r"^-?(0|[1-9]\d{0,14})\.\d{2}$", re.ASCII)  # ASCII: "1٩.00" is not money


def round_down_fen(value: Decimal) -> Decimal:
    """Truncate towards zero to the fen (subsidies are never rounded up)."""
    return value.quantize(FEN, rounding=ROUND_DOWN)


def round_half_up_fen(value: Decimal) -> Decimal:
    """Commercial rounding to the fen (loan schedules)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(value: Decimal) -> int:
    """Exact conversion of a yuan amount with at most two decimals to integer fen."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, got {type(value).__name__}")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} has more than two decimals")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be int, got {type(fen).__name__}")
    return (Decimal(fen) / 100).quantize(FEN)


def format_fen(fen: int) -> str:
    """1234 -> "12.34"; the API's money representation."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_money(text: str, *, allow_negative: bool = False) -> int:
    """Parse the API's money string ("55000.00") into fen.

    Raises ValueError with a human reason; callers turn it into VALIDATION_ERROR.
    """
    if not isinstance(text, str):
        raise ValueError("money must be a string with two decimals, e.g. \"55000.00\"")
    if not _MONEY_RE.match(text):
        raise ValueError(f"{text!r} is not money with exactly two decimals, e.g. \"55000.00\"")
    if text.startswith("-") and not allow_negative:
        raise ValueError(f"{text!r} must not be negative")
    return to_fen(Decimal(text))
