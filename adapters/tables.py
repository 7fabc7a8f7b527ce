"""Shared table conventions: constraint names Alembic can rely on, money columns, UTC stamps."""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Field, SQLModel

from kernel import clock

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def fen_field(*, nullable: bool = False, default: int | None = None, index: bool = False):
    """An integer-fen money column (BIGINT: budgets exceed 2^31 fen)."""
    return Field(default=default, sa_column=sa.Column(sa.BigInteger, nullable=nullable, index=index))


def stamp_field():
    return Field(default_factory=clock.now, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every stamp we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def rfc3339(value: dt.datetime | None) -> str | None:
    value = utc(value)
    return None if value is None else value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


class next_id(sa.sql.expression.ColumnElement):
    """SQL: the id the next row of ``table`` will get, drawn now, so that rows that name it (a
    ledger key) can be written before the row itself, which is then inserted once, complete.
    PostgreSQL: ``nextval`` of the id's sequence (a drawn id is never given again). SQLite: one more
    than the largest id, which is what SQLite would give: valid only for a writer, which holds
    the database's write lock (``BEGIN IMMEDIATE``) until it commits."""
    type = sa.Integer()
    inherit_cache = True
    _traverse_internals = [("table_name", InternalTraversal.dp_string)]

    def __init__(self, table: sa.Table):
        self.table_name = table.name


@compiles(next_id, "postgresql")
def _next_id_pg(element, compiler, **kw):
    return f"nextval(pg_get_serial_sequence('{element.table_name}', 'id'))"


@compiles(next_id, "sqlite")
def _next_id_sqlite(element, compiler, **kw):
    return f"(SELECT coalesce(max(id), 0) + 1 FROM {element.table_name})"


class json_text(sa.sql.expression.ColumnElement):
    """SQL: the text of a top-level key of JSON stored as text (NULL when absent)."""
    type = sa.String()
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement), ("key", InternalTraversal.dp_string)]

    def __init__(self, column, key: str):
        if not key.isidentifier():
            raise ValueError(f"not a plain JSON key: {key!r}")
        self.column, self.key = column, key


@compiles(json_text, "postgresql")
def _json_text_pg(element, compiler, **kw):
    return f"(CAST({compiler.process(element.column, **kw)} AS JSON) ->> '{element.key}')"


@compiles(json_text, "sqlite")
def _json_text_sqlite(element, compiler, **kw):
    return f"json_extract({compiler.process(element.column, **kw)}, '$.{element.key}')"


class _ArrayText(str):
    """PostgreSQL's text form of an array, sent as a parameter of the array's type (``oid``)."""
    oid = 0


class _BigintArray(_ArrayText):
    oid = 1016  # bigint[]


class _TextArray(_ArrayText):
    oid = 1009  # text[]


class _DateArray(_ArrayText):
    oid = 1182  # date[]


def _register_array_dumpers() -> None:
    """The driver sends an ``_ArrayText`` as it is, declared as its array type: the server parses it
    as it would a typed array parameter and plans with its values, as it does for one the driver
    adapted itself. (A text parameter cast to an array in SQL is not folded to a constant, so the
    planner cannot see the values and picks a scan.)"""
    try:
        import psycopg
        from psycopg.adapt import Dumper
    except ImportError:  # SQLite only: no array parameters
        return
    for cls in (_BigintArray, _TextArray, _DateArray):
        dumper = type(f"{cls.__name__}Dumper", (Dumper,), {"oid": cls.oid, "dump": lambda self, obj: obj.encode()})
        psycopg.adapters.register_dumper(cls, dumper)


_register_array_dumpers()


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_param(values: Sequence) -> list | _ArrayText:
    """An array parameter for PostgreSQL: ints, strings or dates (``None`` is ``NULL``) go as the
    array's text (``{1,2,3}``, ``{"a","b"}``) declared with the array's type; anything else as a
    list, which the driver adapts itself. The driver's own adaptation works element by element in
    Python and costs about five times as much, which shows when a statement import sends arrays
    of 100,000 values."""
    values = list(values)
    if all(type(v) is int for v in values):
        return _BigintArray("{" + ",".join(map(str, values)) + "}")
    if all(v is None or type(v) is str for v in values):
        return _TextArray("{" + ",".join(["NULL" if v is None else _quoted(v) for v in values]) + "}")
    if all(v is None or type(v) is dt.date for v in values):
        return _DateArray("{" + ",".join(["NULL" if v is None else v.isoformat() for v in values]) + "}")
    return values


class _Array(sa.types.UserDefinedType):
    """The type of an ``array_param`` in a SQLAlchemy statement: passed to the driver untouched
    (SQLAlchemy's ARRAY would take the text apart as a list of characters)."""
    cache_ok = True

    def get_col_spec(self, **kw):
        return "ARRAY"

    def bind_processor(self, dialect):
        return None


def one_of(s, column, values: list):
    """``column IN values`` that stays an index lookup on PostgreSQL: a single array parameter
    (``= ANY(:values)``) rather than hundreds of scalar ones, whose generic prepared plan
    degrades to a sequential scan comparing every row with every value."""
    if s.get_bind().dialect.name == "postgresql":
        param = array_param(values)
        if isinstance(param, _ArrayText):
            # cast to the column's own array type: ``int4 = ANY(bigint[])`` compares across types,
            # and on a table without statistics yet the planner then prefers another index and
            # reads thousands of rows per statement
            return column == sa.func.any(sa.cast(sa.bindparam(None, param, type_=_Array()), ARRAY(column.type)))
        return column == sa.func.any(sa.bindparam(None, param, type_=ARRAY(column.type)))
    return column.in_(values)


def _time_as_text_dumper():
    try:
        from psycopg.adapt import Dumper
    except ImportError:  # SQLite only
        return None

    class TimeAsText(Dumper):
        """A date or a time in a COPY, as ISO 8601 text that the column's type reads (as it reads the
        driver's own text), formatted once for a run of the same value: the driver's dumpers take
        1–2 µs a value, the time zone worked out every time, and a batch's rows share a few values
        (one timestamp for all the journals of a batch, one value date for most lines of a
        statement). Dates are remembered by value; a time only while the same object repeats (two
        equal times in different zones are one instant but not one text)."""

        def __init__(self, cls, context=None):
            super().__init__(cls, context)
            self._last = self._last_text = None
            self._dates: dict[dt.date, bytes] = {}

        def dump(self, obj):
            if obj is self._last:
                return self._last_text
            if type(obj) is dt.date:
                text = self._dates.get(obj)
                if text is None:
                    text = self._dates[obj] = obj.isoformat().encode()
            else:
                text = obj.isoformat().encode()
            self._last, self._last_text = obj, text
            return text

    return TimeAsText


_TimeAsText = _time_as_text_dumper()

# Up to this many rows, ``insert_rows`` on PostgreSQL sends one INSERT rather than a COPY.
FEW_ROWS = 20


def insert_rows(s, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Many rows into ``table`` in the session's transaction, straight to the driver: COPY on
    PostgreSQL (an INSERT per row is a statement each; up to ``FEW_ROWS``, one INSERT of them
    all), the driver's executemany on SQLite, the values converted by their column types exactly as
    SQLAlchemy converts them. ``rows`` are tuples in the order of ``columns`` (no dict per row: a
    bulk path writes hundreds of thousands)."""
    if not rows:
        return
    conn = s.connection()
    if conn.dialect.name == "postgresql" and len(rows) <= FEW_ROWS:
        # A COPY is two round trips (the command, then the data); a few rows go in one INSERT.
        row_sql = f"({', '.join(['%s'] * len(columns))})"
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
                             + ", ".join([row_sql] * len(rows)), tuple(v for row in rows for v in row))
        return
    if conn.dialect.name == "postgresql":
        with conn.connection.dbapi_connection.cursor() as cursor:
            for cls in (dt.date, dt.datetime):
                cursor.adapters.register_dumper(cls, _TimeAsText)
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        return
    convert = [table.c[c].type.bind_processor(conn.dialect) for c in columns]
    if any(convert):
        rows = [tuple(v if f is None else f(v) for v, f in zip(row, convert)) for row in rows]
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})",
                         rows)


def update_rows(s, table: sa.Table, rows: list[dict], *, key: str = "id", fixed: dict | None = None) -> None:
    """Set columns of many rows, each to its own values: ``rows`` are dicts of ``key`` and the
    columns to set (the same columns in each), ``fixed`` columns get one value for all. PostgreSQL:
    one ``UPDATE … FROM (VALUES …)`` whose rows come as one array per column (``unnest``: a short
    statement with one parameter per column, however many rows) and the keys' range; SQLite: the
    driver's executemany (in process, no round trips to save)."""
    if not rows:
        return
    fixed = fixed or {}
    columns = [c for c in rows[0] if c != key]
    conn = s.connection()
    dialect = conn.dialect
    convert = [(c, table.c[c].type.bind_processor(dialect)) for c in [key, *columns]]
    const = {c: (table.c[c].type.bind_processor(dialect) or (lambda v: v))(v) for c, v in fixed.items()}
    if dialect.name == "postgresql":
        names = [key, *columns]
        types = {c: table.c[c].type.compile(dialect=dialect) for c in names}
        sets = [f"{c} = v.{c}" for c in columns] + [f"{c} = %s" for c in const]
        sql = (f"UPDATE {table.name} SET {', '.join(sets)} FROM unnest("
               f"{', '.join(f'%s::{types[c]}[]' for c in names)}) AS v ({', '.join(names)}) "
               f"WHERE {table.name}.{key} = v.{key} "
               f"AND {table.name}.{key} BETWEEN %s::{types[key]} AND %s::{types[key]}")
        arrays = [[row[c] if f is None else f(row[c]) for row in rows] for c, f in convert]
        # The range repeats what the join says; it lets the planner reach rows that lie close
        # together (a statement's lines follow their batch) through the key's index, where the
        # join alone scans the whole table once per call.
        conn.exec_driver_sql(sql, (*const.values(), *map(array_param, arrays), min(arrays[0]), max(arrays[0])))
        return
    sets = [f"{c} = ?" for c in columns] + [f"{c} = ?" for c in const]
    values = [tuple([*(row[c] if f is None else f(row[c]) for c, f in convert[1:]), *const.values(),
                     row[key] if convert[0][1] is None else convert[0][1](row[key])]) for row in rows]
    conn.exec_driver_sql(f"UPDATE {table.name} SET {', '.join(sets)} WHERE {key} = ?", values)


class _Rare(sa.sql.expression.ColumnElement):
    inherit_cache = True
    # the condition is part of the statement's cache key (without this, two rare() conditions
    # would share one compiled form)
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement)]
    type = sa.types.NullType()  # not Boolean: SQLite would get "… = 1", which no index serves

    def __init__(self, condition):
        self.condition = condition


@compiles(_Rare)
def _rare_default(element, compiler, **kw):
    return compiler.process(element.condition, **kw)


@compiles(_Rare, "sqlite")
def _rare_sqlite(element, compiler, **kw):
    return f"likelihood({compiler.process(element.condition, **kw)}, 0.001)"


def rare(condition):
    """A condition few rows meet (vouchers waiting, vouchers past their window). SQLite's planner,
    once ANALYZE has run, knows only the average rows per index prefix: in a scheme whose vouchers
    all share one status it would scan the table rather than use the index. ``likelihood`` tells
    it the truth; PostgreSQL has per-value statistics and gets the condition as it is."""
    return _Rare(condition)


def locked(query):
    """``SELECT … FOR UPDATE`` that also refreshes rows the session already holds: without
    ``populate_existing`` the ORM would hand back the copy read before the lock was granted."""
    return query.with_for_update().execution_options(populate_existing=True)


def fetch(session, model, row_id: int, *, lock: bool = False, missing: type | None = None, what: str | None = None):
    """The row of ``model`` with this id (locked ``FOR UPDATE`` if asked), or ``missing`` (a
    NotFound subclass) naming it."""
    from sqlmodel import select

    from kernel.errors import NotFound
    q = select(model).where(model.id == row_id)
    if lock:
        q = locked(q)
    row = session.exec(q).first()
    if row is None:
        name = what or model.__tablename__
        raise (missing or NotFound)(f"{name} {row_id} not found", details={f"{name}_id": row_id})
    return row


def party_page(session, model, *, actor, after: int, limit: int, where=(), **equal) -> list:
    """A page of ``model`` rows (which have ``enterprise_id`` and ``provider_id``) after id ``after``:
    staff see all, an organisation what it is a party to; filtered by the non-empty ``equal`` values
    and any further conditions in ``where``."""
    from sqlmodel import select
    q = select(model).where(model.id > after, *where).order_by(model.id).limit(limit)
    if not actor.is_staff:
        q = q.where(sa.or_(model.enterprise_id == actor.org_id, model.provider_id == actor.org_id))
    for column, value in equal.items():
        if value:
            q = q.where(getattr(model, column) == value)
    return list(session.exec(q))


__all__ = ["SQLModel", "Field", "fen_field", "stamp_field", "utc", "rfc3339", "fetch", "locked", "one_of",
           "party_page", "insert_rows", "update_rows", "rare"]
