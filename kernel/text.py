"""Text that is safe to store and to hand to a spreadsheet: one place for what the service
refuses in text and how it writes text into CSV and XLSX cells.

- A cell starting with ``= + - @`` runs as a formula in Excel and its kin (CSV injection): names
  and descriptive texts that others will open in a spreadsheet (organisation names, the Annex 5
  catalogue) are refused on input when they start so, and every such cell is neutralised on output
  anyway (data stored before the rule, or a field without it).
- NUL cannot be stored by PostgreSQL and truncates text in C libraries: refused everywhere, with one
  message (``NUL_MESSAGE``).
- Names never carry control or invisible format characters (Unicode categories Cc and Cf): the
  bidirectional overrides U+202A–U+202E and isolates U+2066–U+2069 reorder what a reader sees
  ("Trojan source"), zero-width characters make two different names look the same.
"""
from __future__ import annotations

import unicodedata

from kernel.errors import N_, ValidationError

FORMULA_STARTS = ("=", "+", "-", "@")
NUL_MESSAGE = N_("text must not contain NUL characters")
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def starts_like_formula(text: str | None) -> bool:
    """Would a spreadsheet run this as a formula (leading blanks are no protection)?"""
    return bool(text) and text.lstrip()[:1] in FORMULA_STARTS


def spreadsheet_safe(text: str) -> str:
    """A cell value that no spreadsheet runs: a text starting with = + - @ (or a tab/CR, which
    some spreadsheets skip before looking) gets an apostrophe in front, as Excel users type it."""
    return "'" + text if text and (starts_like_formula(text) or text[0] in "\t\r") else text


def refuse_formula(value: str | None, *, field: str, label: str | None = None) -> None:
    if starts_like_formula(value):
        raise ValidationError(f"{label or field} cannot start with = + - @ (it would run as a spreadsheet formula)",
                              field=field)


def disguising_character(value: str) -> str | None:
    """The first control or format character in ``value`` (as ``U+202E``), or None."""
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf"):
            return f"U+{ord(ch):04X}"
    return None


def name_problem(value: str, label: str) -> str | None:
    """Why ``value`` cannot be a name, or None: a formula start, NUL, control or format characters."""
    if "\x00" in value:
        return NUL_MESSAGE
    bad = disguising_character(value)
    if bad is not None:
        return N_(f"{label} contains the invisible control or format character {bad}, which can disguise text")
    if starts_like_formula(value):
        return N_(f"{label} cannot start with = + - @ (it would run as a spreadsheet formula)")
    return None


def check_name(value: str | None, *, field: str, label: str | None = None) -> None:
    """Raise VALIDATION_ERROR naming ``field`` if ``value`` cannot be a name."""
    if value:
        problem = name_problem(value, label or field)
        if problem is not None:
            raise ValidationError(problem, field=field)
