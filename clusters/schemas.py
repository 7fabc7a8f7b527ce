"""Wire formats of cluster pilots and their members."""
from __future__ import annotations

import marshmallow as ma

from adapters.fields import Id


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
