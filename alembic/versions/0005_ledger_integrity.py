"""ledger integrity: one hash chain over everything the ledger asserts, database guards

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00

Upgrading first checks the old journal-only chain (and refuses to go on if it is broken: re-chaining
a tampered ledger would bless the tampering), then builds one chain entry per existing account,
journal, reservation opening and outcome and period close, in this order: every account, then each
journal followed by the reservations it opened and closed, with each period close placed after the
journals created before it. The old chain formulas are copied here, frozen, for that check and for the
downgrade.
"""
import hashlib

from alembic import op
import sqlalchemy as sa
import sqlmodel

from ledger import guards, rules

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
CHUNK = 5000

account = sa.table("ledger_account", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("no_negative"),
                   sa.column("balance"), sa.column("created_at", sa.DateTime(timezone=True)))
journal = sa.table("ledger_journal", sa.column("id"), sa.column("key"), sa.column("kind"),
                   sa.column("effective_date", sa.Date()), sa.column("memo"), sa.column("ref"),
                   sa.column("reverses_id"), sa.column("content_hash"), sa.column("prev_hash"), sa.column("hash"),
                   sa.column("created_at", sa.DateTime(timezone=True)))
posting = sa.table("ledger_posting", sa.column("id"), sa.column("journal_id"), sa.column("idx"),
                   sa.column("account_id"), sa.column("amount"))
head = sa.table("ledger_head", sa.column("id"), sa.column("seq"), sa.column("hash"), sa.column("journal_seq"),
                sa.column("posting_seq"))
period = sa.table("ledger_period", sa.column("month"), sa.column("closed_at", sa.DateTime(timezone=True)),
                  sa.column("closed_by"), sa.column("head_seq"), sa.column("head_hash"))
reservation = sa.table("ledger_reservation", sa.column("id"), sa.column("key"), sa.column("source_account_id"),
                       sa.column("hold_account_id"), sa.column("amount"), sa.column("status"),
                       sa.column("posted_amount"), sa.column("open_journal_id"), sa.column("close_journal_id"),
                       sa.column("created_at", sa.DateTime(timezone=True)))
chain = sa.table("ledger_chain", sa.column("seq"), sa.column("entry_type"), sa.column("subject"),
                 sa.column("content_hash"), sa.column("prev_hash"), sa.column("hash"))


def _old_content_hash(kind, effective_date, memo, ref, reverses, legs):
    body = "\x1f".join((kind, effective_date.isoformat(), memo or "", ref or "",
                        "" if reverses is None else str(reverses),
                        "\x1e".join(f"{code}\x1d{amount}" for code, amount in legs)))
    return hashlib.sha256(body.encode()).hexdigest()


def _old_chain_hash(prev_hash, seq, key, content):
    return hashlib.sha256(f"{prev_hash}\x1f{seq}\x1f{key}\x1f{content}".encode()).hexdigest()


def _journals(bind, *columns):
    """(journal row, its postings in idx order), in id order, a chunk at a time."""
    last = 0
    while True:
        rows = bind.execute(sa.select(*columns).where(journal.c.id > last).order_by(journal.c.id).limit(CHUNK)).all()
        if not rows:
            return
        legs = {}
        for p in bind.execute(sa.select(posting.c.id, posting.c.journal_id, posting.c.idx, posting.c.account_id,
                                        posting.c.amount)
                              .where(posting.c.journal_id > last, posting.c.journal_id <= rows[-1].id)
                              .order_by(posting.c.journal_id, posting.c.idx)):
            legs.setdefault(p.journal_id, []).append(tuple(p))
        for row in rows:
            yield row, legs.get(row.id, [])
        last = rows[-1].id


def _old_chain(bind):
    """Recompute the journal-only chain of revision 0004: (last seq, last hash) or the first problem."""
    codes = dict(bind.execute(sa.select(account.c.id, account.c.code)).all())
    prev, seq = GENESIS, 0
    cols = (journal.c.id, journal.c.key, journal.c.kind, journal.c.effective_date, journal.c.memo, journal.c.ref,
            journal.c.reverses_id, journal.c.content_hash, journal.c.prev_hash, journal.c.hash)
    for row, legs in _journals(bind, *cols):
        seq += 1
        coded = [(codes.get(acc), amount) for _, _, _, acc, amount in legs]
        if (row.id != seq or row.prev_hash != prev or len(legs) < 2 or sum(a for _, a in coded) != 0
                or _old_content_hash(row.kind, row.effective_date, row.memo, row.ref, row.reverses_id,
                                     coded) != row.content_hash
                or _old_chain_hash(prev, seq, row.key, row.content_hash) != row.hash):
            raise RuntimeError(f"the ledger does not verify at journal {seq}; find out why before upgrading "
                               "(re-chaining it would bless whatever changed)")
        prev = row.hash
    found = bind.execute(sa.select(head.c.seq, head.c.hash).where(head.c.id == 1)).first()
    if (found.seq, found.hash) != (seq, prev) if found is not None else seq != 0:
        raise RuntimeError("the ledger head does not match the last journal; find out why before upgrading")


def _build_chain(bind):
    entries, state = [], {"seq": 0, "prev": GENESIS}

    def add(entry_type, subject, content):
        state["seq"] += 1
        digest = rules.chain_hash(state["prev"], state["seq"], entry_type, subject, content)
        entries.append({"seq": state["seq"], "entry_type": entry_type, "subject": subject, "content_hash": content,
                        "prev_hash": state["prev"], "hash": digest})
        state["prev"] = digest
        if len(entries) >= CHUNK:
            bind.execute(chain.insert(), entries)
            entries.clear()

    for a in bind.execute(sa.select(account).order_by(account.c.id)):
        add(rules.ACCOUNT, str(a.id), rules.account_content(a.id, a.code, a.name, a.no_negative, a.created_at))

    periods = sorted(bind.execute(sa.select(period.c.month, period.c.closed_at, period.c.closed_by)),
                     key=lambda p: rules.stamp(p.closed_at))
    period_heads = []

    def close(p):
        period_heads.append({"b_month": p.month, "b_seq": state["seq"], "b_hash": state["prev"]})
        add(rules.PERIOD, p.month, rules.period_content(p.month, p.closed_at, p.closed_by, state["seq"],
                                                        state["prev"]))

    opened, closed = {}, {}
    for r in bind.execute(sa.select(reservation).order_by(reservation.c.id)):
        opened.setdefault(r.open_journal_id, []).append(r)
        if r.close_journal_id is not None:
            closed.setdefault(r.close_journal_id, []).append(r)

    last_journal = last_posting = 0
    cols = (journal.c.id, journal.c.key, journal.c.kind, journal.c.effective_date, journal.c.memo, journal.c.ref,
            journal.c.reverses_id, journal.c.content_hash, journal.c.created_at)
    for j, legs in _journals(bind, *cols):
        while periods and rules.stamp(periods[0].closed_at) < rules.stamp(j.created_at):
            close(periods.pop(0))
        add(rules.JOURNAL, str(j.id), rules.journal_content(j.id, j.key, j.kind, j.effective_date, j.memo, j.ref,
                                                            j.reverses_id, j.content_hash, j.created_at, legs))
        for r in opened.pop(j.id, ()):
            add(rules.RESERVATION_OPEN, str(r.id), rules.reservation_open_content(
                r.id, r.key, r.source_account_id, r.hold_account_id, r.amount, r.open_journal_id, r.created_at))
        for r in closed.pop(j.id, ()):
            add(rules.RESERVATION_CLOSE, str(r.id),
                rules.reservation_close_content(r.id, r.status, r.posted_amount, r.close_journal_id))
        last_journal = j.id
        last_posting = max([last_posting] + [p[0] for p in legs])
    for p in periods:
        close(p)
    if entries:
        bind.execute(chain.insert(), entries)

    if period_heads:
        bind.execute(period.update().where(period.c.month == sa.bindparam("b_month"))
                     .values(head_seq=sa.bindparam("b_seq"), head_hash=sa.bindparam("b_hash")), period_heads)
    values = {"seq": state["seq"], "hash": state["prev"], "journal_seq": last_journal, "posting_seq": last_posting}
    if bind.execute(sa.select(head.c.id).where(head.c.id == 1)).first():
        bind.execute(head.update().where(head.c.id == 1).values(**values))
    else:
        bind.execute(head.insert().values(id=1, **values))


def upgrade():
    bind = op.get_bind()
    _old_chain(bind)

    op.create_table('ledger_chain',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('entry_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.CheckConstraint("entry_type IN ('account', 'journal', 'period', 'reservation_open', 'reservation_close')",
                       name=op.f('ck_ledger_chain_entry_type_known')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger_chain')),
    sa.UniqueConstraint('entry_type', 'subject', name=op.f('uq_ledger_chain_entry_type_subject'))
    )
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('journal_seq', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('posting_seq', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.alter_column('journal_seq', existing_type=sa.BigInteger(), server_default=None)
        batch_op.alter_column('posting_seq', existing_type=sa.BigInteger(), server_default=None)
    with op.batch_alter_table('ledger_period', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('head_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    with op.batch_alter_table('ledger_journal', schema=None) as batch_op:
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('hash')
    with op.batch_alter_table('ledger_posting', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_ledger_posting_amount_nonzero'), 'amount <> 0')
    if bind.dialect.name == "postgresql":
        # posting ids now come from ledger_head.posting_seq, so that a posting is hashed before it is written
        op.execute("ALTER TABLE ledger_posting ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS ledger_posting_id_seq")
    with op.batch_alter_table('ledger_reservation', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_ledger_reservation_amount_positive'), 'amount > 0')
        batch_op.create_check_constraint(op.f('ck_ledger_reservation_status_known'),
                                         "status IN ('pending', 'posted', 'voided')")
        batch_op.create_check_constraint(op.f('ck_ledger_reservation_posted_within_amount'),
                                         'posted_amount >= 0 AND posted_amount <= amount')

    _build_chain(bind)
    with op.batch_alter_table('ledger_period', schema=None) as batch_op:
        batch_op.alter_column('head_seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('head_hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
    guards.install(bind)


def downgrade():
    bind = op.get_bind()
    guards.remove(bind)
    with op.batch_alter_table('ledger_journal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    # the journal-only chain of revision 0004, recomputed from the rows
    prev, seq, links = GENESIS, 0, []
    cols = (journal.c.id, journal.c.key, journal.c.content_hash)
    for j, _ in _journals(bind, *cols):
        seq += 1
        digest = _old_chain_hash(prev, seq, j.key, j.content_hash)
        links.append({"b_id": j.id, "b_prev": prev, "b_hash": digest})
        prev = digest
        if len(links) >= CHUNK:
            _link(bind, links)
    _link(bind, links)
    with op.batch_alter_table('ledger_journal', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
    bind.execute(head.update().where(head.c.id == 1).values(seq=seq, hash=prev))
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.drop_column('posting_seq')
        batch_op.drop_column('journal_seq')
    with op.batch_alter_table('ledger_period', schema=None) as batch_op:
        batch_op.drop_column('head_hash')
        batch_op.drop_column('head_seq')
    with op.batch_alter_table('ledger_reservation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_reservation_posted_within_amount'), type_='check')
        batch_op.drop_constraint(op.f('ck_ledger_reservation_status_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_ledger_reservation_amount_positive'), type_='check')
    with op.batch_alter_table('ledger_posting', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_posting_amount_nonzero'), type_='check')
    if bind.dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE ledger_posting_id_seq OWNED BY ledger_posting.id")
        op.execute("SELECT setval('ledger_posting_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM ledger_posting), false)")
        op.execute("ALTER TABLE ledger_posting ALTER COLUMN id SET DEFAULT nextval('ledger_posting_id_seq')")
    op.drop_table('ledger_chain')


def _link(bind, links):
    if links:
        bind.execute(journal.update().where(journal.c.id == sa.bindparam("b_id"))
                     .values(prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash")), links)
        links.clear()
