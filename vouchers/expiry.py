"""Vouchers past their redemption window expire and give their reservation back.

Registered with ``schemes`` as work that falls due: done by the daily job (``yunquan vouchers
expire``) and by the next write to the scheme, never by a read (a read shows ``expired`` at once).
A redeemed voucher does not expire: its claim holds the money, and lapses on its own if it was
returned and never corrected (``claims``), which expires the voucher too (``redemption``).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import locked, rare
from schemes import budget
from schemes.models import Scheme
from vouchers.models import Voucher

EXPIRING_STATUSES = ("waitlisted", "reserved", "issued")


def past_window(today: dt.date):
    """SQL: a voucher that expires on ``today`` had it not been stored yet."""
    return sa.and_(Voucher.status.in_(EXPIRING_STATUSES), rare(Voucher.expires_on < today))


def due_work(uow, scheme: Scheme, today: dt.date) -> tuple[bool, bool]:
    """Expire the scheme's vouchers past their window (scheme locked; the caller commits).
    Returns (expired any, freed money or moved the queue): either way the waitlist is looked at."""
    s = uow.session
    due = list(s.exec(locked(select(Voucher).where(Voucher.scheme_id == scheme.id, past_window(today))
                             .order_by(Voucher.id))))
    for voucher in due:
        if voucher.status != "waitlisted" and budget.held(s, voucher.reservation_id) is not None:
            budget.release(uow, scheme_id=scheme.id, reservation_id=voucher.reservation_id,
                           key=f"voucher:{voucher.id}:expire", ref=f"voucher:{voucher.id}", on=today,
                           memo="voucher expired")
        voucher.status, voucher.waitlist_reason = "expired", None
        s.add(voucher)
    if due:
        s.flush()
    return bool(due), bool(due)


def is_due(scheme_id: int, today: dt.date):
    """SQL: ``due_work`` has something to do."""
    return sa.exists().where(Voucher.scheme_id == scheme_id, past_window(today))


def count_due(session, scheme_id: int, today: dt.date) -> int:
    return int(session.exec(select(sa.func.count()).select_from(Voucher)
                            .where(Voucher.scheme_id == scheme_id, past_window(today))).one())
