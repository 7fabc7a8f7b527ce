"""Every report by name, for the API and the CLI alike: who may read it is the caller's business
(``reports/api.py`` checks roles and, for a claim, the organisation); what it says is here.

Each loader takes a read session (a snapshot: one consistent view for the whole rendering) and
returns a ``document.Report`` whose large tables are generators over that session, so render it
before the session closes. ``render_as`` turns a report into bytes in any of ``FORMATS``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from claims import service as claims
from claims.models import Claim
from clusters import applications
from kernel.errors import Forbidden, ValidationError
from parties.actors import Actor
from reports import beancount, build, queries, render
from reports.document import Report
from reports.errors import ReportTooLarge, UnknownReport

FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
BEANCOUNT_MIME = "text/plain; charset=utf-8"
# A PDF is read and signed, not processed: about 600 rows a second and 12 KB of memory a row in
# reportlab, so 10,000 rows is some 200 pages, 16 s and 190 MB. Larger tables: XLSX or CSV.
PDF_MAX_ROWS = 10_000


def render_as(doc: Report, fmt: str) -> Iterator[bytes]:
    """The report in ``fmt`` (pdf, xlsx, csv), as chunks. A PDF is built whole before the first
    chunk; XLSX and CSV stream their rows."""
    if fmt == "pdf":
        for table in doc.tables:
            table.rows = _at_most(table.rows, PDF_MAX_ROWS, table.title)
        yield render.pdf(doc)
    elif fmt == "xlsx":
        yield from render.xlsx(doc)
    elif fmt == "csv":
        yield from render.csv(doc)
    else:
        raise UnknownReport(f"reports come as {', '.join(FORMATS)}, not {fmt!r}", details={"format": fmt})


def _at_most(rows, limit: int, title: str):
    for n, row in enumerate(rows, start=1):
        if n > limit:
            raise ReportTooLarge(f"the table {title!r} has more than {limit:,} rows, too many for a PDF; "
                                 "ask for the .xlsx or .csv of the same report",
                                 details={"max_rows": limit, "table": title, "formats": ["xlsx", "csv"]})
        yield row


def beancount_lines(session, *, chunk_bytes: int = 1 << 16) -> Iterator[bytes]:
    """The whole ledger as a Beancount file (``reports.beancount``), UTF-8, in chunks."""
    parts: list[str] = []
    size = 0
    for line in beancount.export(queries.beancount_accounts(session), queries.beancount_journals(session)):
        parts.append(line)
        size += len(line)
        if size >= chunk_bytes:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


# --- the reports --------------------------------------------------------------------------------

# The settlement statement of each kind of claim: one function per kind, (session, claim, today, now).
# A financing reward's or a talent claim's statement is one more entry.
SETTLEMENT_STATEMENTS: dict[str, Callable[..., Report]] = {
    "voucher": lambda s, claim, today, now: build.voucher_settlement(
        queries.voucher_settlement(s, claim, today=today, now=now)),
}


def settlement_statement(session, *, claim_id: int, now: dt.datetime, reader: Actor | None = None) -> Report:
    """服务券兑付结算单 of one claim: for its enterprise and for staff (API.md; not its provider, who
    reads the claim itself). ``reader`` None: the operator at the CLI."""
    claim: Claim = claims.get(session, claim_id)
    if reader is not None and not reader.is_staff and reader.org_id != claim.enterprise_id:
        raise Forbidden("this claim belongs to another organisation")
    statement = SETTLEMENT_STATEMENTS.get(claim.kind)
    if statement is None:
        raise UnknownReport(f"claims of kind {claim.kind!r} have no settlement statement yet",
                            details={"claim_id": claim_id, "kind": claim.kind})
    return statement(session, claim, _today(now), now)


def payout_batch(session, *, batch_id: int, now: dt.datetime) -> Report:
    return build.payout_batch(queries.batch_facts(session, batch_id, now=now), queries.batch_lines(session, batch_id))


def reconciliation(session, *, statement_id: int, now: dt.datetime) -> Report:
    return build.reconciliation(queries.statement_facts(session, statement_id, now=now),
                                queries.statement_lines(session, statement_id))


def publicity(session, *, now: dt.datetime, scheme_id: int | None = None) -> Report:
    today = _today(now)
    return build.publicity(queries.publicity_facts(session, today=today, scheme_id=scheme_id, now=now),
                           queries.publicity_lines(session, today=today, scheme_id=scheme_id))


def trial_balance(session, *, now: dt.datetime, as_of: dt.date | None = None, anchors: str | None = None) -> Report:
    """The trial balance with what ``verify`` finds, checking the anchored heads in ``anchors`` (the
    deployment's anchors file, as ``GET /ledger/verify`` does)."""
    return build.trial_balance(queries.trial_balance_facts(session, as_of=as_of, anchors=anchors, now=now))


def account_statement(session, *, account: str, now: dt.datetime, start: dt.date | None = None,
                      end: dt.date | None = None) -> Report:
    if start is not None and end is not None and start > end:
        raise ValidationError("the period ends before it starts", field="from",
                              details={"from": start.isoformat(), "to": end.isoformat()})
    return build.account_statement(queries.account_facts(session, account, start=start, end=end, now=now),
                                   queries.account_lines(session, account, start=start, end=end))


def products(session, *, now: dt.datetime, provider_id: int | None = None, cluster_id: int | None = None) -> Report:
    if provider_id is not None and cluster_id is not None:
        raise ValidationError("ask for one provider or one cluster, not both", field="cluster_id")
    scope, ids = queries.annex5_scope(session, provider_id=provider_id, cluster_id=cluster_id)
    return build.annex5(queries.annex5_facts(session, scope=scope, provider_ids=ids, now=now),
                        queries.annex5_lines(session, provider_ids=ids))


def pilot_application(session, *, application_id: int, now: dt.datetime, reader: Actor | None = None) -> Report:
    """申报书 of a pilot application; ``reader`` (when given) must be its lead unit or staff."""
    if reader is not None:
        applications.check_reader(session, applications.get(session, application_id), reader)
    facts, product_ids = queries.application_facts(session, application_id, now=now)
    return build.pilot_application(facts, queries.application_products(session, product_ids))


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(build.CST).date()


# --- by name (the CLI: ``yunquan report NAME [options] --out FILE``) ------------------------------

@dataclass(frozen=True)
class Option:
    name: str            # the loader's keyword
    flag: str            # the CLI's --flag (the API's query parameter where there is one)
    kind: type           # int, str or dt.date
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Named:
    name: str
    title: str
    load: Callable[..., Report]
    options: tuple[Option, ...]
    filename: Callable[[dict[str, Any]], str]
    checks_anchors: bool = False  # takes the deployment's ledger anchors file

    def run(self, session, *, now: dt.datetime, anchors: str | None = None, **given: Any) -> Report:
        missing = [o.name for o in self.options if o.required and given.get(o.name) is None]
        if missing:
            flag = next(o.flag for o in self.options if o.name == missing[0])
            raise ValidationError(f"report {self.name} needs --{flag}", field=flag)
        extra = {"anchors": anchors} if self.checks_anchors else {}
        return self.load(session, now=now, **extra, **{o.name: given.get(o.name) for o in self.options})


def _stamp(now: dt.datetime) -> str:
    return _today(now).isoformat()


REPORTS: dict[str, Named] = {r.name: r for r in (
    Named("settlement", "服务券兑付结算单", settlement_statement,
          (Option("claim_id", "claim", int, True, "the claim"),), lambda o: f"settlement-statement-{o['claim_id']}"),
    Named("payout-batch", "兑付资金支付批次报告", payout_batch,
          (Option("batch_id", "batch", int, True, "the payout batch"),), lambda o: f"payout-batch-{o['batch_id']}"),
    Named("reconciliation", "银行对账报告", reconciliation,
          (Option("statement_id", "statement", int, True, "the imported bank statement"),),
          lambda o: f"reconciliation-{o['statement_id']}"),
    Named("publicity", "公示名单", publicity, (Option("scheme_id", "scheme", int, help="one scheme only"),),
          lambda o: "publicity" + (f"-scheme-{o['scheme_id']}" if o.get("scheme_id") else "")),
    Named("trial-balance", "试算平衡表", trial_balance,
          (Option("as_of", "as-of", dt.date, help="balances at the end of this day"),),
          lambda o: "trial-balance" + (f"-{o['as_of']}" if o.get("as_of") else ""), checks_anchors=True),
    Named("account-statement", "账户明细表", account_statement,
          (Option("account", "account", str, True, "the ledger account code, e.g. scheme:1:available"),
           Option("start", "from", dt.date, help="first day (default: the first posting)"),
           Option("end", "to", dt.date, help="last day (default: the last posting)")),
          lambda o: "account-" + o["account"].replace(":", "-")),
    Named("pilot-application", "广东省特色产业集群数字化转型试点申报书", pilot_application,
          (Option("application_id", "application", int, True, "the pilot application"),),
          lambda o: f"pilot-application-{o['application_id']}"),
    Named("products", "产业集群企业服务券应用产品方案表（附件5）", products,
          (Option("provider_id", "provider", int, help="one provider's products"),
           Option("cluster_id", "cluster", int, help="the products of a pilot's alliance")),
          lambda o: "annex5-products" + (f"-provider-{o['provider_id']}" if o.get("provider_id") else "")
          + (f"-cluster-{o['cluster_id']}" if o.get("cluster_id") else "")),
)}


def named(name: str) -> Named:
    try:
        return REPORTS[name]
    except KeyError:
        raise UnknownReport(f"no report named {name!r}; reports: {', '.join(REPORTS)}",
                            details={"report": name, "reports": list(REPORTS)}) from None
