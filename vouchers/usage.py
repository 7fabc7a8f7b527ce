"""What each enterprise, provider and city holds under a scheme, kept as rows (``voucher_usage``).

The caps and quotas of POLICY.md §6 compare a voucher with the money the scheme's counting vouchers
hold for the same enterprise, provider or city: the final amount once settled, else the face value.
Summing the vouchers for every application made its cost grow with history; instead every insert,
update or delete of a voucher row adds the change of what it counts to its three usage rows, in the
same flush and therefore the same transaction (mapper events on ``Voucher``, so no writer can forget
it). Every writer of vouchers goes through the ORM; a bulk ``UPDATE voucher`` would bypass this and
must not be written. ``recompute`` is the reference a test compares the rows with.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite

from vouchers.models import COUNTING_STATUSES, Voucher, VoucherUsage

U = VoucherUsage.__table__
DIMENSIONS = ("enterprise", "provider", "city")


def counted(status: str | None, final_amount: int | None, face_value: int | None) -> int:
    """What one voucher counts against its caps and quotas."""
    if status not in COUNTING_STATUSES:
        return 0
    return int(final_amount if final_amount is not None else (face_value or 0))


def holders(voucher) -> dict[str, str]:
    return {"enterprise": str(voucher.enterprise_id), "provider": str(voucher.provider_id), "city": voucher.city}


def _upsert(dialect: str):
    """``INSERT … ON CONFLICT DO UPDATE`` adding ``:amount`` to the three usage rows of
    ``:scheme_id`` / ``:enterprise`` / ``:provider`` / ``:city``; built once per dialect (every
    voucher write runs it)."""
    found = _UPSERTS.get(dialect)
    if found is None:
        amount, scheme_id = sa.bindparam("amount", type_=sa.BigInteger), sa.bindparam("scheme_id", type_=sa.Integer)
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(U).values(
            [{"scheme_id": scheme_id, "dimension": d, "holder": sa.bindparam(d, type_=sa.String), "amount": amount}
             for d in DIMENSIONS])
        found = _UPSERTS[dialect] = insert.on_conflict_do_update(
            index_elements=[U.c.scheme_id, U.c.dimension, U.c.holder],
            set_={"amount": U.c.amount + insert.excluded.amount})
    return found


_UPSERTS: dict[str, sa.Insert] = {}


def _add(connection, voucher, delta: int) -> None:
    if not delta:
        return
    connection.execute(_upsert(connection.dialect.name),
                       {"scheme_id": voucher.scheme_id, "amount": delta, **holders(voucher)})


def _before(target, name: str):
    hist = sa.inspect(target).attrs[name].history
    return hist.deleted[0] if hist.deleted else getattr(target, name)


@event.listens_for(Voucher, "after_insert")
def _inserted(_mapper, connection, target) -> None:
    _add(connection, target, counted(target.status, target.final_amount, target.face_value))


@event.listens_for(Voucher, "after_update")
def _updated(_mapper, connection, target) -> None:
    for name in ("scheme_id", "enterprise_id", "provider_id", "city"):
        if sa.inspect(target).attrs[name].history.deleted:
            raise ValueError(f"a voucher's {name} never changes")
    before = counted(_before(target, "status"), _before(target, "final_amount"), _before(target, "face_value"))
    after = counted(target.status, target.final_amount, target.face_value)
    _add(connection, target, after - before)


@event.listens_for(Voucher, "after_delete")
def _deleted(_mapper, connection, target) -> None:
    _add(connection, target, -counted(_before(target, "status"), _before(target, "final_amount"),
                                      _before(target, "face_value")))


def used_columns(scheme_id, held_by: dict) -> list:
    """SQL: what the holders (``held_by``: dimension → holder, values or bound parameters) hold
    under the scheme, as three columns labelled by dimension (primary-key lookups; 0 where no row
    exists yet)."""
    return [sa.func.coalesce(sa.select(U.c.amount).where(U.c.scheme_id == scheme_id, U.c.dimension == d,
                                                         U.c.holder == held_by[d]).scalar_subquery(), 0).label(d)
            for d in DIMENSIONS]


def used(session, scheme_id: int, *, enterprise_id: int, provider_id: int, city: str) -> dict[str, int]:
    """What the enterprise, the provider and the city hold under the scheme: one indexed read."""
    held_by = {"enterprise": str(enterprise_id), "provider": str(provider_id), "city": city}
    return of_row(session.execute(sa.select(*used_columns(scheme_id, held_by))).one())


def of_row(row) -> dict[str, int]:
    """The usage in a result row that selected ``used_columns``."""
    return {d: int(row._mapping[d]) for d in DIMENSIONS}


def city_used(session, scheme_id: int, city: str) -> int:
    return int(session.execute(sa.select(U.c.amount).where(
        U.c.scheme_id == scheme_id, U.c.dimension == "city", U.c.holder == city)).scalar() or 0)


def recompute(session, scheme_id: int | None = None) -> dict[tuple[int, str, str], int]:
    """The usage rows as the vouchers say they should be (non-zero ones): the reference."""
    amount = sa.func.sum(sa.func.coalesce(Voucher.final_amount, Voucher.face_value))
    out: dict[tuple[int, str, str], int] = {}
    for dimension, column in (("enterprise", Voucher.enterprise_id), ("provider", Voucher.provider_id),
                              ("city", Voucher.city)):
        q = (sa.select(Voucher.scheme_id, column, amount).where(Voucher.status.in_(COUNTING_STATUSES))
             .group_by(Voucher.scheme_id, column))
        if scheme_id is not None:
            q = q.where(Voucher.scheme_id == scheme_id)
        for sid, holder, total in session.execute(q):
            if total:
                out[(sid, dimension, str(holder))] = int(total)
    return out


def stored(session, scheme_id: int | None = None) -> dict[tuple[int, str, str], int]:
    """The usage rows as stored (non-zero ones)."""
    q = sa.select(U.c.scheme_id, U.c.dimension, U.c.holder, U.c.amount).where(U.c.amount != 0)
    if scheme_id is not None:
        q = q.where(U.c.scheme_id == scheme_id)
    return {(sid, d, h): int(a) for sid, d, h, a in session.execute(q)}
