"""Bank statements as stored: one row per import, one row per bank transaction id.

The caller (the domain that sent the payments) decides per line with ``statement.decide`` and
posts its journals; this module remembers what each bank transaction was found to be, so that a
statement imported again changes nothing.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, NamedTuple

import sqlalchemy as sa

from adapters.tables import insert_rows, one_of
from kernel import clock
from ledger.service import _lock_head
from payouts.models import BankStatement, BankTxn
from payouts.statement import StatementLine

S = BankStatement.__table__
T = BankTxn.__table__
COUNTS = ("matched", "amount_mismatch", "unknown_reference", "returned", "duplicate", "missing")


class KnownTxn(NamedTuple):
    id: int | None          # None: met earlier in the import being applied, not stored yet
    statement_id: int
    line: StatementLine
    outcome: str


def start(uow, *, filename: str, sha256: str, encoding: str, imported_by: int) -> int:
    """Begin an import. Imports run one at a time: each takes the ledger head lock first, which its
    journals would take anyway, so two imports of one statement can never both see a transaction
    as new (a transaction with an unknown reference has no other row to lock)."""
    _lock_head(uow.session)
    return uow.session.execute(sa.insert(S).values(
        filename=filename[:200], sha256=sha256, encoding=encoding, lines=0, imported_by=imported_by,
        imported_at=clock.now(), **dict.fromkeys(COUNTS, 0)).returning(S.c.id)).scalar_one()


def known(session, txn_ids: Iterable[str]) -> dict[str, KnownTxn]:
    """What earlier imports (and earlier lines of this one) recorded for these transaction ids."""
    ids = list(dict.fromkeys(txn_ids))
    out: dict[str, KnownTxn] = {}
    for i in range(0, len(ids), 500):
        q = sa.select(T).where(one_of(session, T.c.bank_txn_id, ids[i:i + 500])).with_for_update()
        for r in session.execute(q):
            out[r.bank_txn_id] = KnownTxn(r.id, r.statement_id, StatementLine(r.line_no, r.bank_txn_id, r.value_date, r.reference,
                                                              r.payee_account, r.amount), r.outcome)
    return out


_TXN_COLUMNS = ("bank_txn_id", "statement_id", "line_no", "value_date", "reference", "payee_account", "amount",
                "outcome", "reason", "journal_id")


def record(uow, *, statement_id: int, fresh: list[dict], revised: list[dict]) -> None:
    """``fresh``: first sightings; ``revised``: corrections of lines that moved nothing (by ``id``).
    Each dict: line (StatementLine), outcome, reason, journal_id."""
    s = uow.session

    def row(d) -> tuple:  # in the order of _TXN_COLUMNS
        line: StatementLine = d["line"]
        return (line.bank_txn_id, statement_id, line.line, line.value_date, line.reference, line.payee_account,
                line.amount, d["outcome"], d.get("reason"), d.get("journal_id"))
    if fresh:  # COPY on PostgreSQL
        insert_rows(s, T, _TXN_COLUMNS, [row(d) for d in fresh])
    if revised:  # every column but the transaction id, by the row's id
        changed = _TXN_COLUMNS[1:]
        s.execute(sa.update(T).where(T.c.id == sa.bindparam("t_id")).values(
            {k: sa.bindparam(f"v_{k}") for k in changed}),
            [{"t_id": d["id"], **{f"v_{k}": v for k, v in zip(changed, row(d)[1:])}} for d in revised])


def finish(uow, *, statement_id: int, lines: int, counts: dict[str, int]) -> None:
    """The import's lines read and what they came to."""
    uow.session.execute(sa.update(S).where(S.c.id == statement_id)
                        .values(lines=lines, **{k: counts.get(k, 0) for k in COUNTS}))


def referenced(session, references: list[str]) -> set[str]:
    """Which of these references appear on any imported statement."""
    found: set[str] = set()
    for i in range(0, len(references), 500):
        found.update(session.execute(sa.select(T.c.reference).where(
            T.c.reference.in_(references[i:i + 500]))).scalars())
    return found


__all__ = ["start", "known", "record", "finish", "referenced", "KnownTxn", "COUNTS", "dt"]
