"""``yunquan demo``: sample organisations and users (and, from the domains, their demo data).

Safe to run again: existing demo users get a fresh token each time, since tokens are stored
only as hashes and cannot be shown twice. The tokens are also written as shell variables to
``YUNQUAN_DEMO_TOKENS`` (default ``./var/demo-tokens.env``, mode 0600), so the README's examples
run as printed after ``source var/demo-tokens.env``. ``--reset`` first empties the database
(refused when it holds users other than the demo's, unless ``--force``). Every demo user gets the
portal password ``YUNQUAN_DEMO_PASSWORD`` (default ``yunquan-demo``, printed): demo data only."""
from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from catalog.demo_data import load_demo_catalogue
from kernel import clock
from financing.demo_data import load_demo_financing
from clusters.demo_data import load_demo_task_book
from parties import service as organisations
from parties.models import Organisation
from parties.rules import uscc_check_digit
from talent.demo_data import load_demo_talent
from vouchers.demo_data import load_demo_vouchers
from yunquan import passwords, users
from yunquan.demo_cycle import load_payable_claim, statement_for_batch
from yunquan.models import ApiToken, User


def demo_uscc(n: int, area: str = "440600") -> str:
    first17 = f"91{area}MA{n:07d}"
    return first17 + uscc_check_digit(first17)


DEMO_ORGS = [
    # key, kind, name, city, provider_class, founded, revenue fen
    ("gdii", "authority", "广东省工业和信息化厅", "广州", None, dt.date(2000, 1, 1), None),
    ("platform", "provider", "粤云工业互联网平台有限公司", "广州", "national_platform", dt.date(2015, 3, 1), None),
    ("operator", "provider", "中国移动通信集团广东有限公司", "广州", "operator", dt.date(2000, 1, 1), None),
    ("integrator", "provider", "佛山智造服务有限公司", "佛山", "other", dt.date(2016, 6, 1), None),
    ("ceramics", "enterprise", "佛山市南海陶瓷制品有限公司", "佛山市", None, dt.date(2012, 5, 20), 8_800_000_00),
    ("furniture", "enterprise", "东莞市大岭山家具有限公司", "东莞", None, dt.date(2010, 9, 1), 12_000_000_00),
    ("hardware", "enterprise", "阳江市阳东五金刀剪有限公司", "阳江", None, dt.date(2014, 2, 14), 3_500_000_00),
    ("bank", "financier", "广东集群发展银行", "广州", None, dt.date(2001, 1, 1), None),
    ("maker", "guarantor", "广东精工装备制造有限公司", "佛山", None, dt.date(2008, 8, 8), None),
]

def demo_password() -> str:
    return os.environ.get("YUNQUAN_DEMO_PASSWORD") or "yunquan-demo"


DEMO_USERS = [
    # username, roles, org key
    ("admin", ["admin"], None),
    ("reviewer", ["reviewer"], "gdii"),
    ("finance_maker", ["finance_maker"], "gdii"),
    ("finance_checker", ["finance_checker"], "gdii"),
    ("auditor", ["auditor"], "gdii"),
    ("provider", ["provider"], "platform"),
    ("operator", ["provider"], "operator"),
    ("integrator", ["provider"], "integrator"),
    ("enterprise", ["enterprise"], "ceramics"),
    ("furniture", ["enterprise"], "furniture"),
    ("hardware", ["enterprise"], "hardware"),
    ("financier", ["financier"], "bank"),
    ("guarantor", ["guarantor"], "maker"),
]

# Domains add their demo data here, in order: functions
# ``(uow_factory, orgs: dict[str, int], users: dict[str, int]) -> list[str]`` (demo org key -> id,
# demo username -> user id) returning lines to print. The shell calls them; domains never import it.
DEMO_LOADERS: list = [load_demo_catalogue, load_demo_vouchers, load_demo_task_book, load_demo_talent,
                      load_demo_financing]


def load(uow_factory, *, evidence_dir: str | Path | None = None,
         holidays: str = "") -> tuple[dict[str, int], dict[str, str], list[str]]:
    org_ids: dict[str, int] = {}
    for i, (key, kind, name, city, pclass, founded, revenue) in enumerate(DEMO_ORGS, start=1):
        uscc = demo_uscc(i)
        with uow_factory() as uow:
            found = uow.session.exec(select(Organisation).where(Organisation.uscc == uscc)).first()
            if found is None:
                found = organisations.register(
                    uow, kind=kind, name=name, uscc=uscc, city=city, provider_class=pclass, founded_on=founded,
                    prior_year_revenue=revenue, bank_name="中国工商银行广州分行" if kind != "authority" else None,
                    bank_account=f"62220236020{i:08d}" if kind != "authority" else None)
            org_ids[key] = found.id
    tokens: dict[str, str] = {}
    user_ids: dict[str, int] = {}
    for username, roles, org_key in DEMO_USERS:
        with uow_factory() as uow:
            existing = uow.session.exec(select(User).where(User.username == username)).first()
            if existing is None:
                existing, token = users.create_user(uow, username=username, roles=roles,
                                                    org_id=org_ids[org_key] if org_key else None)
            else:
                token = "yq_" + secrets.token_urlsafe(32)
                uow.session.add(ApiToken(user_id=existing.id, token_hash=users.hash_token(token)))
                uow.commit()
        with uow_factory() as uow:
            passwords.set_password(uow, user_id=existing.id, password=demo_password())
        tokens[username] = token
        user_ids[username] = existing.id
    lines: list[str] = []
    for loader in DEMO_LOADERS:
        lines.extend(loader(uow_factory, org_ids, user_ids))
    lines.extend(load_payable_claim(uow_factory, org_ids, user_ids, holidays=holidays,
                                    evidence_dir=evidence_dir or tempfile.mkdtemp(prefix="yunquan-demo-evidence-")))
    return org_ids, tokens, lines


def tokens_env(tokens: dict[str, str]) -> str:
    """``export AUDITOR='yq_…'`` lines: the demo's tokens as shell variables."""
    return "".join(f"export {username.upper()}='{token}'\n" for username, token in tokens.items())


def write_tokens(path: Path, tokens: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(tokens_env(tokens))
    os.chmod(path, 0o600)


def reset_database(engine, *, force: bool = False, anchors: str | None = None) -> list[str]:
    """Empty the database: drop every table (the ledger guards go with them), then migrate it
    afresh. Refused when the database has users the demo did not create, unless ``force``. The
    ledger anchors file describes the old chain, so it is moved aside (never deleted)."""
    from yunquan.schema import upgrade
    names = {u for u, _, _ in DEMO_USERS}
    inspector = sa.inspect(engine)
    if inspector.has_table("app_user") and not force:
        with engine.connect() as c:
            strangers = sorted(set(c.execute(sa.text("SELECT username FROM app_user")).scalars()) - names)
        if strangers:
            raise click.ClickException(
                f"the database has users the demo did not create ({', '.join(strangers[:5])}); it is not a demo "
                "database. Use another YUNQUAN_DATABASE_URL, or --force to empty it anyway")
    out = []
    md = sa.MetaData()
    md.reflect(bind=engine)
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            c.exec_driver_sql("PRAGMA foreign_keys=OFF")
        md.drop_all(bind=c)
    out.append(f"database emptied: {len(md.tables)} tables dropped")
    if anchors and Path(anchors).exists():
        aside = Path(f"{anchors}.before-reset-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}")
        Path(anchors).rename(aside)
        out.append(f"ledger anchors of the old database moved to {aside}")
    upgrade(engine)
    out.append("schema created (alembic upgrade head)")
    return out


@click.command("demo")
@click.option("--reset", is_flag=True, help="Start from an empty database: drop every table first.")
@click.option("--force", is_flag=True, help="With --reset: also a database with users the demo did not create.")
@with_appcontext
def demo(reset: bool = False, force: bool = False):
    """Load demo organisations, users, catalogue, schemes and a claim ready to pay; print the tokens."""
    ext, cfg = current_app.extensions["yunquan"], current_app.config
    if reset:
        for line in reset_database(ext.engine, force=force, anchors=cfg.get("LEDGER_ANCHORS")):
            click.echo(line)
    org_ids, tokens, lines = load(ext.uow_factory, evidence_dir=cfg["EVIDENCE_DIR"], holidays=cfg.get("HOLIDAYS", ""))
    click.echo("demo organisations: " + ", ".join(f"{k}={v}" for k, v in org_ids.items()))
    for line in lines:
        click.echo(line)
    click.echo("demo users and their API tokens (Authorization: Bearer <token>):")
    for username, token in tokens.items():
        click.echo(f"  {username:<16} {token}")
    click.echo(f"portal: log in at /login as any demo user above with the password {demo_password()}")
    path = Path(os.environ.get("YUNQUAN_DEMO_TOKENS", "var/demo-tokens.env"))
    write_tokens(path, tokens)
    click.echo(f"the same tokens as shell variables: source {path}   (then e.g. $AUDITOR, $FINANCE_MAKER)")


@click.command("demo-statement")
@click.argument("batch_id", type=int)
@click.option("--out", "out", default="-", help="File to write (default: standard output).")
@with_appcontext
def demo_statement(batch_id: int, out: str):
    """Write the statement a bank would send back after paying every line of an approved batch
    (CSV, Chinese headers), to try reconciliation with."""
    with current_app.extensions["yunquan"].uow_factory.reader() as s:
        text = statement_for_batch(s, batch_id, value_date=clock.today())
    if text.count("\n") < 2:
        raise click.ClickException(f"batch {batch_id} has no payment sent to the bank (is it approved?)")
    if out == "-":
        click.echo(text, nl=False)
    else:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"statement of batch {batch_id} written to {out}")
