"""Database guards: triggers that make the ledger's tables refuse what the ledger never does.

The hash chain lets ``verify`` find tampering after the fact; these triggers refuse it at the door,
for every client of the database and not only for this application:

- journals, postings, chain entries and period closes are append-only (no UPDATE, DELETE, TRUNCATE);
- an account is never deleted and only its ``balance`` (a cache of its postings) ever changes;
- a reservation is never deleted, what it holds never changes, and it leaves ``pending`` once;
- the head row is never deleted and never moves backwards;
- a posting joins only a journal being written now (numbered past the head's ``journal_seq``), never
  a journal already written, not even as a pair that sums to zero, and names a journal and an
  account that exist: the foreign keys' work, which this guard does instead (PostgreSQL checks each
  INSERT or COPY statement's new postings at once, from its transition table: three set-based
  checks per statement rather than a function call and three lookups per posting; the statement is
  refused all the same);
- PostgreSQL only: at COMMIT, every journal written in the transaction has two or more postings
  summing to zero (a deferred constraint trigger, so postings may follow their journal).

Someone who may drop triggers can still tamper; the chain and the anchors outside the database are
for that. Alembic does not compare triggers, so the migration calls ``install`` and tests call
``remove`` to tamper on purpose. SQLite drops a table's triggers when a migration rebuilds the table:
a later migration that rebuilds a ledger table must call ``install`` again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa

APPEND_ONLY = ("ledger_journal", "ledger_posting", "ledger_chain", "ledger_period")
GUARDED = APPEND_ONLY + ("ledger_account", "ledger_reservation", "ledger_head")

# Columns fixed once a row exists (an account's balance and a reservation's outcome are not among them).
_ACCOUNT_FIXED = ("id", "code", "name", "no_negative", "created_at")
_RESERVATION_FIXED = ("id", "key", "source_account_id", "hold_account_id", "amount", "open_journal_id", "created_at")


# ``post_batch`` inserts journals and their postings before it moves the head past them.
_OLD_JOURNAL = "NEW.journal_id <= (SELECT journal_seq FROM ledger_head WHERE id = 1)"
# SQLite's row trigger: a posting for a journal already written, or for a journal or an account
# that does not exist (postings have no foreign keys: ``ledger.models``).
_BAD_POSTING = (_OLD_JOURNAL + " OR NOT EXISTS (SELECT 1 FROM ledger_journal WHERE id = NEW.journal_id)"
                " OR NOT EXISTS (SELECT 1 FROM ledger_account WHERE id = NEW.account_id)")


def _changed(columns, differs: str) -> str:
    return "(" + " OR ".join(f"NEW.{c} {differs} OLD.{c}" for c in columns) + ")"


@dataclass(frozen=True)
class _Guard:
    name: str
    table: str
    event: str  # INSERT, UPDATE or DELETE
    message: str
    # Refuse only the rows matching this condition; given the dialect's NULL-safe "differs" operator.
    when: Callable[[str], str] | None = None


def _guards() -> list[_Guard]:
    out = [_Guard(f"{table}_no_{event.lower()}", table, event, f"{table} is append-only")
           for table in APPEND_ONLY for event in ("UPDATE", "DELETE")]
    out += [_Guard(f"{table}_no_delete", table, "DELETE", f"{table} rows are never deleted")
            for table in ("ledger_account", "ledger_reservation", "ledger_head")]
    out.append(_Guard("ledger_account_only_balance", "ledger_account", "UPDATE", "only an account balance may change",
                      lambda ne: _changed(_ACCOUNT_FIXED, ne)))
    out.append(_Guard("ledger_reservation_closes_once", "ledger_reservation", "UPDATE",
                      "a reservation keeps what it holds and leaves pending once",
                      lambda ne: "OLD.status <> 'pending' OR NEW.status = 'pending' OR "
                                 + _changed(_RESERVATION_FIXED, ne)))
    out.append(_Guard("ledger_posting_joins_new_journals", "ledger_posting", "INSERT",
                      "a posting joins only a new journal that exists, on an account that exists",
                      lambda ne: _BAD_POSTING))
    out.append(_Guard("ledger_head_forward_only", "ledger_head", "UPDATE", "the ledger head never moves back",
                      lambda ne: f"NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash {ne} OLD.hash)"
                                 " OR NEW.journal_seq < OLD.journal_seq OR NEW.posting_seq < OLD.posting_seq"
                                 f" OR NEW.id {ne} OLD.id"))
    return out


def _sqlite_ddl() -> list[str]:
    ddl = []
    for g in _guards():
        when = g.when("IS NOT") if g.when else None
        ddl.append(f"CREATE TRIGGER {g.name} BEFORE {g.event} ON {g.table} FOR EACH ROW"
                   + (f" WHEN {when}" if when else "")
                   + f" BEGIN SELECT RAISE(ABORT, 'ledger guard: {g.message}'); END")
    return ddl


_PG_FUNCTIONS = [
    # class 23 (integrity constraint violation): drivers raise it as an IntegrityError, as SQLite's RAISE(ABORT)
    """CREATE OR REPLACE FUNCTION ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger guard: % (% on %)', TG_ARGV[0], TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END $$""",
    # a trigger's WHEN cannot hold a subquery on PostgreSQL: the condition moves into the function
    # checks per statement over its new postings (the transition table new_postings); the head has
    # not moved past the journals being written yet (``post_batch`` moves it last). The journal and
    # the account must exist: postings have no foreign keys, whose checks run once per row.
    """CREATE OR REPLACE FUNCTION ledger_posting_joins_new_journals() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        bad bigint;
    BEGIN
        SELECT min(journal_id) INTO bad FROM new_postings
        WHERE journal_id <= (SELECT journal_seq FROM ledger_head WHERE id = 1);
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'ledger guard: a posting cannot join journal %, already written', bad
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        SELECT min(p.journal_id) INTO bad FROM new_postings p
        WHERE NOT EXISTS (SELECT 1 FROM ledger_journal j WHERE j.id = p.journal_id);
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'ledger guard: a posting names journal %, which does not exist', bad
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        SELECT min(p.account_id) INTO bad FROM new_postings p
        WHERE NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = p.account_id);
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'ledger guard: a posting names account %, which does not exist', bad
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION ledger_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        n integer;
        total numeric;
    BEGIN
        SELECT count(*), coalesce(sum(amount), 0) INTO n, total FROM ledger_posting WHERE journal_id = NEW.id;
        IF n < 2 OR total <> 0 THEN
            RAISE EXCEPTION 'ledger guard: journal % has % posting(s) summing to % fen; it needs two or more '
                'summing to zero', NEW.id, n, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$""",
]
# Checked at COMMIT, when all of a journal's postings are in. A posting for an older journal never
# gets that far (ledger_posting_joins_new_journals), so checking each new journal covers them all.
_PG_BALANCED = ("ledger_journal_balanced", "ledger_journal")
_PG_FUNCTIONS_NAMES = ("ledger_refuse()", "ledger_posting_joins_new_journals()", "ledger_journal_balanced()")


def _pg_ddl() -> list[str]:
    ddl = list(_PG_FUNCTIONS)
    for g in _guards():
        if g.event == "INSERT":  # its condition reads a table: the function of the same name holds it
            ddl.append(f"CREATE TRIGGER {g.name} AFTER INSERT ON {g.table} REFERENCING NEW TABLE AS new_postings"
                       f" FOR EACH STATEMENT EXECUTE FUNCTION {g.name}()")
            continue
        when = g.when("IS DISTINCT FROM") if g.when else None
        ddl.append(f"CREATE TRIGGER {g.name} BEFORE {g.event} ON {g.table} FOR EACH ROW"
                   + (f" WHEN ({when})" if when else "")
                   + f" EXECUTE FUNCTION ledger_refuse('{g.message}')")
    for table in GUARDED:
        ddl.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"
                   f" EXECUTE FUNCTION ledger_refuse('{table} is never truncated')")
    name, table = _PG_BALANCED
    ddl.append(f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT ON {table} DEFERRABLE INITIALLY DEFERRED"
               " FOR EACH ROW EXECUTE FUNCTION ledger_journal_balanced()")
    return ddl


def trigger_names(dialect: str) -> list[tuple[str, str]]:
    """(trigger, table) for every guard on this dialect."""
    names = [(g.name, g.table) for g in _guards()]
    if dialect == "postgresql":
        names += [(f"{t}_no_truncate", t) for t in GUARDED] + [_PG_BALANCED]
    return names


def install(connection) -> None:
    """Create (or re-create) every guard, in the caller's transaction."""
    remove(connection)
    for statement in (_pg_ddl() if connection.dialect.name == "postgresql" else _sqlite_ddl()):
        connection.execute(sa.text(statement))  # text(): the driver must not read RAISE's % as placeholders


def remove(connection) -> None:
    """Drop every guard (for a migration that must rewrite ledger rows, and for tamper tests)."""
    pg = connection.dialect.name == "postgresql"
    for name, table in trigger_names(connection.dialect.name):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}" if pg
                                   else f"DROP TRIGGER IF EXISTS {name}")
    if pg:
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS " + ", ".join(_PG_FUNCTIONS_NAMES))


def missing(connection) -> list[str]:
    """Guards that should be installed and are not (empty when all are in place)."""
    if connection.dialect.name == "postgresql":
        present = set(connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
    else:
        present = set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
    return [name for name, _ in trigger_names(connection.dialect.name) if name not in present]
