"""HTTP endpoints of payout batches and bank reconciliation. No business logic here."""
from __future__ import annotations

from flask import Response, current_app, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import current_principal, reader, roles, transact
from adapters.docs import CSV, XLSX, file_response
from adapters.paging import decode_cursor, page
from kernel.errors import ValidationError
from payouts import batches as payouts
from payouts import reconciliation
from payouts.schemas import BankFileArgs, BatchIn, BatchListArgs, BatchOut, BatchPage, ReconOut, StatementFile

blp = Blueprint("payouts", __name__, description="Payout batches (maker-checker), bank files, reconciliation")

FINANCE = ("finance_maker", "finance_checker")
READERS = FINANCE + ("auditor", "admin")


def _batch_view(batch_id: int) -> dict:
    with reader() as s:
        batch = payouts.get(s, batch_id)
        return {**{k: getattr(batch, k) for k in ("id", "scheme_id", "total", "line_count", "created_by",
                                                   "approved_by", "approved_at")},
                "status": payouts.reconciliation_status(s, batch),
                "lines": payouts.lines(s, batch_id), "skipped": payouts.skipped(batch)}


@blp.route("/payout-batches")
class Batches(MethodView):
    @roles("finance_maker")
    @blp.arguments(BatchIn)
    @blp.response(201, BatchOut)
    def post(self, data):
        """Build a draft batch of the scheme's payable claims."""
        actor = current_principal().user_id
        batch = transact(lambda u: payouts.build(u, actor_id=actor, scheme_id=data["scheme_id"]))
        return _batch_view(batch.id)

    @roles(*READERS)
    @blp.arguments(BatchListArgs, location="query")
    @blp.response(200, BatchPage)
    def get(self, args):
        """List payout batches.

        Finance staff and auditors; filter by scheme and status."""
        with reader() as s:
            rows = payouts.list_page(s, scheme_id=args["scheme_id"], status=args["status"],
                                     after=decode_cursor(args["cursor"]), limit=args["limit"] + 1)
            return page(rows, args["limit"], lambda r: {**r.model_dump(),
                                                        "status": payouts.reconciliation_status(s, r)})


@blp.route("/payout-batches/<int:batch_id>")
class BatchById(MethodView):
    @roles(*READERS)
    @blp.response(200, BatchOut)
    def get(self, batch_id):
        """One payout batch with its lines.

        Each line: the claim, the payee and its account, the amount and the line's status."""
        return _batch_view(batch_id)


@blp.route("/payout-batches/<int:batch_id>/approve")
class BatchApprove(MethodView):
    @roles("finance_checker")
    @blp.response(200, BatchOut)
    def post(self, batch_id):
        """The checker's approval (never the maker): the total goes in transit."""
        actor = current_principal().user_id
        transact(lambda u: payouts.approve(u, actor_id=actor, batch_id=batch_id))
        return _batch_view(batch_id)


@blp.route("/payout-batches/<int:batch_id>/cancel")
class BatchCancel(MethodView):
    @roles("finance_maker")
    @blp.response(200, BatchOut)
    def post(self, batch_id):
        """Drop a draft batch; its claims are payable again."""
        actor = current_principal().user_id
        transact(lambda u: payouts.cancel(u, actor_id=actor, batch_id=batch_id))
        return _batch_view(batch_id)


@blp.route("/payout-batches/<int:batch_id>/bank-file")
class BankFile(MethodView):
    @roles(*FINANCE)
    @blp.arguments(BankFileArgs, location="query")
    @blp.doc(**file_response("The bank file: reference, payee_name, payee_account, payee_bank, amount, purpose",
                             CSV, XLSX))
    def get(self, args, batch_id):
        """The bank file of an approved batch, streamed.

        CSV in UTF-8 with a BOM (``?format=csv``, the default) or XLSX (``?format=xlsx``), columns
        ``reference,payee_name,payee_account,payee_bank,amount,purpose`` (purpose: 摘要, the scheme
        and the claim)."""
        with reader() as s:
            payouts.check_bank_file(s, batch_id)
        factory = current_app.extensions["yunquan"].uow_factory.reader
        if args["format"] == "xlsx":
            return Response(stream_with_context(payouts.bank_file_xlsx(factory, batch_id)), mimetype=XLSX,
                            headers={"Content-Disposition": f'attachment; filename="payout-batch-{batch_id}.xlsx"'})
        return Response(stream_with_context(payouts.bank_file(factory, batch_id)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="payout-batch-{batch_id}.csv"',
                                 "Content-Type": "text/csv; charset=utf-8"})


@blp.route("/reconciliations")
class Reconciliations(MethodView):
    @roles(*FINANCE)
    @blp.arguments(StatementFile, location="files")
    @blp.response(201, ReconOut)
    def post(self, files):
        """Import a bank statement; all or nothing, idempotent on bank_txn_id.

        Multipart field ``file`` (``statement`` is still accepted). Each line is reported
        ``matched``, ``amount_mismatch``, ``unknown_reference``, ``returned`` or ``duplicate``, and
        payments the statement does not show are ``missing``; matched lines move in-transit money to
        disbursed once, returned ones go back to payable."""
        actor = current_principal().user_id
        upload = files["file"]
        result = transact(lambda u: reconciliation.import_statement(u, actor_id=actor, filename=upload.filename or "",
                                                                    stream=upload.stream))
        return {"id": result.statement_id, **result.counts, "lines": result.lines}
