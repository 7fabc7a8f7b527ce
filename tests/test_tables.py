"""Shared table helpers (``adapters.tables``) that reach the database."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import orm

from adapters.tables import array_param, insert_rows, one_of, rare


def test_a_rare_condition_keeps_its_own_values_from_one_call_to_the_next(engine):
    """``rare`` is compiled once and cached: every call must still bring its own parameters."""
    def rows(limit: int) -> int:
        q = sa.select(sa.literal(1, sa.Integer)).where(rare(sa.literal(5, sa.Integer) < limit))
        with engine.connect() as c:
            return len(c.execute(q).all())
    assert [rows(10), rows(1), rows(6), rows(5)] == [1, 0, 1, 0]


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(values=st.one_of(st.lists(st.integers(-2 ** 63, 2 ** 63 - 1)),
                        st.lists(st.one_of(st.none(), _TEXT)),
                        st.lists(st.one_of(st.none(), st.dates()))))
def test_an_array_sent_as_text_reads_back_as_the_same_values_on_postgresql(engine, values):
    """``array_param`` writes PostgreSQL's array syntax by hand: quotes, backslashes, commas,
    braces, blanks, the word NULL and an empty string must all come back as they went."""
    if engine.dialect.name != "postgresql":
        pytest.skip("array parameters are PostgreSQL's")
    param = array_param(values)
    assert isinstance(param, str)
    with engine.connect() as c:
        back = c.exec_driver_sql("SELECT %s", (param,)).scalar_one()
    assert back == values


def test_one_of_finds_exactly_the_rows_named_whatever_their_text(engine):
    names = ['plain', 'a,b', 'say "hi"', 'back\\slash', '{brace}', ' blank ', 'NULL', '', '名字']
    t = sa.table("one_of_probe", sa.column("name", sa.String))
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TEMPORARY TABLE one_of_probe (name VARCHAR(40))")
        c.execute(sa.insert(t), [{"name": n} for n in names + ["other", "NULLS"]])
        s = orm.Session(bind=c)
        found = c.execute(sa.select(t.c.name).where(one_of(s, t.c.name, names))).scalars().all()
        assert sorted(found) == sorted(names)
        assert c.execute(sa.select(t.c.name).where(one_of(s, t.c.name, ["NULL"]))).scalars().all() == ["NULL"]


# the offsets of the world's zones, in whole minutes (PostgreSQL reads up to ±15:59)
_ZONES = st.builds(lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)), st.integers(-14 * 60, 14 * 60))


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.one_of(st.none(), st.dates()),
                               st.one_of(st.none(), st.datetimes(timezones=_ZONES)),
                               st.one_of(st.none(), st.datetimes())), max_size=30))
def test_dates_and_times_copied_by_insert_rows_read_back_as_the_same_values(engine, rows):
    """``insert_rows`` hands PostgreSQL's COPY dates and times as ISO text, reusing the text of a
    repeated value: every value must come back as it went, whatever its zone, repeated or not."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    table = sa.Table("t_copied_times", sa.MetaData(), sa.Column("n", sa.Integer), sa.Column("d", sa.Date),
                     sa.Column("tz", sa.DateTime(timezone=True)), sa.Column("naive", sa.DateTime))
    rows = [(i, d, tz, naive) for i, (d, tz, naive) in enumerate(rows * 2)]  # repeats: the remembered texts
    with orm.Session(engine) as s:
        s.connection().exec_driver_sql("CREATE TEMP TABLE t_copied_times (n int, d date, tz timestamptz, "
                                       "naive timestamp) ON COMMIT DROP")
        insert_rows(s, table, ("n", "d", "tz", "naive"), rows)
        back = s.connection().exec_driver_sql("SELECT n, d, tz, naive FROM t_copied_times ORDER BY n").all()
    assert [tuple(r) for r in back] == rows
