"""The ledger library as the other domains use it: inside their own unit of work."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ledger import service as ledger
from ledger.errors import (
    AlreadyReversed,
    IdempotencyMismatch,
    InvalidJournal,
    NegativeBalance,
    PeriodAlreadyClosed,
    PeriodClosed,
    PeriodNotEnded,
    ReservationClosed,
    ReservationExceeded,
    UnbalancedJournal,
    UnknownAccount,
)
from ledger.models import LedgerJournal, LedgerPosting
from ledger.service import Leg

DAY = dt.date(2026, 3, 2)


def setup_accounts(uow_factory, budget: int = 100_00):
    with uow_factory() as u:
        ledger.open_account(u, code="scheme:1:funding", name="budget appropriation")
        for part in ("available", "reserved", "payable"):
            ledger.open_account(u, code=f"scheme:1:{part}", name=part, no_negative=True)
        ledger.post(u, key="fund", kind="fund", effective_date=DAY,
                    legs=[Leg("scheme:1:funding", -budget), Leg("scheme:1:available", budget)])
        u.commit()


def count(engine, model) -> int:
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar()


def test_balances_follow_postings_and_journals_chain(uow_factory):
    setup_accounts(uow_factory)
    with uow_factory() as u:
        j = ledger.post(u, key="r1", kind="reserve", effective_date=DAY,
                        legs=[("scheme:1:available", -30_00), ("scheme:1:reserved", 30_00)])
        u.commit()
    with uow_factory() as u:
        assert ledger.balances(u.session, ["scheme:1:available", "scheme:1:reserved", "scheme:1:funding"]) == {
            "scheme:1:available": 70_00, "scheme:1:reserved": 30_00, "scheme:1:funding": -100_00}
        report = ledger.verify(u.session)
    assert j.id == 2
    assert report.ok and report.journals == 2 and report.head_hash == j.hash


def test_unbalanced_journal_is_refused_and_nothing_written(uow_factory, db):
    setup_accounts(uow_factory)
    with uow_factory() as u, pytest.raises(UnbalancedJournal) as exc:
        ledger.post(u, key="bad", kind="x", effective_date=DAY,
                    legs=[("scheme:1:available", -10), ("scheme:1:reserved", 9)])
    assert exc.value.code == "UNBALANCED_JOURNAL" and exc.value.details["sum_fen"] == -1
    assert count(db, LedgerJournal) == 1


@pytest.mark.parametrize("legs", [
    [("scheme:1:available", 0), ("scheme:1:reserved", 0)],
    [("scheme:1:available", -5)],
    [("scheme:1:available", -5), ("scheme:1:available", 5)],
])
def test_malformed_journals_are_refused(uow_factory, legs):
    setup_accounts(uow_factory)
    with uow_factory() as u, pytest.raises((InvalidJournal, UnbalancedJournal)):
        ledger.post(u, key="bad", kind="x", effective_date=DAY, legs=legs)


def test_unknown_account_is_refused(uow_factory, db):
    setup_accounts(uow_factory)
    with uow_factory() as u, pytest.raises(UnknownAccount) as exc:
        ledger.post(u, key="k", kind="x", effective_date=DAY, legs=[("scheme:1:available", -1), ("nowhere", 1)])
    assert exc.value.details["accounts"] == ["nowhere"]
    assert count(db, LedgerJournal) == 1


def test_protected_account_never_goes_negative(uow_factory, db):
    setup_accounts(uow_factory, budget=10_00)
    with uow_factory() as u, pytest.raises(NegativeBalance) as exc:
        ledger.post(u, key="k", kind="reserve", effective_date=DAY,
                    legs=[("scheme:1:available", -10_01), ("scheme:1:reserved", 10_01)])
    assert exc.value.code == "NEGATIVE_BALANCE" and exc.value.details["account"] == "scheme:1:available"
    with uow_factory() as u:
        assert ledger.balance(u.session, "scheme:1:available") == 10_00
    assert count(db, LedgerPosting) == 2


def test_a_batch_is_all_or_nothing(uow_factory, db):
    setup_accounts(uow_factory, budget=10_00)
    specs = [ledger.JournalSpec(key=f"b{i}", kind="reserve", effective_date=DAY,
                                legs=(Leg("scheme:1:available", -4_00), Leg("scheme:1:reserved", 4_00)))
             for i in range(3)]
    with uow_factory() as u, pytest.raises(NegativeBalance):
        ledger.post_batch(u, specs)
    assert count(db, LedgerJournal) == 1


def test_replaying_a_key_returns_the_original_and_posts_nothing(uow_factory, db):
    setup_accounts(uow_factory)
    legs = [("scheme:1:available", -5_00), ("scheme:1:reserved", 5_00)]
    with uow_factory() as u:
        first = ledger.post(u, key="same", kind="reserve", effective_date=DAY, legs=legs)
        u.commit()
    with uow_factory() as u:
        again = ledger.post(u, key="same", kind="reserve", effective_date=DAY, legs=legs)
        u.commit()
    assert again.id == first.id and again.replayed
    assert count(db, LedgerJournal) == 2
    with uow_factory() as u, pytest.raises(IdempotencyMismatch):
        ledger.post(u, key="same", kind="reserve", effective_date=DAY,
                    legs=[("scheme:1:available", -6_00), ("scheme:1:reserved", 6_00)])


def test_reversal_mirrors_the_original_once(uow_factory):
    setup_accounts(uow_factory)
    with uow_factory() as u:
        j = ledger.post(u, key="r", kind="reserve", effective_date=DAY,
                        legs=[("scheme:1:available", -5_00), ("scheme:1:reserved", 5_00)])
        rev = ledger.reverse(u, journal_id=j.id, key="r:reversal", effective_date=DAY)
        u.commit()
    assert rev.legs == (Leg("scheme:1:available", 5_00), Leg("scheme:1:reserved", -5_00))
    with uow_factory() as u:
        assert ledger.balance(u.session, "scheme:1:reserved") == 0
        with pytest.raises(AlreadyReversed):
            ledger.reverse(u, journal_id=j.id, key="r:reversal-2", effective_date=DAY)


def test_two_phase_reservation_posts_part_and_releases_the_rest(uow_factory):
    setup_accounts(uow_factory)
    with uow_factory() as u:
        res = ledger.reserve(u, key="v1:reserve", source="scheme:1:available", hold="scheme:1:reserved",
                             amount=55_00, effective_date=DAY)
        u.commit()
    assert res.status == "pending"
    with uow_factory() as u:
        with pytest.raises(ReservationExceeded):
            ledger.post_pending(u, reservation_id=res.id, amount=55_01, destination="scheme:1:payable",
                                key="v1:consume", effective_date=DAY)
    with uow_factory() as u:
        done = ledger.post_pending(u, reservation_id=res.id, amount=52_25, destination="scheme:1:payable",
                                   key="v1:consume", effective_date=DAY)
        u.commit()
    assert done.status == "posted" and done.posted_amount == 52_25
    with uow_factory() as u:
        assert ledger.balances(u.session, ["scheme:1:available", "scheme:1:reserved", "scheme:1:payable"]) == {
            "scheme:1:available": 100_00 - 52_25, "scheme:1:reserved": 0, "scheme:1:payable": 52_25}
        # the same call replayed is harmless; another attempt to close it is refused
        assert ledger.post_pending(u, reservation_id=res.id, amount=52_25, destination="scheme:1:payable",
                                   key="v1:consume", effective_date=DAY).status == "posted"
        with pytest.raises(ReservationClosed):
            ledger.void_pending(u, reservation_id=res.id, key="v1:void", effective_date=DAY)


def test_void_returns_everything(uow_factory):
    setup_accounts(uow_factory)
    with uow_factory() as u:
        res = ledger.reserve(u, key="v2", source="scheme:1:available", hold="scheme:1:reserved", amount=10_00,
                             effective_date=DAY)
        ledger.void_pending(u, reservation_id=res.id, key="v2:void", effective_date=DAY)
        u.commit()
        assert ledger.balance(u.session, "scheme:1:available") == 100_00
        assert ledger.verify(u.session).ok


def test_closed_period_refuses_postings(uow_factory, frozen_clock):
    frozen_clock("2026-04-10T12:00:00+08:00")
    setup_accounts(uow_factory)
    with uow_factory() as u:
        with pytest.raises(PeriodNotEnded):
            ledger.close_period(u, month="2026-04", closed_by="admin")
    with uow_factory() as u:
        ledger.close_period(u, month="2026-03", closed_by="admin")
    with uow_factory() as u:
        with pytest.raises(PeriodAlreadyClosed):
            ledger.close_period(u, month="2026-03", closed_by="admin")
    with uow_factory() as u, pytest.raises(PeriodClosed) as exc:
        ledger.post(u, key="late", kind="x", effective_date=dt.date(2026, 3, 31),
                    legs=[("scheme:1:available", -1), ("scheme:1:reserved", 1)])
    assert exc.value.details["month"] == "2026-03"
    with uow_factory() as u:
        ledger.post(u, key="april", kind="x", effective_date=dt.date(2026, 4, 1),
                    legs=[("scheme:1:available", -1), ("scheme:1:reserved", 1)])
        u.commit()


def test_balances_as_of_a_date_and_trial_balance(uow_factory):
    setup_accounts(uow_factory)
    with uow_factory() as u:
        ledger.post(u, key="later", kind="reserve", effective_date=DAY + dt.timedelta(days=5),
                    legs=[("scheme:1:available", -40_00), ("scheme:1:reserved", 40_00)])
        u.commit()
    with uow_factory() as u:
        before = ledger.balances_as_of(u.session, DAY, prefix="scheme:1:")
        after = ledger.balances_as_of(u.session, DAY + dt.timedelta(days=5))
        tb = ledger.trial_balance(u.session)
        tb_then = ledger.trial_balance(u.session, as_of=DAY)
    assert before["scheme:1:available"] == 100_00 and before["scheme:1:reserved"] == 0
    assert after["scheme:1:available"] == 60_00 and after["scheme:1:reserved"] == 40_00
    assert tb.balanced and tb.total_debit == 100_00
    assert dict((c, b) for c, _, b in tb_then.rows)["scheme:1:reserved"] == 0
