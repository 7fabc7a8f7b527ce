"""Resident ID numbers for tests: valid ones (GB 11643 check character) that name nobody real."""
from __future__ import annotations

import itertools

from talent.rules import id_check_character

_serial = itertools.count(1)


def resident_id(serial: int | None = None, *, area: str = "440605", born: str = "19900101") -> str:
    """An 18-character number with a correct check character; the serial makes each one distinct."""
    n = next(_serial) if serial is None else serial
    first17 = f"{area}{born}{n % 1000:03d}"
    return first17 + id_check_character(first17)


def with_check(first17: str) -> str:
    return first17 + id_check_character(first17)
