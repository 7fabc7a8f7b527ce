"""Wire formats of schemes, clusters, contracts and vouchers."""
from __future__ import annotations


import marshmallow as ma

from kernel.fields import Id, JsonText, Money, Stamp
from kernel.paging import PageArgs, page_schema
from vouchers.rules import SCHEME_KINDS

SETTING_KEYS = (
    "max_share_prd", "max_share_other", "enterprise_cap", "provider_quota_major", "provider_quota_other",
    "settle_min_paid_ratio", "publicity_working_days", "holidays", "covered_cities", "min_age_years",
    "min_prior_revenue", "excluded_usccs", "city_quotas", "review_scope",
)


class SchemeIn(ma.Schema):
    """Settings may be given in ``settings`` or as top-level keys of the same names."""
    class Meta:
        unknown = ma.INCLUDE

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(SCHEME_KINDS))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    year = ma.fields.Integer(required=True)
    budget = Money(required=True)
    apply_from = ma.fields.Date(required=True)
    apply_to = ma.fields.Date(required=True)
    redeem_from = ma.fields.Date(required=True)
    redeem_to = ma.fields.Date(required=True)
    settings = ma.fields.Dict(load_default=dict)

    @ma.post_load
    def gather_settings(self, data, **kwargs):
        extra = {k: data.pop(k) for k in list(data) if k not in self.fields}
        unknown = sorted(k for k in extra if k not in SETTING_KEYS)
        if unknown:
            raise ma.ValidationError({unknown[0]: ["unknown field"]})
        data["settings"] = {**extra, **data["settings"]}
        return data


class SchemeOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()
    year = ma.fields.Integer()
    apply_from = ma.fields.Date()
    apply_to = ma.fields.Date()
    redeem_from = ma.fields.Date()
    redeem_to = ma.fields.Date()
    settings_version = ma.fields.Integer()
    settings = ma.fields.Dict()
    budget = ma.fields.Dict()


class SchemeListArgs(PageArgs):
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(SCHEME_KINDS))
    year = ma.fields.Integer(load_default=None)


SchemePage = page_schema(SchemeOut, "SchemePage")


class BudgetOut(ma.Schema):
    total = Money()
    available = Money()
    reserved = Money()
    payable = Money()
    in_transit = Money()
    disbursed = Money()


class DryRunIn(ma.Schema):
    contract_id = Id(required=True)


class ClusterIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    industry = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    starting_area = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    city = ma.fields.String(required=True)
    lead_org_id = Id(required=True)
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=2000, max=2100))


class ClusterOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    industry = ma.fields.String()
    starting_area = ma.fields.String()
    city = ma.fields.String()
    lead_org_id = ma.fields.Integer()
    year = ma.fields.Integer()


class MemberIn(ma.Schema):
    org_id = Id(required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(("partner", "enterprise")))


class MemberOut(ma.Schema):
    id = ma.fields.Integer()
    cluster_id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    role = ma.fields.String()


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


class VoucherIn(ma.Schema):
    scheme_id = Id(required=True)
    contract_id = Id(required=True)


class ReasonIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


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


class VoucherListArgs(PageArgs):
    scheme_id = Id(load_default=None)
    status = ma.fields.String(load_default=None)


VoucherPage = page_schema(VoucherOut, "VoucherPage")
