"""Database engine and the unit of work.

SQLite (the embedded default) gets WAL, foreign keys and ``BEGIN IMMEDIATE`` so that writers
are serialised by the database itself: the app's own locking for a single-file deployment.
PostgreSQL runs at READ COMMITTED; writers serialise on the rows they lock ``FOR UPDATE``
(the ledger head, accounts, scheme rows) and the few deadlocks that can still happen are retried.

Work held for an ``Idempotency-Key``
------------------------------------
A request sent with ``Idempotency-Key`` must be either done, with the response it answered
stored under its key, or not done at all: a crash between the work's commit and the storing of the
response would otherwise leave work that a retry runs a second time. So, for such a request (the
shell's request hooks open a ``HeldWork`` on ``flask.g``), ``UnitOfWork.commit()`` does not commit:
it flushes and hands its transaction to the request, which commits it once the response exists,
with the response's row in the same transaction (``yunquan.requests``). Services still call
``uow.commit()`` exactly once and views never commit; a unit of work, a ``reader()`` or a
``snapshot()`` opened later in the same request uses the held transaction, so the view's response
reads the work it describes. ``checkpoint()`` (``schemes.service.lock`` storing what fell due with
time) really commits: that work is not the request's, stands whatever becomes of the request, and
never marks the key done; once the request's work is held it only flushes, riding with it.
"""
from __future__ import annotations

import contextlib
import os
import time
from typing import Any, Callable

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def _create_private(url: str) -> None:
    """The SQLite file holds tokens' hashes, bank accounts and the ledger: create it readable by
    its owner only (0600), whatever the umask; SQLite gives its -wal and -shm files the same mode."""
    path = sa.engine.make_url(url).database
    if path and path != ":memory:" and not path.startswith("file:") and not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    if url.startswith("sqlite"):
        _create_private(url)
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
    # No pre-ping: it is a round trip on every checkout (several per request). Connections are
    # recycled after half an hour instead, and a connection found dead invalidates the pool (the
    # request fails once and its retry, with its Idempotency-Key, runs on a fresh connection).
    kwargs.setdefault("pool_recycle", 1800)
    return sa.create_engine(url, **kwargs)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in RETRYABLE_SQLSTATES
    return False


class HeldWork:
    """The transaction of a request's work, held open until its response is stored with it (see
    the module docstring). At most one per request: later units of work join it."""

    def __init__(self) -> None:
        self.session: Session | None = None
        self.after_commit: list[Callable[[], Any]] = []

    def hold(self, session: Session, after_commit: list[Callable[[], Any]] = ()) -> None:
        session.flush()
        self.session = session
        self.after_commit.extend(after_commit)

    def commit(self) -> None:
        """Commit the held work (with whatever the caller added to ``session``) and close; then run
        what was to follow the commit (ledger anchors)."""
        try:
            self.session.commit()
        except BaseException:
            self.after_commit = []
            raise
        finally:
            self.release(keep_callbacks=True)
        callbacks, self.after_commit = self.after_commit, []
        for fn in callbacks:  # a failure here is loud, but the commit stands
            fn()

    def release(self, *, keep_callbacks: bool = False) -> None:
        """Close without committing: the work is rolled back. Safe to call twice."""
        if not keep_callbacks:
            self.after_commit = []
        session, self.session = self.session, None
        if session is not None:
            session.close()


def held_work() -> HeldWork | None:
    """The current request's ``HeldWork``, if its request hooks opened one."""
    return g.get("yq_held_work") if has_request_context() else None


class UnitOfWork:
    """One database transaction. Services call ``commit()`` exactly once; leaving the block
    without it rolls everything back, so nothing is ever half-written.

    ``after_commit(fn)`` runs ``fn`` once the transaction has committed (for work held for an
    ``Idempotency-Key``: once the request commits it), and never if it does not: for effects
    outside the database that must only ever name committed state (ledger anchors)."""

    def __init__(self, engine: sa.Engine, *, held: HeldWork | None = None, anchors: str | None = None):
        self.engine = engine
        self.held = held
        self.anchors = anchors  # the ledger anchors file, or None to write no anchors
        self.session: Session | None = None
        self.committed = False
        self._after_commit: list[Callable[[], Any]] = []

    def __enter__(self) -> "UnitOfWork":
        if self.held is not None and self.held.session is not None:
            self.session = self.held.session  # the request's work is held: join its transaction
        else:
            self.session = Session(self.engine, expire_on_commit=False)
        self.committed = False
        self._after_commit = []
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._after_commit = []
        if self.held is not None and self.held.session is self.session:
            if exc_type is not None:
                self.held.release()  # the request's work failed: none of it stays
            return  # the request commits it with its response
        # close() rolls back whatever was not committed and detaches the objects without expiring
        # them, so a value read inside the block can still be used after it.
        self.session.close()

    def after_commit(self, fn: Callable[[], Any]) -> None:
        self._after_commit.append(fn)

    def commit(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        if self.held is not None:
            # committed by the request, together with its response; the callbacks follow that commit
            self.held.hold(self.session, callbacks)
            self.committed = True
            return
        self.session.commit()
        self.committed = True
        for fn in callbacks:  # a failure here is loud, but the commit stands
            fn()

    def checkpoint(self) -> None:
        """Commit what is done so far and go on in a new transaction: for work that stands on its
        own whatever becomes of the step that follows (``schemes.service.lock`` settling what fell
        due). It never marks a request's ``Idempotency-Key`` done; inside work already held for
        one it only flushes."""
        if self.held is not None and self.held.session is self.session:
            self.session.flush()
        else:
            self.session.commit()

    def rollback(self) -> None:
        self._after_commit = []
        self.session.rollback()


class UowFactory:
    def __init__(self, engine: sa.Engine, *, anchors: str | None = None):
        self.engine = engine
        # Where committed ledger heads are anchored; None (tests, benchmarks) writes no anchors.
        self.anchors = anchors

        # Reads on PostgreSQL run in autocommit: at READ COMMITTED every statement sees its own
        # snapshot anyway, so a transaction around reads adds nothing but BEGIN and ROLLBACK round
        # trips, and psycopg answers every ROLLBACK with DEALLOCATE ALL (a third round trip, and
        # the connection's prepared statements lost). SQLite's read transaction is its snapshot.
        self.read_engine = engine.execution_options(
            yq_readonly=True, yq_request_read=True,
            **({"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}))
        # One consistent view for long reads (verify, reports): a SQLite read transaction is a
        # snapshot already; PostgreSQL needs REPEATABLE READ, or each statement sees newer commits.
        self.snapshot_engine = (engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                                if engine.dialect.name == "postgresql" else self.read_engine)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine, held=held_work(), anchors=self.anchors)

    def reader(self):
        """A session for reads only (a context manager): on SQLite it does not take the write lock.
        After the request's work was held, the held transaction, so the response reads that work."""
        return self._read(self.read_engine)

    def snapshot(self):
        """A read-only session whose every statement sees the same committed state (or the
        request's held work, as ``reader``)."""
        return self._read(self.snapshot_engine)

    @staticmethod
    def _read(engine):
        held = held_work()
        if held is not None and held.session is not None:
            return contextlib.nullcontext(held.session)
        if has_request_context() and request.method in ("GET", "HEAD") and engine is UowFactory._request_engine(engine):
            # A read request reads in one read-only session (authentication, the view and its
            # checks): one connection checkout and one transaction; closed when the request ends.
            session = g.get("yq_read_session")
            if session is None:
                session = g.yq_read_session = Session(engine, expire_on_commit=False)
            return contextlib.nullcontext(session)
        return Session(engine, expire_on_commit=False)

    @staticmethod
    def _request_engine(engine):
        """The engine a request's shared read session may serve: the plain read engine (a snapshot
        is asked for by name and gets its own session unless the two are one)."""
        return engine if engine.get_execution_options().get("yq_request_read") else None

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


def close_read_session(_exc=None) -> None:
    """End the request's read-only session (``UowFactory.reader`` in a GET)."""
    session = g.pop("yq_read_session", None) if has_request_context() else None
    if session is not None:
        session.close()
