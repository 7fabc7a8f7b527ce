"""Wire shapes of the catalogue API (API.md: money as two-decimal strings, dates YYYY-MM-DD)."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from adapters.fields import Id, Money
from adapters.paging import PageArgs, page_schema
from adapters.tables import rfc3339
from catalog import rules
from catalog.models import PRODUCT_STATUSES


class StandardField(ma.fields.Field):
    """In: the object as sent; ``rules.parse_standard`` checks it in the service, so the error names
    the exact problem. Out: ``rules.standard_to_dict``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else rules.standard_to_dict(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ma.ValidationError('standard must be an object such as {"kind": "ratio", "rate": "0.30"}')
        return value


class Stamp(ma.fields.Field):
    """RFC 3339 UTC, also for the naive datetimes SQLite hands back."""

    def _serialize(self, value, attr, obj, **kwargs):
        return rfc3339(value)


def _product_fields(required: bool) -> dict[str, ma.fields.Field]:
    r = {"required": True} if required else {}
    return {
        "name": ma.fields.String(**r, metadata={"description": "产品名称"}),
        "item_kind": ma.fields.String(**r, metadata={"description": "one of " + ", ".join(rules.ITEM_KINDS)}),
        "unit": ma.fields.String(**r, metadata={"description": "the item kind's unit, e.g. 台, m², 条·年"}),
        "unit_price": Money(**r),
        "scenario": ma.fields.String(**r, metadata={"description": "应用场景"}),
        "modules": ma.fields.List(ma.fields.String(), **r, metadata={"description": "功能模块"}),
        "expected_effect": ma.fields.String(**r, metadata={"description": "预期效果"}),
        "standard": StandardField(**r, metadata={"description": "奖补标准: ratio, per_unit or tiered"}),
        "valid_from": ma.fields.Date(**r),
        "valid_to": ma.fields.Date(**r),
    }


ProductIn = ma.Schema.from_dict(_product_fields(True), name="ProductIn")
ProductChangeIn = ma.Schema.from_dict(_product_fields(False), name="ProductChangeIn")


class ProductOut(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "the product id (stable across versions)"})
    version_id = ma.fields.Integer(metadata={"description": "this version's id (what a contract pins)"})
    version = ma.fields.Integer()
    status = ma.fields.String()
    provider_id = ma.fields.Integer()
    provider_name = ma.fields.String(metadata={"description": "产品单位"})
    name = ma.fields.String()
    item_kind = ma.fields.String()
    item_kind_label = ma.fields.String()
    unit = ma.fields.String()
    unit_price = Money()
    scenario = ma.fields.String()
    modules = ma.fields.List(ma.fields.String())
    expected_effect = ma.fields.String()
    standard = StandardField()
    standard_text = ma.fields.String(metadata={"description": "奖补标准 as Annex 5 text"})
    valid_from = ma.fields.Date()
    valid_to = ma.fields.Date()
    rejection_reason = ma.fields.String(allow_none=True)
    submitted_at = Stamp(allow_none=True)
    reviewed_at = Stamp(allow_none=True)
    created_at = Stamp()


class VersionOut(ma.Schema):
    version = ma.fields.Integer()
    version_id = ma.fields.Integer()
    status = ma.fields.String()
    unit_price = Money()
    valid_from = ma.fields.Date()
    valid_to = ma.fields.Date()
    rejection_reason = ma.fields.String(allow_none=True)
    reviewed_at = Stamp(allow_none=True)


class ProductDetail(ProductOut):
    versions = ma.fields.List(ma.fields.Nested(VersionOut))


class ProductArgs(ma.Schema):
    version = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1))


class ProductListArgs(PageArgs):
    item_kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(tuple(rules.ITEM_KINDS)))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PRODUCT_STATUSES))
    provider_id = Id(load_default=None)
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100))
    valid_on = ma.fields.Date(load_default=None)


ProductPage = page_schema(ProductOut, "ProductPage")


class RejectIn(ma.Schema):
    reason = ma.fields.String(required=True)


class ImportArgs(ma.Schema):
    dry_run = ma.fields.Boolean(load_default=False)


class ImportFile(ma.Schema):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8 or GBK) or XLSX, Annex 5 columns"})


class RowErrorOut(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "the spreadsheet's row number (header is row 1)"})
    field = ma.fields.String()
    message = ma.fields.String()


class ImportOut(ma.Schema):
    ok = ma.fields.Boolean()
    rows = ma.fields.Integer()
    dry_run = ma.fields.Boolean()
    format = ma.fields.String()
    encoding = ma.fields.String(allow_none=True)
    created = ma.fields.List(ma.fields.Integer(), metadata={"description": "product ids saved as drafts"})
    errors = ma.fields.List(ma.fields.Nested(RowErrorOut))


class ExportArgs(ma.Schema):
    format = ma.fields.String(load_default="csv", validate=ma.validate.OneOf(("csv", "xlsx")))
    provider_id = Id(load_default=None)
    item_kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(tuple(rules.ITEM_KINDS)))
    valid_on = ma.fields.Date(load_default=None)
