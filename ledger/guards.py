"""Database guards: triggers that make the ledger's tables refuse what the ledger never does.

The hash chain lets ``verify`` find tampering after the fact; these triggers refuse it at the door,
for every client of the database and not only for this application:

- journals, postings, chain entries and period closes are append-only (no UPDATE, DELETE, TRUNCATE);
- an account is never deleted and only its ``balance`` (a cache of its postings) ever changes;
- a reservation is never deleted, what it holds never changes, and it leaves ``pending`` once;
- the head row is never deleted and never moves backwards;
- a journal is written past the head (numbered above its ``journal_seq``) and is published by moving
  the head over it: ``post_batch`` writes journals, then their postings, then moves the head last;
- a posting joins only a journal being written now (numbered past the head's ``journal_seq``), never
  a journal already written, not even as a pair that sums to zero, and names a journal and an
  account that exist: the foreign keys' work, which this guard does instead (PostgreSQL checks each
  INSERT or COPY statement's new postings at once, from its transition table: three set-based
  checks per statement rather than a function call and three lookups per posting; the statement is
  refused all the same);
- the head moves over journals that are whole: each journal it passes has two or more postings
  summing to zero. Postings cannot join a journal once the head has passed it, so a journal checked
  there stays balanced. One set-based check of the journals passed, per move (a batch of thousands);
- PostgreSQL only: at COMMIT, no journal lies past the head, so none escapes that check. A deferred
  constraint trigger on the head does it, queued by every statement that writes journals: one
  lookup per statement, where a check per journal at COMMIT cost about 10 µs a journal (a second
  or two of a 100,000-line bank statement's import).

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
# SQLite's row trigger: a journal numbered at or below the head (it would never be checked), or
# written before the head exists (``ledger.service`` creates the head before the first journal).
_JOURNAL_BELOW_HEAD = ("NOT EXISTS (SELECT 1 FROM ledger_head WHERE id = 1)"
                       " OR NEW.id <= (SELECT journal_seq FROM ledger_head WHERE id = 1)")
# The journals the head passes as it moves from OLD.journal_seq to NEW.journal_seq that are not
# whole: fewer than two postings, or postings that do not sum to zero. Both ranges are spelled
# out so that each side is an index range scan.
_PASSED_NOT_WHOLE = (
    "SELECT j.id, count(p.id) AS n, coalesce(sum(p.amount), 0) AS total FROM ledger_journal j"
    " LEFT JOIN ledger_posting p ON p.journal_id = j.id"
    " AND p.journal_id > OLD.journal_seq AND p.journal_id <= NEW.journal_seq"
    " WHERE j.id > OLD.journal_seq AND j.id <= NEW.journal_seq"
    " GROUP BY j.id HAVING count(p.id) < 2 OR coalesce(sum(p.amount), 0) <> 0")
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
    # PostgreSQL, whose trigger WHEN cannot hold a subquery: the function of the same name holds the
    # condition, called for the rows matching this (INSERT guards instead run once per statement)
    pg_when: str | None = None


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
    out.append(_Guard("ledger_journal_past_head", "ledger_journal", "INSERT",
                      "a journal is numbered past the ledger head", lambda ne: _JOURNAL_BELOW_HEAD))
    out.append(_Guard("ledger_head_passes_whole_journals", "ledger_head", "UPDATE",
                      "the head passes only journals of two or more postings summing to zero",
                      lambda ne: f"NEW.journal_seq > OLD.journal_seq AND EXISTS ({_PASSED_NOT_WHOLE})",
                      pg_when="NEW.journal_seq > OLD.journal_seq"))
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


# The first journal that new postings name and that does not exist. ``OFFSET 0`` keeps the planner
# from turning NOT EXISTS into a join: a hash anti-join reads every journal ever written, once per
# statement (46 ms at 100,000 journals, and growing; a plan cached while the table was small
# keeps doing it), where one index probe per new journal costs the same at any size.
JOURNAL_MISSING = ("SELECT min(p.journal_id) FROM (SELECT DISTINCT journal_id FROM new_postings) p"
                   " WHERE NOT EXISTS (SELECT 1 FROM ledger_journal j WHERE j.id = p.journal_id OFFSET 0)")

# The checks below that read the journals and postings tables run by EXECUTE, planned afresh at
# each call: PL/pgSQL keeps a plan for the session, and one made while those tables were a page
# (a new ledger) scans them, which at 100,000 journals costs seconds per statement.
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
    f"""CREATE OR REPLACE FUNCTION ledger_posting_joins_new_journals() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        bad bigint;
    BEGIN
        SELECT min(journal_id) INTO bad FROM new_postings
        WHERE journal_id <= (SELECT journal_seq FROM ledger_head WHERE id = 1);
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'ledger guard: a posting cannot join journal %, already written', bad
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        EXECUTE $q${JOURNAL_MISSING}$q$ INTO bad;
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
    # statement-level over its new journals (the transition table new_journals); the head must
    # exist (``ledger.service`` creates it before the first journal), or the touch below would
    # queue nothing
    """CREATE OR REPLACE FUNCTION ledger_journal_past_head() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        head_seq bigint;
        bad bigint;
    BEGIN
        SELECT journal_seq INTO head_seq FROM ledger_head WHERE id = 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger guard: a journal needs the ledger head, which does not exist yet'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        SELECT min(id) INTO bad FROM new_journals WHERE id <= head_seq;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'ledger guard: journal % is numbered at or below the ledger head (%)', bad, head_seq
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        -- queues ledger_head_covers_journals for COMMIT: by then the head must have passed them
        UPDATE ledger_head SET seq = seq WHERE id = 1;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION ledger_head_passes_whole_journals() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        bad bigint;
        n bigint;
        total numeric;
    BEGIN
        EXECUTE $q${_PASSED_NOT_WHOLE.replace('OLD.journal_seq', '$1').replace('NEW.journal_seq', '$2')}
            ORDER BY j.id LIMIT 1$q$ INTO bad, n, total USING OLD.journal_seq, NEW.journal_seq;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'ledger guard: journal % has % posting(s) summing to % fen; it needs two or more '
                'summing to zero', bad, n, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE OR REPLACE FUNCTION ledger_head_covers_journals() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        bad bigint;
    BEGIN
        EXECUTE 'SELECT min(id) FROM ledger_journal WHERE id > (SELECT journal_seq FROM ledger_head WHERE id = 1)'
            INTO bad;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'ledger guard: journal % was written but the head never passed it (moving the head '
                'over a journal checks its postings)', bad USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$""",
]
# Checked at COMMIT (deferred; a constraint trigger can only be a row trigger, and the head is one row).
_PG_COVERS = ("ledger_head_covers_journals", "ledger_head")
_PG_FUNCTIONS_NAMES = ("ledger_refuse()", "ledger_posting_joins_new_journals()", "ledger_journal_past_head()",
                       "ledger_head_passes_whole_journals()", "ledger_head_covers_journals()")
_TRANSITION_TABLES = {"ledger_posting": "new_postings", "ledger_journal": "new_journals"}


def _pg_ddl() -> list[str]:
    ddl = list(_PG_FUNCTIONS)
    for g in _guards():
        # a condition that reads a table: the function of the same name holds it
        if g.event == "INSERT":  # once per statement, over its new rows
            ddl.append(f"CREATE TRIGGER {g.name} AFTER INSERT ON {g.table} REFERENCING NEW TABLE AS "
                       f"{_TRANSITION_TABLES[g.table]} FOR EACH STATEMENT EXECUTE FUNCTION {g.name}()")
            continue
        if g.pg_when:
            ddl.append(f"CREATE TRIGGER {g.name} BEFORE {g.event} ON {g.table} FOR EACH ROW"
                       f" WHEN ({g.pg_when}) EXECUTE FUNCTION {g.name}()")
            continue
        when = g.when("IS DISTINCT FROM") if g.when else None
        ddl.append(f"CREATE TRIGGER {g.name} BEFORE {g.event} ON {g.table} FOR EACH ROW"
                   + (f" WHEN ({when})" if when else "")
                   + f" EXECUTE FUNCTION ledger_refuse('{g.message}')")
    for table in GUARDED:
        ddl.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"
                   f" EXECUTE FUNCTION ledger_refuse('{table} is never truncated')")
    name, table = _PG_COVERS
    ddl.append(f"CREATE CONSTRAINT TRIGGER {name} AFTER UPDATE ON {table} DEFERRABLE INITIALLY DEFERRED"
               f" FOR EACH ROW EXECUTE FUNCTION {name}()")
    return ddl


def trigger_names(dialect: str) -> list[tuple[str, str]]:
    """(trigger, table) for every guard on this dialect."""
    names = [(g.name, g.table) for g in _guards()]
    if dialect == "postgresql":
        names += [(f"{t}_no_truncate", t) for t in GUARDED] + [_PG_COVERS]
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
