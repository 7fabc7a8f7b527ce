"""Wire formats of organisations."""
from __future__ import annotations

import marshmallow as ma

from adapters.fields import Money, Stamp
from adapters.paging import PageArgs, page_schema
from parties.rules import AUTHORITY_LEVELS, ORG_KINDS, PROVIDER_CLASSES


class OrgIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(ORG_KINDS))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    uscc = ma.fields.String(required=True)
    city = ma.fields.String(required=True)
    founded_on = ma.fields.Date(load_default=None)
    prior_year_revenue = Money(load_default=None)
    provider_class = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PROVIDER_CLASSES))
    bank_name = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))
    bank_account = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    level = ma.fields.String(load_default=None, validate=ma.validate.OneOf(AUTHORITY_LEVELS),
                             metadata={"description": "authorities only: province (default), city or area"})
    area = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100),
                            metadata={"description": "an area authority's 专业镇, park or county (in its city)"})


class OrgOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()
    uscc = ma.fields.String()
    city = ma.fields.String()
    founded_on = ma.fields.Date(allow_none=True)
    prior_year_revenue = Money(allow_none=True)
    provider_class = ma.fields.String(allow_none=True)
    bank_name = ma.fields.String(allow_none=True)
    bank_account = ma.fields.String(allow_none=True)
    level = ma.fields.String(allow_none=True)
    area = ma.fields.String(allow_none=True)


class BankAccountIn(ma.Schema):
    bank_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    bank_account = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class BankAccountChangeOut(ma.Schema):
    id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    changed_by = ma.fields.Integer()
    changed_at = Stamp()
    old_bank_name = ma.fields.String(allow_none=True)
    old_bank_account = ma.fields.String(allow_none=True)
    new_bank_name = ma.fields.String()
    new_bank_account = ma.fields.String()
    reason = ma.fields.String()


class BankAccountChanges(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BankAccountChangeOut))


class OrgListArgs(PageArgs):
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(ORG_KINDS))


OrgPage = page_schema(OrgOut, "OrgPage")
