"""Reports over HTTP (API.md "Reports"): each as ``.pdf``, ``.xlsx`` or ``.csv`` of the same path, and
the ledger as a Beancount file. Thin views: who may read what is checked here, what a report says is
``reports.service``.

A report is read in one snapshot session that stays open while the response streams: errors
(unknown object, another organisation's claim) are raised before the first byte; XLSX and CSV rows
are read from the database page by page as the client downloads them.
"""
from __future__ import annotations

import marshmallow as ma
from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import authenticated, current_principal, ledger_anchors, public, roles, snapshot
from adapters.fields import Id
from kernel import clock
from parties.actors import Actor
from reports import service
from reports.document import Report

blp = Blueprint("reports", __name__, description="Reports (PDF with an embedded CJK font, XLSX, CSV) and the "
                                                  "ledger as a Beancount file")

FMT = "<any(pdf, xlsx, csv):fmt>"
FINANCE_AND_AUDIT = ("finance_maker", "finance_checker", "auditor")
DOWNLOAD = {200: {"description": "the report as a file (PDF, XLSX or CSV by the path's extension)"}}


class PublicityArgs(ma.Schema):
    scheme_id = Id(load_default=None)


class TrialBalanceArgs(ma.Schema):
    as_of = ma.fields.Date(load_default=None)


class PeriodArgs(ma.Schema):
    start = ma.fields.Date(load_default=None, data_key="from")
    end = ma.fields.Date(load_default=None, data_key="to")


class ProductsArgs(ma.Schema):
    provider_id = Id(load_default=None)
    cluster_id = Id(load_default=None)


def download(load, fmt: str, filename: str) -> Response:
    """Run ``load(session, now)`` in a snapshot and send the report as ``filename.fmt``. The session
    closes when the last chunk has gone (or the client went away)."""
    now = clock.now()
    session_cm = snapshot()
    session = session_cm.__enter__()
    try:
        doc: Report = load(session, now)
        chunks = service.render_as(doc, fmt)
        first = next(chunks, b"")  # a PDF or an XLSX is built here: a failure is an error response, not a torn file
    except BaseException:
        session_cm.__exit__(None, None, None)
        raise

    def body():
        try:
            if first:
                yield first
            yield from chunks
        finally:
            session_cm.__exit__(None, None, None)

    return Response(stream_with_context(body()), mimetype=service.FORMATS[fmt].split(";")[0],
                    headers={"Content-Type": service.FORMATS[fmt],
                             "Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
                             "Cache-Control": "private, no-store"})


@blp.route(f"/claims/<int:claim_id>/statement.{FMT}")
class SettlementStatement(MethodView):
    @authenticated
    @blp.response(200, description="服务券兑付结算单", content_type="application/pdf")
    def get(self, claim_id, fmt):
        """The settlement statement (服务券兑付结算单) of a claim: for its enterprise and staff."""
        reader = Actor.of(current_principal())
        return download(lambda s, now: service.settlement_statement(s, claim_id=claim_id, now=now, reader=reader),
                        fmt, f"settlement-statement-{claim_id}")


@blp.route("/pilot-applications/<int:application_id>.pdf")
class PilotApplicationReport(MethodView):
    @authenticated
    @blp.response(200, description="广东省特色产业集群数字化转型试点申报书", content_type="application/pdf")
    def get(self, application_id):
        """The application (申报书) as the template prints it: cover, plan sections, annex tables (the lead and staff)."""
        reader = Actor.of(current_principal())
        return download(lambda s, now: service.pilot_application(s, application_id=application_id, now=now,
                                                                 reader=reader), "pdf", f"pilot-application-{application_id}")


@blp.route(f"/payout-batches/<int:batch_id>/report.{FMT}")
class PayoutBatchReport(MethodView):
    @roles(*FINANCE_AND_AUDIT)
    @blp.response(200, description="兑付资金支付批次报告", content_type="application/pdf")
    def get(self, batch_id, fmt):
        """A payout batch: every payment and payee, the total, its maker and checker, approval time."""
        return download(lambda s, now: service.payout_batch(s, batch_id=batch_id, now=now), fmt,
                        f"payout-batch-{batch_id}")


@blp.route(f"/reconciliations/<int:statement_id>/report.{FMT}")
class ReconciliationReport(MethodView):
    @roles(*FINANCE_AND_AUDIT)
    @blp.response(200, description="银行对账报告", content_type="application/pdf")
    def get(self, statement_id, fmt):
        """An imported bank statement: each line with its outcome, the totals per outcome."""
        return download(lambda s, now: service.reconciliation(s, statement_id=statement_id, now=now), fmt,
                        f"reconciliation-{statement_id}")


@blp.route(f"/publicity.{FMT}")
class PublicityReport(MethodView):
    @public
    @blp.arguments(PublicityArgs, location="query")
    @blp.response(200, description="公示名单", content_type="application/pdf")
    def get(self, args, fmt):
        """公示名单: the claims in publicity today (no token needed)."""
        scheme_id = args["scheme_id"]
        return download(lambda s, now: service.publicity(s, now=now, scheme_id=scheme_id), fmt,
                        "publicity" + (f"-scheme-{scheme_id}" if scheme_id else ""))


@blp.route(f"/ledger/trial-balance.{FMT}")
class TrialBalanceReport(MethodView):
    @roles("auditor")
    @blp.arguments(TrialBalanceArgs, location="query")
    @blp.response(200, description="试算平衡表", content_type="application/pdf")
    def get(self, args, fmt):
        """Every account's balance as of a day, with the ledger head hash and the verify result."""
        as_of, anchors = args["as_of"], ledger_anchors()
        return download(lambda s, now: service.trial_balance(s, now=now, as_of=as_of, anchors=anchors), fmt,
                        "trial-balance" + (f"-{as_of.isoformat()}" if as_of else ""))


@blp.route(f"/ledger/accounts/<string:code>/statement.{FMT}")
class AccountStatementReport(MethodView):
    @roles("auditor")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, description="账户明细表", content_type="application/pdf")
    def get(self, args, code, fmt):
        """One ledger account from ``from`` to ``to``: opening balance, every posting, closing balance."""
        start, end = args["start"], args["end"]
        return download(lambda s, now: service.account_statement(s, account=code, now=now, start=start, end=end),
                        fmt, "account-" + code.replace(":", "-"))


@blp.route(f"/products/export.{FMT}")
class Annex5Report(MethodView):
    @public
    @blp.arguments(ProductsArgs, location="query")
    @blp.response(200, description="产业集群企业服务券应用产品方案表", content_type="application/pdf")
    def get(self, args, fmt):
        """The Annex 5 product table of one provider (``provider_id``), of a pilot's alliance
        (``cluster_id``) or of the whole catalogue."""
        provider_id, cluster_id = args["provider_id"], args["cluster_id"]
        name = "annex5-products" + (f"-provider-{provider_id}" if provider_id else "") + \
            (f"-cluster-{cluster_id}" if cluster_id else "")
        return download(lambda s, now: service.products(s, now=now, provider_id=provider_id, cluster_id=cluster_id),
                        fmt, name)


@blp.route("/ledger/export.beancount")
class BeancountExport(MethodView):
    @roles("auditor")
    @blp.response(200, description="the ledger as a Beancount file", content_type="text/plain")
    def get(self):
        """The whole ledger as a Beancount file: an ``open`` per account, one transaction per journal
        (its id, key and hash as metadata), a ``balance`` assertion per account. ``bean-check`` passes."""
        today = clock.today()
        session_cm = snapshot()
        session = session_cm.__enter__()

        def body():
            try:
                yield from service.beancount_lines(session)
            finally:
                session_cm.__exit__(None, None, None)

        return Response(stream_with_context(body()), mimetype="text/plain",
                        headers={"Content-Type": service.BEANCOUNT_MIME,
                                 "Content-Disposition": f'attachment; filename="yunquan-ledger-{today}.beancount"',
                                 "Cache-Control": "private, no-store"})

