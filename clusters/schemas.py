"""Wire formats of cluster pilots and their members."""
from __future__ import annotations

import marshmallow as ma

from adapters.fields import Id, Money


class ClusterIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    industry = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    starting_area = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100),
                                     metadata={"description": "exactly one 专业镇, park or county; a list or a "
                                                              "text naming two (西樵镇、九江镇) is refused"})
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
    status = ma.fields.String(metadata={"description": "active | cancelled"})


class MemberIn(ma.Schema):
    org_id = Id(required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(("partner", "enterprise")))


class MemberOut(ma.Schema):
    id = ma.fields.Integer()
    cluster_id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    role = ma.fields.String()


class ExperienceCentreIn(ma.Schema):
    name = ma.fields.String(required=True)
    opened_on = ma.fields.Date(required=True)


class ExperienceCentreOut(ma.Schema):
    id = ma.fields.Integer()
    cluster_id = ma.fields.Integer()
    name = ma.fields.String()
    opened_on = ma.fields.Date()


class BenchmarkCaseIn(ma.Schema):
    title = ma.fields.String(required=True)
    case_type = ma.fields.String(required=True, metadata={"description": "e.g. 智能制造, 供应链协同, 产能共享"})


class BenchmarkCaseOut(ma.Schema):
    id = ma.fields.Integer()
    cluster_id = ma.fields.Integer()
    title = ma.fields.String()
    case_type = ma.fields.String()


class PilotMember(ma.Schema):
    org_id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    role = ma.fields.String(metadata={"description": "partner (alliance member; the lead is one) | enterprise"})


class TaskBook(ma.Schema):
    targets = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    experience_centres = ma.fields.List(ma.fields.Nested(ExperienceCentreOut))
    benchmark_cases = ma.fields.List(ma.fields.Nested(BenchmarkCaseOut))


class ClusterDetailOut(ClusterOut):
    members = ma.fields.List(ma.fields.Nested(PilotMember))
    task_book = ma.fields.Nested(TaskBook)


class PilotMoney(ma.Schema):
    """Money that reached the pilot's member enterprises (see ``clusters.performance``)."""
    vouchers_issued = ma.fields.Integer(metadata={"description": "cloud vouchers issued on alliance contracts"})
    vouchers_face_value = Money()
    vouchers_approved = Money()
    vouchers_paid = Money()
    financing_rewards_approved = Money()
    financing_rewards_paid = Money()
    talent_approved = Money()
    talent_paid = Money()


class PerformanceOut(ma.Schema):
    cluster_id = ma.fields.Integer()
    status = ma.fields.String()
    as_of = ma.fields.Date()
    experience_centres = ma.fields.Integer()
    benchmark_cases = ma.fields.Integer(metadata={"description": "distinct types among the recorded cases"})
    benchmark_cases_recorded = ma.fields.Integer()
    enterprises_on_platform = ma.fields.Integer(metadata={
        "description": "member enterprises with a paid cloud-voucher claim on a contract with the alliance"})
    member_enterprises = ma.fields.Integer()
    targets = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    met = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Boolean())
    money = ma.fields.Nested(PilotMoney)
