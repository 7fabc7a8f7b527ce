"""Wire formats of evidence, claims, publicity, payout batches and reconciliations."""
from __future__ import annotations


import marshmallow as ma
from flask_smorest.fields import Upload

from kernel.fields import Id, JsonText, Money, Stamp
from kernel.paging import PageArgs, page_schema
from vouchers.models import CLAIM_STATUSES, EVIDENCE_KINDS
from vouchers.schemas import ReasonIn

__all__ = ["ReasonIn"]


class EvidenceForm(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(EVIDENCE_KINDS))


class EvidenceFile(ma.Schema):
    file = Upload(required=True, metadata={"description": "PDF, JPEG or PNG (judged by content)"})


class EvidenceOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    filename = ma.fields.String()
    sha256 = ma.fields.String()
    size = ma.fields.Integer()
    content_type = ma.fields.String()
    owner_org_id = ma.fields.Integer()
    claim_id = ma.fields.Integer(allow_none=True)


class ClaimIn(ma.Schema):
    invoice_amount = Money(required=True)
    paid_amount = Money(required=True)
    evidence_ids = ma.fields.List(Id(), load_default=list,
                                  metadata={"description": "one file at least of each kind: "
                                                           + ", ".join(EVIDENCE_KINDS)})


class ClaimOut(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": " | ".join(CLAIM_STATUSES)})
    voucher_id = ma.fields.Integer()
    scheme_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    provider_id = ma.fields.Integer()
    payee_org_id = ma.fields.Integer()
    contract_amount = Money()
    face_value = Money()
    invoice_amount = Money()
    paid_amount = Money()
    final_amount = Money()
    released_amount = JsonText(attribute="breakdown_json", pick="released")
    evidence_ids = JsonText(attribute="evidence_json")
    breakdown = JsonText(attribute="breakdown_json")
    submissions = ma.fields.Integer()
    approved_on = ma.fields.Date(allow_none=True)
    publicity_ends_on = ma.fields.Date(allow_none=True)
    payable_from = ma.fields.Date(allow_none=True)
    return_reason = ma.fields.String(allow_none=True)
    objection_reason = ma.fields.String(allow_none=True)
    paid_on = ma.fields.Date(allow_none=True)
    submitted_at = Stamp()


class ClaimListArgs(PageArgs):
    scheme_id = Id(load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CLAIM_STATUSES))


ClaimPage = page_schema(ClaimOut, "ClaimPage")


class PublicityArgs(PageArgs):
    scheme_id = Id(load_default=None)


class PublicityItem(ma.Schema):
    claim_id = ma.fields.Integer(attribute="id")
    enterprise_name = ma.fields.String()
    provider_name = ma.fields.String()
    scheme_id = ma.fields.Integer()
    scheme_name = ma.fields.String()
    amount = Money(attribute="final_amount")
    publicity_starts_on = ma.fields.Date(attribute="approved_on")
    publicity_ends_on = ma.fields.Date()


PublicityPage = page_schema(PublicityItem, "PublicityPage")


# --- payouts -------------------------------------------------------------------------------------

class BatchIn(ma.Schema):
    scheme_id = Id(required=True)


class BatchLineOut(ma.Schema):
    claim_id = ma.fields.Integer()
    payee_org_id = ma.fields.Integer()
    payee_name = ma.fields.String()
    payee_account = ma.fields.String()
    amount = Money()
    reference = ma.fields.String()
    status = ma.fields.String()


class SkippedOut(ma.Schema):
    claim_id = ma.fields.Integer()
    payee_org_id = ma.fields.Integer()
    code = ma.fields.String()


class BatchOut(ma.Schema):
    id = ma.fields.Integer()
    scheme_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "draft | approved | cancelled"})
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
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("draft", "approved", "cancelled")))


BatchPage = page_schema(BatchSummary, "BatchPage")


class StatementFile(ma.Schema):
    statement = Upload(required=True, metadata={
        "description": "CSV: bank_txn_id,value_date,reference,payee_account,amount (negative: returned)"})


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
