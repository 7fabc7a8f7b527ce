"""The waitlist: strict first come, first served by application time.

A voucher the budget cannot cover waits (``waitlisted``, reason ``budget``); nobody applying later
overtakes it. One the city's quota cannot cover waits for its city only (reason ``city_quota``).
When money comes back to the budget (a rejection, an expiry, a claim approved for less than its
voucher, a lapse, new settings), ``promote`` reserves for waiting vouchers, oldest first. It is
registered with ``schemes`` as what a cloud scheme does when money is freed.
"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import locked, rare
from kernel.money import from_fen, to_fen
from parties import service as organisations
from schemes import budget
from schemes import rules as scheme_rules
from schemes.models import Scheme
from vouchers import contracts, pricing
from vouchers.models import Voucher


def queue_ahead(scheme_id: int, city: str):
    """SQL: why a new voucher of ``city`` must wait behind the queue (``budget``, ``city_quota``) or
    NULL. Strict first come, first served: nobody overtakes a voucher already waiting for the same
    money; CASE looks for the city's queue only when nobody waits for the budget."""
    def waiting(*conditions):
        return sa.exists().where(Voucher.scheme_id == scheme_id, rare(Voucher.status == "waitlisted"), *conditions)
    return sa.case((waiting(Voucher.waitlist_reason == "budget"), "budget"),
                   (waiting(Voucher.waitlist_reason == "city_quota", Voucher.city == city), "city_quota"),
                   else_=None)


def blocked_by_queue(session, scheme_id: int, city: str) -> str | None:
    return session.execute(sa.select(queue_ahead(scheme_id, city))).scalar()


def reserve_for(uow, scheme: Scheme, voucher: Voucher, on: dt.date) -> None:
    """Hold the voucher's face value in the budget; the voucher remembers the reservation."""
    voucher.reservation_id = budget.reserve(uow, scheme_id=scheme.id, amount=voucher.face_value,
                                            key=f"voucher:{voucher.id}:reserve", ref=f"voucher:{voucher.id}",
                                            on=on, memo="voucher reservation")


# Waiting vouchers are read this many at a time: the queue usually stops at its head (the budget
# cannot cover it), so an approval never loads the whole queue.
PAGE = 32


def promote(uow, scheme: Scheme, settings: scheme_rules.Settings, on: dt.date) -> list[Voucher]:
    """Oldest first. The queue stops at the first voucher the budget cannot cover; a voucher held
    back by its city's quota holds back only later vouchers of that city. Call with the scheme locked.

    The queue is read a page at a time in its order (``applied_at``, ``id``; the index
    ``ix_voucher_scheme_status_applied``), later pages leaving out the cities already held back, so
    the cost is that of the vouchers looked at, not of the queue's length."""
    s = uow.session
    promoted: list[Voucher] = []
    blocked_cities: set[str] = set()
    after = None
    while True:
        q = select(Voucher).where(Voucher.scheme_id == scheme.id, rare(Voucher.status == "waitlisted"))
        if blocked_cities:
            q = q.where(Voucher.city.not_in(sorted(blocked_cities)))
        if after is not None:
            q = q.where(sa.tuple_(Voucher.applied_at, Voucher.id) > sa.tuple_(*after))
        page = list(s.exec(locked(q.order_by(Voucher.applied_at, Voucher.id).limit(PAGE))))
        for voucher in page:
            if voucher.city in blocked_cities:
                continue
            value = _repriced(s, scheme, settings, voucher)
            if value <= 0:
                voucher.status, voucher.reason, voucher.waitlist_reason = "rejected", "caps exhausted while waiting", None
                s.add(voucher)
                continue
            if budget.read(s, scheme.id).available < value:
                voucher.waitlist_reason = "budget"
                s.add(voucher)
                s.flush()
                return promoted
            city_left = pricing.city_left(s, scheme, settings, voucher.city)
            if city_left is not None and city_left < value:
                voucher.waitlist_reason = "city_quota"
                s.add(voucher)
                blocked_cities.add(voucher.city)
                continue
            voucher.face_value, voucher.status, voucher.waitlist_reason = value, "reserved", None
            s.add(voucher)
            s.flush()
            reserve_for(uow, scheme, voucher, on)
            s.add(voucher)
            promoted.append(voucher)
        if len(page) < PAGE:
            break
        after = (page[-1].applied_at, page[-1].id)
    s.flush()
    return promoted


def _repriced(session, scheme, settings, voucher: Voucher) -> int:
    """Caps may have filled while the voucher waited: it never gets more than is left now."""
    enterprise = organisations.get(session, voucher.enterprise_id)
    contract = contracts.get(session, voucher.contract_id)
    fv = pricing.price(session, scheme=scheme, settings=settings, contract=contract, enterprise=enterprise,
                       exclude_voucher=voucher.id)
    value = min(voucher.face_value, to_fen(fv.face_value))
    if value != voucher.face_value:
        data = json.loads(voucher.breakdown_json)
        data["repriced_on_promotion"] = {"face_value": str(from_fen(value)), "binding": list(fv.binding)}
        data["face_value"] = str(from_fen(value))
        voucher.breakdown_json = json.dumps(data, ensure_ascii=False)
    return value
