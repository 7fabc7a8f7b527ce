"""Wire formats of payout batches and reconciliations."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from adapters.fields import Id, Money, Stamp
from adapters.paging import PageArgs, page_schema


class BatchIn(ma.Schema):
    scheme_id = Id(required=True)


class BatchLineOut(ma.Schema):
    claim_id = ma.fields.Integer()
    payee_org_id = ma.fields.Integer()
    payee_name = ma.fields.String()
    payee_account = ma.fields.String()
    payee_bank = ma.fields.String(allow_none=True)
    amount = Money()
    reference = ma.fields.String()
    status = ma.fields.String(metadata={"description": "pending | sent | paid | returned | cancelled"})


class SkippedOut(ma.Schema):
    claim_id = ma.fields.Integer()
    payee_org_id = ma.fields.Integer()
    code = ma.fields.String()


class BatchOut(ma.Schema):
    id = ma.fields.Integer()
    scheme_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "draft | approved | cancelled; an approved batch reads "
                                                       "reconciled when the bank answered for every line "
                                                       "(paid or returned), partly_reconciled for some"})
    total = Money()
    line_count = ma.fields.Integer()
    created_by = ma.fields.Integer()
    approved_by = ma.fields.Integer(allow_none=True)
    approved_at = Stamp()
    lines = ma.fields.List(ma.fields.Nested(BatchLineOut))
    skipped = ma.fields.List(ma.fields.Nested(SkippedOut))


class BatchSummary(ma.Schema):
    id = ma.fields.Integer()
    scheme_id = ma.fields.Integer()
    status = ma.fields.String()
    total = Money()
    line_count = ma.fields.Integer()
    created_by = ma.fields.Integer()
    approved_by = ma.fields.Integer(allow_none=True)


class BatchListArgs(PageArgs):
    scheme_id = Id(load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(
        ("draft", "approved", "partly_reconciled", "reconciled", "cancelled")))


class BankFileArgs(ma.Schema):
    format = ma.fields.String(load_default="csv", validate=ma.validate.OneOf(("csv", "xlsx")),
                              metadata={"description": "csv (UTF-8 with BOM, the default) or xlsx"})


BatchPage = page_schema(BatchSummary, "BatchPage")


STATEMENT_HELP = ("CSV (UTF-8 with or without BOM, or GBK) or XLSX; header bank_txn_id,value_date,reference,"
                  "payee_account,amount or 交易流水号,交易日期,参考号,收款账号,金额 (negative amount: returned)")


class StatementFile(ma.Schema):
    """The bank statement, as ``file`` like every other upload; ``statement``, its earlier name,
    is still read when ``file`` is absent."""
    file = Upload(required=True, metadata={
        "description": STATEMENT_HELP + "; the field `statement`, its earlier name, is still accepted"})

    @ma.pre_load
    def earlier_name(self, data, **kwargs):
        if "file" not in data and "statement" in data:
            return {"file": data["statement"]}
        return data


class ReconLineOut(ma.Schema):
    line = ma.fields.Integer(allow_none=True, metadata={"description": "line in the file (header is 1)"})
    bank_txn_id = ma.fields.String(allow_none=True)
    reference = ma.fields.String()
    amount = Money(allow_negative=True)
    outcome = ma.fields.String(metadata={"description": "matched | amount_mismatch | unknown_reference | "
                                                        "returned | duplicate | missing"})
    reason = ma.fields.String(allow_none=True)
    claim_id = ma.fields.Integer(allow_none=True)


class ReconOut(ma.Schema):
    id = ma.fields.Integer()
    matched = ma.fields.Integer()
    amount_mismatch = ma.fields.Integer()
    unknown_reference = ma.fields.Integer()
    missing = ma.fields.Integer()
    returned = ma.fields.Integer()
    duplicate = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(ReconLineOut))
