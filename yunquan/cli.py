"""The ``yunquan`` command: bootstrap, serve, demo data, ledger checks."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def _app_factory():
    from yunquan.app import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app_factory, add_default_commands=False, add_version_option=False)
def main():
    """yunquan 云券: voucher subsidy and financing ledger service."""


def _ext():
    return current_app.extensions["yunquan"]


@main.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the schema (alembic upgrade head)."""
    from yunquan.schema import upgrade
    upgrade(_ext().engine)
    click.echo(f"database ready: {_ext().engine.url.render_as_string(hide_password=True)}")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--role", "role_list", multiple=True, required=True, help="repeat for several roles")
@click.option("--org", "org_id", type=int, default=None, help="organisation id (not for admin)")
@click.option("--password", default=None, help="portal password (at least 10 characters); prefer set-password's prompt")
@with_appcontext
def create_user(username, role_list, org_id, password):
    """Create a user; the API token is printed on the last line."""
    from kernel.errors import DomainError
    from yunquan import users
    roles = [r for item in role_list for r in item.split(",") if r]
    try:
        with _ext().uow_factory() as uow:
            user, token = users.create_user(uow, username=username, roles=roles, org_id=org_id, password=password)
    except DomainError as exc:
        click.echo(f"error {exc.code}: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"user {user.id} {user.username} roles={user.roles}")
    click.echo(token)


@main.command("set-password")
@click.option("--username", required=True)
@click.password_option(help="at least 10 characters (prompted twice when not given)")
@with_appcontext
def set_password(username, password):
    """Set a user's password for the web portal (/login)."""
    from kernel.errors import DomainError
    from yunquan import passwords, users
    try:
        with _ext().uow_factory.reader() as s:
            user_id = users.get_user(s, username=username).id
        with _ext().uow_factory() as uow:
            passwords.set_password(uow, user_id=user_id, password=password)
    except DomainError as exc:
        click.echo(f"error {exc.code}: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"password set for {username}")


@main.command("revoke-token")
@click.option("--username", required=True)
@with_appcontext
def revoke_token(username):
    """Revoke every live API token of a user; their next request answers 401."""
    from kernel.errors import DomainError
    from yunquan import users
    try:
        with _ext().uow_factory.reader() as s:
            user_id = users.get_user(s, username=username).id
        with _ext().uow_factory() as uow:
            count = users.revoke_tokens(uow, user_id=user_id)
    except DomainError as exc:
        click.echo(f"error {exc.code}: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"revoked {count} token(s) of {username}")


@main.command("issue-token")
@click.option("--username", required=True)
@with_appcontext
def issue_token(username):
    """Issue a further API token for a user; it is printed on the last line."""
    from kernel.errors import DomainError
    from yunquan import users
    try:
        with _ext().uow_factory.reader() as s:
            user_id = users.get_user(s, username=username).id
        with _ext().uow_factory() as uow:
            token = users.issue_token(uow, user_id=user_id)
    except DomainError as exc:
        click.echo(f"error {exc.code}: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"new token for {username}")
    click.echo(token)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
@click.option("--workers", default=2, type=int, show_default=True, help="gunicorn worker processes")
def serve(host, port, workers):
    """Run the service under gunicorn."""
    from yunquan.server import run
    run(host=host, port=port, workers=workers)


@main.group("ledger")
def ledger_group():
    """Ledger: verify, anchor, trial balance, period close, export."""


@ledger_group.command("verify")
@with_appcontext
def ledger_verify():
    """Recompute the hash chain and balances and check every anchored head is still in the chain;
    exit 1 if anything does not match."""
    from adapters.tables import rfc3339
    from ledger import service
    factory = _ext().uow_factory
    with factory.snapshot() as s:
        r = service.verify(s, anchors=factory.anchors)
    click.echo(f"journals: {r.journals}")
    click.echo(f"head_hash: {r.head_hash}")
    click.echo(f"anchors_checked: {r.anchors_checked} ({factory.anchors or 'no anchors file'})")
    click.echo(f"checked_at: {rfc3339(r.checked_at)}")
    if r.ok:
        click.echo("ok: ledger intact")
        return
    click.echo(f"first_bad_journal: {r.first_bad_journal}")
    click.echo(f"problem: {r.problem}")
    if r.bad_accounts:
        click.echo(f"bad_accounts: {', '.join(r.bad_accounts)}")
    if r.bad_reservations:
        click.echo(f"bad_reservations: {', '.join(map(str, r.bad_reservations))}")
    click.echo("FAILED: ledger does not verify")
    sys.exit(1)


@ledger_group.command("anchor")
@with_appcontext
def ledger_anchor():
    """Append the committed ledger head to the anchors file (YUNQUAN_LEDGER_ANCHORS) and print it."""
    import json
    from ledger import service
    factory = _ext().uow_factory
    if not factory.anchors:
        click.echo("error: no anchors file configured (YUNQUAN_LEDGER_ANCHORS)", err=True)
        sys.exit(2)
    with factory.reader() as s:
        record = service.anchor(s, factory.anchors)
    click.echo(json.dumps(record))


@ledger_group.command("trial-balance")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
def ledger_trial_balance(as_of):
    """Print every account's balance (debit positive, credit negative), the totals, the chain head and
    the head the latest closed period closed on."""
    from kernel.money import format_fen
    from ledger import naming, service
    with _ext().uow_factory.snapshot() as s:
        tb = service.trial_balance(s, as_of=as_of.date() if as_of else None)
        zh = naming.chinese_names(s, [code for code, *_ in tb.rows])
    for code, name, bal in tb.rows:
        click.echo(f"{code:<48} {format_fen(bal):>18}  {zh.get(code, name)}")
    click.echo(f"{'total debit':<48} {format_fen(tb.total_debit):>18}")
    click.echo(f"{'total credit':<48} {format_fen(tb.total_credit):>18}")
    click.echo("balanced" if tb.balanced else "NOT BALANCED")
    click.echo(f"head_hash: {tb.head_hash}")
    if tb.closed_period:
        click.echo(f"closed_period: {tb.closed_period.month} head_hash: {tb.closed_period.head_hash}")
    else:
        click.echo("closed_period: none")


@ledger_group.command("close-period")
@click.argument("month")
@click.option("--by", "closed_by", default="cli", show_default=True)
@with_appcontext
def ledger_close_period(month, closed_by):
    """Close a month (YYYY-MM): nothing can be posted into it afterwards."""
    from kernel.errors import DomainError
    from ledger import service
    try:
        _ext().uow_factory.run(lambda u: service.close_period(u, month=month, closed_by=closed_by))
    except DomainError as exc:
        click.echo(f"error {exc.code}: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"period {month} closed")


@ledger_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["beancount"]), default="beancount", show_default=True)
@click.option("--out", "out", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="the file to write; - for standard output")
@with_appcontext
def ledger_export(fmt, out):
    """The whole ledger as a Beancount file (bean-check and Fava read it): an open per account, one
    transaction per journal with its id, key and hash, a balance assertion per account."""
    from reports import service as reports
    with _ext().uow_factory.snapshot() as s:
        _write(out, reports.beancount_lines(s))
    if out != "-":
        click.echo(f"ledger written to {out}", err=True)


# Every option any report takes (reports.service.REPORTS names which report takes which).
_REPORT_OPTIONS = [
    ("claim", int, "settlement: the claim"),
    ("batch", int, "payout-batch: the batch"),
    ("statement", int, "reconciliation: the imported bank statement"),
    ("scheme", int, "publicity: one scheme only"),
    ("as-of", "date", "trial-balance: balances at the end of this day (YYYY-MM-DD)"),
    ("account", str, "account-statement: the ledger account code, e.g. scheme:1:available"),
    ("from", "date", "account-statement: the first day (YYYY-MM-DD)"),
    ("to", "date", "account-statement: the last day (YYYY-MM-DD)"),
    ("provider", int, "products: one provider's products"),
    ("cluster", int, "products: the products of a pilot's alliance"),
    ("application", int, "pilot-application: the application (申报书)"),
]


def _report_options(fn):
    for flag, kind, help_text in reversed(_REPORT_OPTIONS):
        ctype = click.DateTime(formats=["%Y-%m-%d"]) if kind == "date" else kind
        fn = click.option(f"--{flag}", "opt_" + flag.replace("-", "_"), type=ctype, default=None, help=help_text)(fn)
    return fn


@main.command("report")
@click.argument("name")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="the file to write; - for standard output")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), default=None,
              help="default: the extension of --out, else pdf")
@_report_options
@with_appcontext
def report(name, out, fmt, **given):
    """Write the report NAME to a file: settlement, payout-batch, reconciliation, publicity,
    trial-balance, account-statement, products (the Annex 5 table). The ledger as Beancount:
    ``yunquan ledger export --format beancount``."""
    import datetime as dt
    from pathlib import Path

    from kernel import clock
    from kernel.errors import DomainError, ValidationError
    from reports import service as reports
    fmt = fmt or (Path(out).suffix.lstrip(".").lower() if Path(out).suffix.lstrip(".").lower() in reports.FORMATS
                  else "pdf")
    values = {flag: given["opt_" + flag.replace("-", "_")] for flag, _, _ in _REPORT_OPTIONS}
    values = {k: v.date() if isinstance(v, dt.datetime) else v for k, v in values.items()}
    try:
        spec = reports.named(name)
        takes = {o.flag for o in spec.options}
        extra = sorted(k for k, v in values.items() if v is not None and k not in takes)
        if extra:
            raise ValidationError(f"report {name} takes no --{extra[0]}", field=extra[0])
        factory = _ext().uow_factory
        with factory.snapshot() as s:
            doc = spec.run(s, now=clock.now(), anchors=factory.anchors,
                           **{o.name: values[o.flag] for o in spec.options})
            _write(out, reports.render_as(doc, fmt))
    except DomainError as exc:
        click.echo(f"error {exc.code}: {exc.message}", err=True)
        sys.exit(2)
    if out != "-":
        click.echo(f"{spec.title} written to {out}", err=True)


def _write(out: str, chunks) -> None:
    """Write chunks to ``out`` ("-": standard output). A file appears whole or not at all: a report
    that fails half-way leaves no torn file behind."""
    import os
    import tempfile
    if out == "-":
        sys.stdout.flush()
        stream = sys.stdout.buffer
        for chunk in chunks:
            stream.write(chunk)
        stream.flush()
        return
    folder = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".yunquan-report-")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


@main.command("daily")
@click.option("--scheme", "scheme_id", type=int, default=None, help="one scheme only")
@with_appcontext
def daily(scheme_id):
    """The daily job: in every scheme, vouchers past their window expire, publicity that ended is
    stored as payable, returned claims past their window lapse; freed money promotes the waitlist.
    Without --scheme, loans with an instalment unpaid past their default day are stored in default."""
    from schemes import service as schemes
    factory = _ext().uow_factory
    ids = [scheme_id] if scheme_id else _all_schemes(factory)
    for sid in ids:  # one transaction per scheme: never one scheme's lock while waiting for another's
        factory.run(lambda u, sid=sid: schemes.settle(u, scheme_id=sid))
    click.echo(f"settled {len(ids)} scheme(s)")
    if scheme_id is None:
        from financing import loans
        click.echo(f"{loans.mark_defaults(factory)} loan(s) went into default")
    from yunquan.requests import purge_expired
    with factory() as uow:
        purged = purge_expired(uow.session, ttl_hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
        uow.commit()
    click.echo(f"purged {purged} expired Idempotency-Key answer(s)")
    from yunquan.passwords import purge_attempts
    with factory() as uow:
        old = purge_attempts(uow.session)
        uow.commit()
    click.echo(f"purged {old} old login attempt(s)")


def _all_schemes(factory) -> list[int]:
    from schemes import service as schemes
    with factory.reader() as s:
        return schemes.scheme_ids(s)


@main.group("vouchers")
def vouchers_group():
    """Cloud vouchers: scheduled jobs."""


@vouchers_group.command("expire")
@click.option("--scheme", "scheme_id", type=int, default=None, help="one scheme only")
@with_appcontext
def vouchers_expire(scheme_id):
    """Expire vouchers past their redemption window, release their money, promote the waitlist
    (and settle whatever else fell due in those schemes: ``yunquan daily`` does all schemes)."""
    from kernel import clock
    from schemes import service as schemes
    from vouchers import expiry
    factory = _ext().uow_factory
    ids = [scheme_id] if scheme_id else _all_schemes(factory)
    count = 0
    for sid in ids:
        with factory.reader() as s:
            count += expiry.count_due(s, sid, clock.today())
        factory.run(lambda u, sid=sid: schemes.settle(u, scheme_id=sid))
    click.echo(f"expired {count} voucher(s)")


@main.group("loans")
def loans_group():
    """Loans: scheduled jobs."""


@loans_group.command("default")
@with_appcontext
def loans_default():
    """Store the default of every active loan with an instalment unpaid ``default_after_days``
    past its due date (reads show it at once; this stores it, and the guarantor may buy back)."""
    from financing import loans
    count = loans.mark_defaults(_ext().uow_factory)
    click.echo(f"{count} loan(s) went into default")


def _register_optional_commands():
    from yunquan.demo import demo, demo_statement
    main.add_command(demo)
    main.add_command(demo_statement)


_register_optional_commands()
