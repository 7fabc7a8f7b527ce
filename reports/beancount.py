"""The whole ledger as a Beancount file, so that an auditor can check it with a tool we did not write
(``bean-check``, from the ``beancount`` package).

A pure function over plain data: ``export(accounts, journals)`` yields the file line by line and
reads each journal once, so the whole ledger never sits in memory (only one running balance per
account). What it writes:

- ``option`` lines (title, operating currency CNY);
- one ``open`` per account, dated on the first journal's date (journals come in date order, so no
  account is used before it is open), carrying the ledger's own ``code`` and ``name`` (and
  ``no_negative``) as metadata;
- one transaction per journal, its narration the memo (or the kind), its metadata ``journal_id``,
  ``key``, ``kind``, ``hash`` (and ``ref``, ``reverses`` when set), one leg per posting in CNY with
  two decimals, exactly as posted: a journal that does not balance is written as it is, and
  ``bean-check`` says so;
- one ``balance`` assertion per account with the balance after the last journal, dated the day after
  it (Beancount checks a balance at the start of its date), with a tolerance of zero (``~ 0.00``:
  otherwise Beancount lets a difference of one unit of the last digit, one fen, through). Beancount
  checks an account with its sub-accounts, so when one code's name is the parent of another's
  (codes ``a`` and ``a:b``) the parent's assertion is the sum of both.

Account names. Beancount wants ``Root:Component:…`` with a root among Assets, Liabilities, Equity,
Income, Expenses and each component starting with a capital letter or a digit. A code is split at
``:``, and each part becomes one component:

- a part of lowercase ASCII letters, digits and underscores that starts with a letter or digit is
  kept readable: first letter capitalised, ``_`` written ``-`` (``in_transit`` -> ``In-transit``,
  ``3`` -> ``3``);
- any other part (capitals, hyphens, spaces, Chinese, empty) is written ``XU`` followed by its
  UTF-8 bytes in upper-case hex (``银行`` -> ``XUE993B6E8A18C``).

A readable component never has a capital letter after its first character and an escaped one always
has ``U`` second, so no two parts map to the same component, and no two codes to the same name
(``account_name`` is injective; a property test checks it). The root is ``Equity`` for a code whose
last part is ``funding`` (a scheme's appropriation, which holds minus the budget), ``Assets`` for
every other code; pass ``root=`` to decide otherwise. So ``scheme:3:available`` is
``Assets:Scheme:3:Available`` and ``scheme:3:funding`` is ``Equity:Scheme:3:Funding``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

from kernel.money import format_fen

CURRENCY = "CNY"
ROOTS = ("Assets", "Liabilities", "Equity", "Income", "Expenses")
EMPTY_LEDGER_DATE = dt.date(1970, 1, 1)  # only when there is no journal and no as_of

_READABLE = re.compile(r"[a-z0-9][a-z0-9_]*\Z", re.ASCII)


@dataclass(frozen=True)
class Account:
    code: str
    name: str = ""
    no_negative: bool = False


@dataclass(frozen=True)
class Journal:
    id: int
    key: str
    kind: str
    effective_date: dt.date
    hash: str
    legs: Sequence[tuple[str, int]]  # (account code, signed fen)
    memo: str = ""
    ref: str | None = None
    reverses: int | None = None


def default_root(code: str) -> str:
    return "Equity" if code.rsplit(":", 1)[-1] == "funding" else "Assets"


def component(part: str) -> str:
    """One part of a ledger code as one Beancount account component (see the module docstring)."""
    if _READABLE.match(part):
        return part[0].upper() + part[1:].replace("_", "-")
    return "XU" + part.encode("utf-8").hex().upper()


def account_name(code: str, root: Callable[[str], str] = default_root) -> str:
    top = root(code)
    if top not in ROOTS:
        raise ValueError(f"root {top!r} for {code!r} is not one of {', '.join(ROOTS)}")
    return ":".join([top] + [component(part) for part in code.split(":")])


def quoted(text: str) -> str:
    """A Beancount string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def export(accounts: Iterable[Account], journals: Iterable[Journal], *, as_of: dt.date | None = None,
           title: str = "云券 yunquan ledger", root: Callable[[str], str] = default_root) -> Iterator[str]:
    """Yield the Beancount file line by line (each line ends with a newline).

    ``journals`` must come in ``effective_date`` order (ties in any order, e.g. by id); every leg must
    name an account in ``accounts``. ``as_of`` (optional) is the last day the export covers: the
    balance assertions are dated the day after it, and a journal after it is refused."""
    by_code: dict[str, Account] = {}
    for acc in accounts:
        if acc.code in by_code:
            raise ValueError(f"account {acc.code!r} is listed twice")
        by_code[acc.code] = acc
    names = {code: account_name(code, root) for code in sorted(by_code)}
    stream = iter(journals)
    first = next(stream, None)
    if first is not None:
        opened = first.effective_date
    else:
        opened = as_of or EMPTY_LEDGER_DATE

    yield f"; {title}\n"
    yield "; one transaction per journal (metadata journal_id, key, hash); balances after the last journal\n"
    yield "; account names: see reports/beancount.py; each open keeps the ledger's code and name\n"
    yield f"option \"title\" {quoted(title)}\n"
    yield f"option \"operating_currency\" \"{CURRENCY}\"\n"
    yield "\n"
    for code, name in names.items():
        acc = by_code[code]
        yield f"{opened.isoformat()} open {name} {CURRENCY}\n"
        yield f"  code: {quoted(acc.code)}\n"
        yield f"  name: {quoted(acc.name)}\n"
        yield f"  no_negative: {'TRUE' if acc.no_negative else 'FALSE'}\n"
    yield "\n"

    balances = dict.fromkeys(names, 0)
    last = None
    count = 0
    journal = first
    while journal is not None:
        day = journal.effective_date
        if last is not None and day < last:
            raise ValueError(f"journal {journal.id} ({day}) comes after one of {last}: journals must come in date order")
        if as_of is not None and day > as_of:
            raise ValueError(f"journal {journal.id} ({day}) is after as_of {as_of}")
        last = day
        count += 1
        yield f"{day.isoformat()} * {quoted(journal.memo or journal.kind)}\n"
        yield f"  journal_id: {int(journal.id)}\n"
        yield f"  key: {quoted(journal.key)}\n"
        yield f"  kind: {quoted(journal.kind)}\n"
        yield f"  hash: {quoted(journal.hash)}\n"
        if journal.ref is not None:
            yield f"  ref: {quoted(journal.ref)}\n"
        if journal.reverses is not None:
            yield f"  reverses: {int(journal.reverses)}\n"
        for code, amount in journal.legs:
            if code not in names:
                raise ValueError(f"journal {journal.id} posts to {code!r}, which is not among the accounts")
            if isinstance(amount, bool) or not isinstance(amount, int):
                raise TypeError(f"journal {journal.id}: amounts are int fen, got {type(amount).__name__}")
            balances[code] += amount
            yield f"  {names[code]}  {format_fen(amount)} {CURRENCY}\n"
        yield "\n"
        journal = next(stream, None)

    if count == 0:
        yield "; 账本中没有分录 (the ledger has no journals)\n"
    checked = (max(last, as_of) if last and as_of else (last or as_of or EMPTY_LEDGER_DATE)) + dt.timedelta(days=1)
    # Beancount checks an account together with its sub-accounts: when one code's name is the parent
    # of another's ("a" and "a:b"), the parent's assertion is the sum of both
    by_name = {name: balances[code] for code, name in names.items()}
    rolled = dict(by_name)
    for name, fen in by_name.items():
        parts = name.split(":")
        for depth in range(2, len(parts)):
            parent = ":".join(parts[:depth])
            if parent in rolled:
                rolled[parent] += fen
    for name in names.values():
        # "~ 0.00": an exact assertion (Beancount would otherwise let a difference of one fen through)
        yield f"{checked.isoformat()} balance {name}  {format_fen(rolled[name])} ~ 0.00 {CURRENCY}\n"
