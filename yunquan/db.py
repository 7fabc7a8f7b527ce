"""Database engine and the unit of work.

SQLite (the embedded default) gets WAL, foreign keys and ``BEGIN IMMEDIATE`` so that writers
are serialised by the database itself: the app's own locking for a single-file deployment.
PostgreSQL runs at READ COMMITTED; writers serialise on the rows they lock ``FOR UPDATE``
(the ledger head, accounts, scheme rows) and the few deadlocks that can still happen are retried.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the write lock up front, so two read-then-write transactions can never
            # interleave; read-only sessions (``reader()``) begin deferred and never block writers.
            deferred = conn.get_execution_options().get("yq_readonly")
            conn.exec_driver_sql("BEGIN DEFERRED" if deferred else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in RETRYABLE_SQLSTATES
    return False


class UnitOfWork:
    """One database transaction. Services call ``commit()`` exactly once; leaving the block
    without it rolls everything back, so nothing is ever half-written.

    ``after_commit(fn)`` runs ``fn`` once the transaction has committed, and never if it does not:
    for effects outside the database that must only ever name committed state (ledger anchors)."""

    def __init__(self, engine: sa.Engine, *, anchors: str | None = None):
        self.engine = engine
        self.anchors = anchors  # the ledger anchors file, or None to write no anchors
        self.session: Session | None = None
        self.committed = False
        self._after_commit: list[Callable[[], Any]] = []

    def __enter__(self) -> "UnitOfWork":
        self.session = Session(self.engine, expire_on_commit=False)
        self.committed = False
        self._after_commit = []
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # close() rolls back whatever was not committed and detaches the objects without expiring
        # them, so a value read inside the block can still be used after it.
        self._after_commit = []
        self.session.close()

    def after_commit(self, fn: Callable[[], Any]) -> None:
        self._after_commit.append(fn)

    def commit(self) -> None:
        self.session.commit()
        self.committed = True
        if has_request_context():
            g.yq_committed = True  # an Idempotency-Key replay must not run this request's work again
        callbacks, self._after_commit = self._after_commit, []
        for fn in callbacks:  # a failure here is loud, but the commit stands
            fn()

    def checkpoint(self) -> None:
        """Commit what is done so far and go on in a new transaction: for work that stands on its
        own whatever becomes of the step that follows (``schemes.service.lock`` settling what fell
        due). Unlike ``commit`` it does not mark the request's own work as done."""
        self.session.commit()

    def rollback(self) -> None:
        self._after_commit = []
        self.session.rollback()


class UowFactory:
    def __init__(self, engine: sa.Engine, *, anchors: str | None = None):
        self.engine = engine
        # Where committed ledger heads are anchored; None (tests, benchmarks) writes no anchors.
        self.anchors = anchors

        self.read_engine = engine.execution_options(yq_readonly=True)
        # One consistent view for long reads (verify, reports): a SQLite read transaction is a
        # snapshot already; PostgreSQL needs REPEATABLE READ, or each statement sees newer commits.
        self.snapshot_engine = (engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                                if engine.dialect.name == "postgresql" else self.read_engine)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine, anchors=self.anchors)

    def reader(self) -> Session:
        """A session for reads only: on SQLite it does not take the write lock."""
        return Session(self.read_engine, expire_on_commit=False)

    def snapshot(self) -> Session:
        """A read-only session whose every statement sees the same committed state."""
        return Session(self.snapshot_engine, expire_on_commit=False)

    def run(self, fn: Callable[[UnitOfWork], Any], *, retries: int = 5) -> Any:
        for attempt in range(retries + 1):
            try:
                with self() as uow:
                    return fn(uow)
            except DBAPIError as exc:
                if attempt == retries or not is_retryable(exc):
                    raise
                time.sleep(0.01 * (2 ** attempt))
        raise AssertionError("unreachable")
