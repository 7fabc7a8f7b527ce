"""Chinese names of ledger accounts, shown wherever accounts are listed (the trial balance of the
API; the reports label accounts the same way).

An account's stored ``name`` is part of the hash chain and never changes, so the Chinese name is
derived when it is read: a higher package that opens accounts registers a namer for its codes
(``schemes``: ``scheme:3:available`` -> ``梅州 2026 上云券 可用额度``, from the scheme's name), and
``yunquan.bootstrap`` wires it. A code no namer knows keeps its ledger name.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping

Namer = Callable[[object, list[str]], Mapping[str, str]]  # (session, codes) -> {code: Chinese name}
_namers: list[Namer] = []


def register(namer: Namer) -> None:
    if namer not in _namers:
        _namers.append(namer)


def chinese_names(session, codes: Iterable[str]) -> dict[str, str]:
    """{code: Chinese name} for the codes a namer knows."""
    left = list(dict.fromkeys(codes))
    out: dict[str, str] = {}
    for namer in _namers:
        out.update(namer(session, [c for c in left if c not in out]))
    return out
