"""Fixtures: every database test runs on SQLite and on PostgreSQL.

``YUNQUAN_TEST_PG_URL`` points at a PostgreSQL server where we may create databases (default: the
local one with trust auth). Each test process creates its own databases and drops them at the end.
``YUNQUAN_TEST_DATABASES=sqlite`` runs the SQLite half only (a developer without PostgreSQL);
CI never sets it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from kernel import clock
from ledger import guards
from payouts import guards as payouts_guards
from yunquan.app import create_app
from yunquan.bootstrap import bootstrap
from yunquan.db import UowFactory, make_engine
from yunquan.schema import metadata, upgrade

bootstrap()  # the claim kinds and due work, as create_app and the CLI register them

PG_URL = os.environ.get("YUNQUAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = [d for d in os.environ.get("YUNQUAN_TEST_DATABASES", "sqlite,postgresql").split(",") if d]


def _pg_admin_engine():
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _create_pg_database(prefix: str, created: list[str]) -> str:
    """A new, empty PostgreSQL database; its URL. Commits there do not wait for the WAL to reach the
    disk (``synchronous_commit = off``: what a commit does and what every session sees are the same;
    only a crash of the PostgreSQL server itself could lose the last commits, and no test crashes it)."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _pg_admin_engine()
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
            created.append(name)
            c.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    except sa.exc.OperationalError as exc:  # pragma: no cover - environment problem, say it plainly
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL}: {exc}. Start it (see README) or set "
                    "YUNQUAN_TEST_DATABASES=sqlite to run the SQLite half only.")
    finally:
        admin.dispose()
    return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


_DROP = """
import sys, sqlalchemy as sa
admin = sa.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with admin.connect() as c:
    for name in sys.argv[2:]:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
"""


@pytest.fixture(scope="session")
def pg_databases():
    """The PostgreSQL databases this test process created, dropped when it ends. PostgreSQL makes
    each DROP DATABASE wait for a checkpoint (seconds, more when other work is writing), so a process
    of its own drops them after the tests, and the run does not wait for it."""
    created: list[str] = []
    yield created
    if created:
        subprocess.Popen([sys.executable, "-c", _DROP, PG_URL, *created], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def pg_url(pg_databases):
    """A fresh PostgreSQL database for this test process."""
    return _create_pg_database("yq_test", pg_databases)


@pytest.fixture(scope="session")
def pg_blank_url(pg_databases):
    """A second database of this test process, for tests that migrate an empty database step by step:
    each empties it first (``blank`` in test_ledger_upgrade), rather than creating and dropping a database per test."""
    return _create_pg_database("yq_upgrade", pg_databases)


@pytest.fixture(scope="session", params=DATABASES)
def db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'yunquan.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def engine(db_url):
    eng = make_engine(db_url)
    upgrade(eng)  # the schema comes from the migrations, as in production
    yield eng
    eng.dispose()


def _wipe(eng: sa.Engine) -> None:
    """Empty every table. The ledger guards refuse exactly this, so the wipe steps around them: on
    PostgreSQL this one transaction runs as a replication replica (ordinary triggers do not fire; only
    a superuser may, and the application never does), on SQLite the guards are dropped and put back."""
    tables = list(reversed(metadata().sorted_tables))
    with eng.begin() as c:
        if eng.dialect.name == "postgresql":
            # DELETE and setval rather than TRUNCATE … RESTART IDENTITY: a test leaves a few rows,
            # and TRUNCATE makes new files for every table (about 120 ms a test against 10 ms)
            c.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for t in tables:
                c.exec_driver_sql(f'DELETE FROM "{t.name}"')
            sequences = [r[0] for r in c.exec_driver_sql(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences "
                "WHERE schemaname = current_schema()")]
            if sequences:
                c.exec_driver_sql("SELECT " + ", ".join(f"setval('{q}', 1, false)" for q in sequences))
        else:
            guards.remove(c)
            payouts_guards.remove(c)  # bank statements are never deleted either
            for t in tables:
                c.execute(t.delete())
            c.exec_driver_sql("DELETE FROM sqlite_sequence") if _has_sqlite_sequence(c) else None
            guards.install(c)
            payouts_guards.install(c)


def _has_sqlite_sequence(c) -> bool:
    return c.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").first() is not None


# The longest tests (seconds each, measured with --durations on the 2-core CI machine), run first and
# longest first: with -n 2 a test of a minute that happens to start last is the whole run's tail, while
# started first the other worker gets through the short tests meanwhile. Only the order changes; a name
# that no longer matches anything is ignored. Keep it to the few that take well over ten seconds.
LONGEST_FIRST = (
    "tests/claims/test_claims_properties.py::test_any_sequence_of_steps_keeps_the_ledger_verified_and_the_budget_explained[postgresql]",  # noqa: E501
    "tests/claims/test_claims_properties.py::test_any_sequence_of_steps_keeps_the_ledger_verified_and_the_budget_explained[sqlite]",  # noqa: E501
    "tests/crash/test_crash_safety.py::",
    "tests/test_newcomer.py::test_demo_reset_starts_from_an_empty_database",
    "tests/vouchers/test_usage_rows.py::test_usage_rows_always_equal_a_recomputation_from_the_vouchers[postgresql]",
    "tests/test_newcomer.py::test_the_readme_examples_run_as_printed",
    "tests/vouchers/test_vouchers_concurrency.py::test_two_hundred_concurrent_applications",
    "tests/portal/test_portal_browser.py::",
    "tests/test_cli.py::test_demo_prints_tokens_and_can_run_twice",
    "tests/test_cli.py::test_serve_answers_http",
    "tests/workload/test_shadow_workload.py::",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        return next((n for n, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
                    len(LONGEST_FIRST))
    items.sort(key=rank)  # stable: everything else keeps its order


@pytest.fixture(autouse=True)
def anchors_file(tmp_path, monkeypatch):
    """Ledger anchors of this test: never the working folder's ./var (the app and CLI read the variable)."""
    path = tmp_path / "ledger-anchors.jsonl"
    monkeypatch.setenv("YUNQUAN_LEDGER_ANCHORS", str(path))
    monkeypatch.setenv("YUNQUAN_DEMO_TOKENS", str(tmp_path / "demo-tokens.env"))  # nor the demo's tokens
    return path


@pytest.fixture
def unguarded(db):
    """The ledger guards dropped, as by someone with the rights to drop them; put back afterwards."""
    with db.begin() as c:
        guards.remove(c)
    yield db
    with db.begin() as c:
        guards.install(c)


@pytest.fixture
def db(engine):
    """A clean database for this test."""
    _wipe(engine)
    clock.set_clock(None)
    yield engine
    clock.set_clock(None)


@pytest.fixture
def uow_factory(db):
    return UowFactory(db)


@pytest.fixture
def app(db, tmp_path):
    return create_app({"TESTING": True, "ENGINE": db, "DATABASE_URL": str(db.url),
                       "EVIDENCE_DIR": str(tmp_path / "evidence"), "ID_KEY_FILE": str(tmp_path / "id.key")})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def dialect(db) -> str:
    return db.dialect.name


@pytest.fixture
def frozen_clock():
    """Set the clock: ``frozen_clock("2026-03-02T10:00:00+08:00")``."""
    import datetime as dt

    def set_to(when: str):
        fixed = dt.datetime.fromisoformat(when).astimezone(dt.timezone.utc)
        clock.set_clock(lambda: fixed)
        return fixed
    yield set_to
    clock.set_clock(None)


@pytest.fixture
def world(uow_factory):
    from tests.support.world import World
    return World(uow_factory)


@pytest.fixture
def authority(world):
    return world.org("authority", city="广州")


def pytest_terminal_summary(terminalreporter):
    """The figures whole-suite checks record (``record_property``), printed at the end of the run:
    schemathesis cases, role-matrix requests, shadow-workload operations and seeds."""
    totals: dict[str, int] = {}
    operations: dict[str, set] = {}
    notes: list[str] = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == "schemathesis_case":
                    totals["schemathesis cases"] = totals.get("schemathesis cases", 0) + 1
                    operations.setdefault("schemathesis operations", set()).add(value.split("|")[0])
                elif name.startswith("figure:"):
                    totals[name[7:]] = totals.get(name[7:], 0) + int(value)
                elif name.startswith("note:"):
                    notes.append(f"{name[5:]}: {value}")
    if totals or notes:
        terminalreporter.section("figures")
        for name, value in sorted(totals.items()):
            terminalreporter.write_line(f"{name}: {value:,}")
        for name, values in sorted(operations.items()):
            terminalreporter.write_line(f"{name}: {len(values):,}")
        for line in sorted(set(notes)):
            terminalreporter.write_line(line)
