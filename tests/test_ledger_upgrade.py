"""Upgrading a ledger written before the one chain (revision 0004): its history is chained as it
stands, after the old journal-only chain has been checked, and the upgraded ledger verifies."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from ledger import guards, rules
from ledger import service as ledger
from ledger.service import Leg
from yunquan.db import UowFactory, make_engine
from yunquan.schema import downgrade, upgrade

UTC = dt.timezone.utc


@pytest.fixture
def blank(db_url, tmp_path, request):
    """An empty database of the same kind as ``db_url``, for migrating step by step."""
    if db_url.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    # this test process's second PostgreSQL database, emptied: everything the migrations make is in public
    engine = make_engine(request.getfixturevalue("pg_blank_url"))
    with engine.begin() as c:
        c.exec_driver_sql("DROP SCHEMA public CASCADE")
        c.exec_driver_sql("CREATE SCHEMA public")
    yield engine
    engine.dispose()


def _old_chain_hash(prev: str, seq: int, key: str, content: str) -> str:
    """Revision 0004's link: journals only."""
    return hashlib.sha256(f"{prev}\x1f{seq}\x1f{key}\x1f{content}".encode()).hexdigest()


ACCOUNTS = [(1, "funding", False), (2, "available", True), (3, "reserved", True), (4, "payable", True)]
JOURNALS = [  # id, key, kind, legs (account id, amount), minutes after 09:00
    (1, "fund", "fund", [(1, -1000), (2, 1000)], 0),
    (2, "r1", "reserve", [(2, -300), (3, 300)], 1),
    (3, "r1:post", "consume", [(3, -300), (4, 200), (2, 100)], 3),
    (4, "r2", "reserve", [(2, -50), (3, 50)], 4),
]
DAY = dt.date(2026, 4, 20)


def write_old_ledger(engine, *, tamper: bool = False) -> str:
    """Rows as revision 0004 wrote them (posting ids with a gap, as a PostgreSQL sequence leaves after a
    rollback); returns the old head hash."""
    md = sa.MetaData()
    account = sa.Table("ledger_account", md, autoload_with=engine)
    journal = sa.Table("ledger_journal", md, autoload_with=engine)
    posting = sa.Table("ledger_posting", md, autoload_with=engine)
    reservation = sa.Table("ledger_reservation", md, autoload_with=engine)
    period = sa.Table("ledger_period", md, autoload_with=engine)
    head = sa.Table("ledger_head", md, autoload_with=engine)
    at = lambda minutes: dt.datetime(2026, 4, 20, 9, minutes, 0, 123456, tzinfo=UTC)  # noqa: E731
    codes = {i: code for i, code, _ in ACCOUNTS}
    balances = dict.fromkeys(codes, 0)
    prev, posting_id = rules.GENESIS_HASH, 0
    with engine.begin() as c:
        c.execute(account.insert(), [{"id": i, "code": code, "name": code.title(), "no_negative": flag, "balance": 0,
                                      "created_at": at(0)} for i, code, flag in ACCOUNTS])
        for jid, key, kind, legs, minutes in JOURNALS:
            chash = rules.content_hash(kind, DAY, "", None, None, [(codes[a], amount) for a, amount in legs])
            digest = _old_chain_hash(prev, jid, key, chash)
            c.execute(journal.insert().values(id=jid, key=key, kind=kind, effective_date=DAY,
                                              memo="edited" if tamper and jid == 2 else "", ref=None,
                                              reverses_id=None, content_hash=chash, prev_hash=prev, hash=digest,
                                              created_at=at(minutes)))
            for idx, (a, amount) in enumerate(legs):
                posting_id += 2 if posting_id == 4 else 1
                c.execute(posting.insert().values(id=posting_id, journal_id=jid, idx=idx, account_id=a,
                                                  amount=amount))
                balances[a] += amount
            prev = digest
        for a, total in balances.items():
            c.execute(account.update().where(account.c.id == a).values(balance=total))
        c.execute(reservation.insert(), [
            {"id": 1, "key": "r1", "source_account_id": 2, "hold_account_id": 3, "amount": 300, "status": "posted",
             "posted_amount": 200, "open_journal_id": 2, "close_journal_id": 3, "created_at": at(1)},
            {"id": 2, "key": "r2", "source_account_id": 2, "hold_account_id": 3, "amount": 50, "status": "pending",
             "posted_amount": 0, "open_journal_id": 4, "close_journal_id": None, "created_at": at(4)}])
        c.execute(period.insert().values(month="2026-03", closed_at=at(2), closed_by="admin"))
        c.execute(head.insert().values(id=1, seq=len(JOURNALS), hash=prev))
    return prev


def test_an_upgraded_ledger_is_chained_as_it_stands_and_verifies(blank):
    upgrade(blank, "0004")
    old_head = write_old_ledger(blank)
    upgrade(blank)
    factory = UowFactory(blank)
    with factory.snapshot() as s:
        r = ledger.verify(s)
        entries = s.execute(sa.text("SELECT entry_type, subject FROM ledger_chain ORDER BY seq")).all()
        month, head_seq = s.execute(sa.text("SELECT month, head_seq FROM ledger_period")).one()
    assert r.ok and r.journals == 4
    # accounts first, each journal followed by the reservations it opened and closed, the period where it closed
    assert [tuple(e) for e in entries] == [
        ("account", "1"), ("account", "2"), ("account", "3"), ("account", "4"),
        ("journal", "1"), ("journal", "2"), ("reservation_open", "1"), ("period", "2026-03"),
        ("journal", "3"), ("reservation_close", "1"), ("journal", "4"), ("reservation_open", "2")]
    assert (month, head_seq) == ("2026-03", 7)
    with blank.begin() as c:
        assert guards.missing(c) == []

    # the ledger carries on: new ids follow the old ones, and the pending reservation closes
    with factory() as u:
        ledger.post(u, key="more", kind="move", effective_date=dt.date(2026, 4, 21),
                    legs=[Leg("funding", -1), Leg("available", 1)])
        ledger.void_pending(u, reservation_id=2, key="r2:void", effective_date=dt.date(2026, 4, 21))
        u.commit()
    with factory.snapshot() as s:
        r = ledger.verify(s)
        top = s.execute(sa.text("SELECT max(id) FROM ledger_posting")).scalar()
    assert r.ok and r.journals == 6 and top == 10 + 2 + 2  # old ids up to 10 (one skipped), then 2 + 2 new

    # and back: the old journal-only chain is recomputed, the same as it was for the old journals
    downgrade(blank, "0004")
    with blank.connect() as c:
        assert c.exec_driver_sql("SELECT hash FROM ledger_journal WHERE id = 4").scalar() == old_head
        assert c.exec_driver_sql("SELECT seq FROM ledger_head").scalar() == 6
    upgrade(blank)
    with factory.snapshot() as s:
        assert ledger.verify(s).ok


def test_an_upgrade_refuses_a_ledger_whose_old_chain_is_broken(blank):
    upgrade(blank, "0004")
    write_old_ledger(blank, tamper=True)
    with pytest.raises(RuntimeError, match="journal 2"):
        upgrade(blank)
    with blank.connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0004"
