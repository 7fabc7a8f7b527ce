"""Wire formats of schemes and their budgets."""
from __future__ import annotations

from dataclasses import fields

import marshmallow as ma

from adapters.fields import Money
from adapters.paging import PageArgs, page_schema
from kernel.errors import N_
from schemes.rules import SCHEME_KINDS, Settings

SETTING_KEYS = tuple(f.name for f in fields(Settings))  # every setting of POLICY.md §5


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
            raise ma.ValidationError({unknown[0]: [N_("unknown field")]})
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
