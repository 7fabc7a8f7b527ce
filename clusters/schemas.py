"""Wire formats of cluster pilots and their members."""
from __future__ import annotations

import marshmallow as ma

from adapters.fields import Id, Money, Stamp
from adapters.paging import PageArgs, page_schema


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


class DeclaredTarget(ma.Schema):
    year = ma.fields.Integer()
    figure = ma.fields.String()
    target = ma.fields.Integer()


class TaskBook(ma.Schema):
    targets = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    declared_targets = ma.fields.List(ma.fields.Nested(DeclaredTarget), metadata={
        "description": "the yearly targets its application (申报书) declared; empty for a pilot an admin registered"})
    experience_centres = ma.fields.List(ma.fields.Nested(ExperienceCentreOut))
    benchmark_cases = ma.fields.List(ma.fields.Nested(BenchmarkCaseOut))


class ClusterDetailOut(ClusterOut):
    application_id = ma.fields.Integer(allow_none=True)
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


# --- pilot applications (申报书) -------------------------------------------------------------------

class EnterpriseRow(ma.Schema):
    """Annex 1, 产业集群企业分布情况表: a link of the industry chain and a size of enterprise."""
    segment = ma.fields.String(required=True, metadata={"description": "产业链环节"})
    scale = ma.fields.String(load_default=None, metadata={"description": "企业规模, e.g. 规上 / 中小微"})
    count = ma.fields.Integer(load_default=0, metadata={"description": "企业数量"})
    backbone = ma.fields.Raw(load_default=None, metadata={"description": "骨干企业名单: a text, or a list of names"})


class ShortcomingRow(ma.Schema):
    """Annex 2, 产业集群短板突破实施计划表."""
    category = ma.fields.String(required=True, metadata={"description": "产业技术, 工艺装备, 专业人才 or 标准体系"})
    content = ma.fields.String(required=True, metadata={"description": "短板内容"})
    plan = ma.fields.String(load_default=None, metadata={"description": "two years' 工作安排"})


class RoadmapRow(ma.Schema):
    """Annex 3, 产业集群数字化转型路线图: phases in order over at most two years."""
    phase = ma.fields.String(required=True)
    start_on = ma.fields.Date(required=True)
    end_on = ma.fields.Date(required=True)
    goal = ma.fields.String(load_default=None)


class ProjectRow(ma.Schema):
    """Annex 4, 重点建设项目表; the investments sum to the budget (``investment_total``)."""
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True, metadata={"description": "项目单位"})
    content = ma.fields.String(load_default=None, metadata={"description": "建设内容"})
    start_on = ma.fields.Date(required=True)
    end_on = ma.fields.Date(required=True)
    investment = Money(required=True, allow_negative=True,
                       metadata={"description": "投资额 in yuan: above 0.00, at most 10,000,000,000.00"})


class Annexes(ma.Schema):
    enterprises = ma.fields.List(ma.fields.Nested(EnterpriseRow), load_default=list)
    shortcomings = ma.fields.List(ma.fields.Nested(ShortcomingRow), load_default=list)
    roadmap = ma.fields.List(ma.fields.Nested(RoadmapRow), load_default=list)
    projects = ma.fields.List(ma.fields.Nested(ProjectRow), load_default=list)
    product_ids = ma.fields.List(Id(), load_default=list, metadata={
        "description": "Annex 5: approved catalogue products of the lead and its partner providers"})


class TargetRow(ma.Schema):
    """A declared target (转型目标) for the application's year or the next."""
    year = ma.fields.Integer(required=True)
    figure = ma.fields.String(required=True, metadata={"description": "experience_centres, benchmark_cases, "
                              "enterprises_on_platform, qualified_trainees, connected_devices, factories_connected, "
                              "benchmark_enterprises, partners_recruited, orders_growth_percent"})
    target = ma.fields.Integer(required=True)


class ApplicationIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    industry = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    starting_area = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    city = ma.fields.String(required=True)
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=2000, max=2100))
    contact = ma.fields.String(load_default=None, metadata={"description": "联系人及方式"})
    partner_org_ids = ma.fields.List(Id(), load_default=list, metadata={"description": "联合单位: registered organisations"})
    sections = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), load_default=dict,
                              metadata={"description": "实施方案: status_quo, pain_points, causes, overall_path, "
                                                       "key_tasks, targets, schedule, budget, safeguards (or their "
                                                       "Chinese names: 现状, 痛点与原因, 原因分析, 总体路径, 重点任务, 转型目标, "
                                                       "实施计划, 投资预算, 实施保障); other names are sections of "
                                                       "the lead's own, printed after these"})
    annexes = ma.fields.Nested(Annexes, load_default=dict)
    targets = ma.fields.List(ma.fields.Nested(TargetRow), load_default=list)


class ApplicationPartner(ma.Schema):
    org_id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()


class ApplicationStep(ma.Schema):
    action = ma.fields.String()
    from_status = ma.fields.String()
    to_status = ma.fields.String()
    level = ma.fields.String(allow_none=True)
    user_id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    org_name = ma.fields.String()
    reason = ma.fields.String(allow_none=True)
    at = Stamp()


class ApplicationOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    industry = ma.fields.String()
    starting_area = ma.fields.String()
    city = ma.fields.String()
    year = ma.fields.Integer()
    contact = ma.fields.String()
    status = ma.fields.String(metadata={"description": "draft, submitted, recommended, reviewed, approved, returned"})
    waiting_for = ma.fields.String(allow_none=True, metadata={"description": "the level that acts next"})
    lead_org_id = ma.fields.Integer()
    lead_name = ma.fields.String()
    investment_total = Money()
    cluster_id = ma.fields.Integer(allow_none=True)
    partner_org_ids = ma.fields.List(ma.fields.Integer())
    partners = ma.fields.List(ma.fields.Nested(ApplicationPartner))
    sections = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    targets = ma.fields.List(ma.fields.Nested(TargetRow))
    annexes = ma.fields.Nested(Annexes)
    steps = ma.fields.List(ma.fields.Nested(ApplicationStep))
    created_at = Stamp()
    updated_at = Stamp()


class ApplicationSummary(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    industry = ma.fields.String()
    starting_area = ma.fields.String()
    city = ma.fields.String()
    year = ma.fields.Integer()
    status = ma.fields.String()
    lead_org_id = ma.fields.Integer()
    investment_total = Money()
    cluster_id = ma.fields.Integer(allow_none=True)


class ApplicationListArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(
        ("draft", "submitted", "recommended", "reviewed", "approved", "returned")))
    queue = ma.fields.Boolean(load_default=False, metadata={
        "description": "staff: only what waits for your authority (its level and place)"})


ApplicationPage = page_schema(ApplicationSummary, "ApplicationPage")


class ReturnIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


# --- the yearly assessment ------------------------------------------------------------------------

class AssessmentIn(ma.Schema):
    """The entered figures go in ``figures`` or, the same, as fields of their own."""
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=2000, max=2100))
    figures = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), load_default=dict, metadata={
        "description": "the figures the service does not hold: factories_connected, benchmark_enterprises, "
                       "partners_recruited, orders_growth_percent"})
    factories_connected = ma.fields.Integer(load_default=None, metadata={"description": "工厂连接数"})
    benchmark_enterprises = ma.fields.Integer(load_default=None, metadata={"description": "标杆企业数"})
    partners_recruited = ma.fields.Integer(load_default=None, metadata={"description": "合作伙伴招商数"})
    orders_growth_percent = ma.fields.Integer(load_default=None, metadata={"description": "订单引流增长（%）"})
    note = ma.fields.String(load_default=None, validate=ma.validate.Length(max=1000))

    @ma.post_load
    def gather(self, data, **kwargs):
        figures = dict(data.pop("figures"))
        for name in ("factories_connected", "benchmark_enterprises", "partners_recruited", "orders_growth_percent"):
            value = data.pop(name)
            if value is not None:
                if name in figures and figures[name] != value:
                    raise ma.ValidationError(f"{name} is given twice with different values", field_name=name)
                figures[name] = value
        return {**data, "figures": figures}


class AssessmentFigure(ma.Schema):
    figure = ma.fields.String()
    label = ma.fields.String()
    source = ma.fields.String(metadata={"description": "held (from the data) or entered"})
    value = ma.fields.Integer(allow_none=True)
    target = ma.fields.Integer(allow_none=True)
    met = ma.fields.Boolean(allow_none=True)


class AssessmentOut(ma.Schema):
    id = ma.fields.Integer()
    cluster_id = ma.fields.Integer()
    year = ma.fields.Integer()
    as_of = ma.fields.Date()
    figures = ma.fields.List(ma.fields.Nested(AssessmentFigure))
    passed = ma.fields.Boolean()
    note = ma.fields.String(allow_none=True)
    assessed_by = ma.fields.Integer()
    assessed_org_id = ma.fields.Integer()
    assessed_at = Stamp()
    status = ma.fields.String(metadata={"description": "the pilot's status after the assessment"})


class AssessmentList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AssessmentOut))


class DashboardArgs(ma.Schema):
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=2000, max=2100))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("active", "cancelled")))
    assessment = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("passed", "failed", "not_assessed")),
                                  metadata={"description": "the pilot's latest assessment"})


class DashboardPilot(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    year = ma.fields.Integer()
    city = ma.fields.String()
    starting_area = ma.fields.String()
    lead_org_id = ma.fields.Integer()
    lead_name = ma.fields.String()
    status = ma.fields.String()
    application_id = ma.fields.Integer(allow_none=True)
    assessed_year = ma.fields.Integer(allow_none=True)
    assessment = ma.fields.String(allow_none=True, metadata={"description": "passed, failed or null"})


class DashboardCount(ma.Schema):
    year = ma.fields.Integer()
    status = ma.fields.String()
    assessment = ma.fields.String()
    pilots = ma.fields.Integer()


class DashboardOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DashboardPilot))
    counts = ma.fields.List(ma.fields.Nested(DashboardCount))
