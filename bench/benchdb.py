"""What every benchmark needs: a fresh migrated database of either kind, and memory readings."""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import uuid

import sqlalchemy as sa

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from yunquan.db import make_engine  # noqa: E402
from yunquan.schema import upgrade  # noqa: E402

PG = os.environ.get("YUNQUAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fresh_database(kind: str, *, migrate: bool = True):
    """(engine, drop): a new SQLite file or PostgreSQL database at the head migration."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'bench.db')}")
        drop = engine.dispose
    else:
        name = f"yq_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine = make_engine(sa.engine.make_url(PG).set(database=name).render_as_string(hide_password=False))

        def drop():
            engine.dispose()
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if migrate:
        upgrade(engine)
    return engine, drop


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process, MiB."""
    with open("/proc/self/statm") as f:
        current = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Statements:
    """Counts the statements an engine sends while the block runs (SQLAlchemy's
    ``before_cursor_execute``): an executemany counts once per parameter set (the server runs one
    statement for each); COPY, which bypasses the cursor events, is not counted.

        with Statements(engine) as counted:
            ...
        counted.n
    """

    def __init__(self, engine):
        self.engine, self.n, self.by_text = engine, 0, {}

    def _hook(self, _conn, _cursor, statement, params, _context, executemany):
        k = len(params) if executemany else 1
        self.n += k
        key = " ".join(statement.split())[:60]
        self.by_text[key] = self.by_text.get(key, 0) + k

    def __enter__(self):
        from sqlalchemy import event
        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._hook)
        return False
