"""Wire formats of evidence, claims of every kind and the publicity list."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from adapters.fields import Id, JsonText, Money, Stamp
from adapters.paging import PageArgs, page_schema
from claims.models import CLAIM_STATUSES, EVIDENCE_KINDS


class ReasonIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


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


class ClaimOut(ma.Schema):
    """A claim of any kind. The fields of its kind follow the shared ones (a voucher's redemption
    adds ``voucher_id``, ``contract_amount``, ``face_value``, ``invoice_amount``, ``paid_amount``)."""

    class Meta:
        unknown = ma.INCLUDE  # documented as open: each kind adds its own fields

    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "voucher (a voucher's redemption), talent (a talent "
                                                     "voucher claim: adds trainee_ids), …"})
    status = ma.fields.String(metadata={"description": " | ".join(CLAIM_STATUSES)})
    scheme_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    provider_id = ma.fields.Integer(allow_none=True)
    payee_org_id = ma.fields.Integer()
    final_amount = Money()
    released_amount = JsonText(attribute="breakdown_json", pick="released", metadata={
        "type": "string", "nullable": True, "example": "2750.00",
        "description": "money given back to the budget on approval (V - F); null for a kind that releases none"})
    evidence_ids = JsonText(attribute="evidence_json",
                            metadata={"type": "array", "items": {"type": "integer", "example": 3}, "example": [3, 4, 5]})
    breakdown = JsonText(attribute="breakdown_json")
    submissions = ma.fields.Integer()
    approved_on = ma.fields.Date(allow_none=True)
    publicity_ends_on = ma.fields.Date(allow_none=True)
    payable_from = ma.fields.Date(allow_none=True)
    return_reason = ma.fields.String(allow_none=True)
    objection_reason = ma.fields.String(allow_none=True)
    paid_on = ma.fields.Date(allow_none=True)
    submitted_at = Stamp()

    @ma.post_dump(pass_original=True)
    def add_kind_fields(self, data, original, **kwargs):
        """The kind's own fields, already in wire form (``ClaimKind.details``)."""
        details = original.get("details") if isinstance(original, dict) else None
        return {**data, **(details or {})}


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
