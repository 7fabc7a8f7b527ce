"""Upgrading a database written before authorities had a level (revision 0014): every authority
acts for the province, as it did; other organisations get no level; the step back drops them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.support.world import uscc
from tests.test_ledger_upgrade import blank  # noqa: F401  (fixture)
from yunquan.schema import downgrade, upgrade


def _insert(conn, kind: str, name: str) -> None:
    conn.execute(sa.text("INSERT INTO organisation (kind, name, uscc, city, created_at) "
                         "VALUES (:kind, :name, :uscc, '佛山', :at)"),
                 {"kind": kind, "name": name, "uscc": uscc(), "at": dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)})


def test_authorities_of_an_older_database_act_for_the_province(blank):  # noqa: F811
    upgrade(blank, "0009")
    with blank.begin() as c:
        _insert(c, "authority", "广东省工业和信息化厅")
        _insert(c, "provider", "佛山智造")
    upgrade(blank, "0014")
    with blank.connect() as c:
        rows = dict(c.execute(sa.text("SELECT name, level FROM organisation")).all())
    assert rows == {"广东省工业和信息化厅": "province", "佛山智造": None}
    downgrade(blank, "0009")
    with blank.connect() as c:
        assert "level" not in {col["name"] for col in sa.inspect(c).get_columns("organisation")}
