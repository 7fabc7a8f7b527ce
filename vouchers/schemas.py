"""Wire formats of contracts, cloud vouchers and their redemption claims."""
from __future__ import annotations

import marshmallow as ma

from adapters.fields import Id, JsonText, Money, Stamp
from adapters.paging import PageArgs, page_schema
from claims.models import EVIDENCE_KINDS


class DryRunIn(ma.Schema):
    contract_id = Id(required=True)


class DryRunOut(ma.Schema):
    """What the contract would get now; the breakdown's fields are also repeated at the top level."""
    face_value = ma.fields.String(metadata={"example": "55000.00"})
    breakdown = ma.fields.Dict(metadata={"description": "every line, standard and cap, as a voucher stores it"})
    eligible = ma.fields.Boolean()
    ineligible_reason = ma.fields.String(allow_none=True)
    budget_available = ma.fields.String(metadata={"example": "945000.00"})
    would_be = ma.fields.String(metadata={"description": "reserved | waitlisted | refused (ineligible or nothing "
                                                         "to subsidise)"})
    waitlist_reason = ma.fields.String(allow_none=True, metadata={"description": "budget | city_quota"})
    contract_amount = ma.fields.String()
    lines = ma.fields.List(ma.fields.Dict())
    sum_of_lines = ma.fields.String()
    city = ma.fields.String()
    max_share_rate = ma.fields.String()
    max_share_cap = ma.fields.String()
    enterprise_cap_left = ma.fields.String()
    provider_quota_left = ma.fields.String()
    binding = ma.fields.List(ma.fields.String())
    settings_version = ma.fields.Integer()
    settings = ma.fields.Dict()


class Quantity(ma.fields.Field):
    """A quantity as a JSON integer or a decimal string ("2000", "12.50"); never a float."""

    def _deserialize(self, value, attr, data, **kwargs):
        from decimal import Decimal, InvalidOperation
        if isinstance(value, bool) or isinstance(value, float):
            raise ma.ValidationError("quantity must be an integer or a decimal string such as \"12.50\"")
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, str) and not value.isascii():
            raise ma.ValidationError("quantity must be written with ASCII digits")
        if isinstance(value, str):
            try:
                d = Decimal(value)
            except InvalidOperation:
                raise ma.ValidationError(f"{value!r} is not a number") from None
            if d.is_finite():
                return d
        raise ma.ValidationError("quantity must be an integer or a decimal string")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class ContractLineIn(ma.Schema):
    product_id = Id(required=True)
    quantity = Quantity(required=True)
    unit_price = Money(required=True)


class ContractIn(ma.Schema):
    enterprise_id = Id(required=True)
    signed_on = ma.fields.Date(required=True)
    lines = ma.fields.List(ma.fields.Nested(ContractLineIn), required=True, validate=ma.validate.Length(min=1))
    separate = ma.fields.Boolean(load_default=False, metadata={
        "description": "true: this is a separate contract even though one with the same parties, signing date "
                       "and lines is recorded already (otherwise DUPLICATE_CONTRACT)", "example": False})


class ContractListArgs(PageArgs):
    enterprise_id = Id(load_default=None)
    provider_id = Id(load_default=None)
    signed_from = ma.fields.Date(load_default=None, metadata={"description": "signed on or after"})
    signed_to = ma.fields.Date(load_default=None, metadata={"description": "signed on or before"})


class ContractLineOut(ma.Schema):
    line_no = ma.fields.Integer()
    product_id = ma.fields.Integer()
    version_id = ma.fields.Integer()
    quantity = ma.fields.String()
    unit_price = Money()
    amount = Money()


class ContractOut(ma.Schema):
    id = ma.fields.Integer()
    provider_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    signed_on = ma.fields.Date()
    amount = Money()
    lines = ma.fields.List(ma.fields.Nested(ContractLineOut))


ContractPage = page_schema(ContractOut, "ContractPage")


class VoucherIn(ma.Schema):
    scheme_id = Id(required=True)
    contract_id = Id(required=True)


class VoucherOut(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    face_value = Money()
    final_amount = Money(allow_none=True)
    breakdown = JsonText(attribute="breakdown_json")
    scheme_id = ma.fields.Integer()
    contract_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    provider_id = ma.fields.Integer()
    waitlist_reason = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    applied_at = Stamp()
    expires_on = ma.fields.Date()
    assignee_org_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "the financier its payout is assigned to (order financing); null: the enterprise"})


class VoucherListArgs(PageArgs):
    scheme_id = Id(load_default=None)
    status = ma.fields.String(load_default=None)


VoucherPage = page_schema(VoucherOut, "VoucherPage")


class ClaimIn(ma.Schema):
    invoice_amount = Money(required=True)
    paid_amount = Money(required=True)
    evidence_ids = ma.fields.List(Id(), load_default=list,
                                  metadata={"description": "one file at least of each kind: "
                                                           + ", ".join(EVIDENCE_KINDS)})


class VoucherClaimFields(ma.Schema):
    """What a voucher's redemption claim shows beyond any claim."""
    voucher_id = ma.fields.Integer()
    contract_amount = Money()
    face_value = Money()
    invoice_amount = Money()
    paid_amount = Money()
