"""The 申报书 as a report, built from hand-written facts (no database): its parts in the template's
order, the key projects with their total, and empty annexes that say so."""
from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from reports import build, render
from reports.document import Kind

LEAD = build.OrgFacts("佛山智造", "91440600MA0000009W", "佛山", "provider", dt.date(2015, 1, 1))
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def facts(**over) -> build.ApplicationFacts:
    base = dict(id=7, name="西樵纺织集群", industry="纺织服装", starting_area="南海区西樵镇", city="佛山", year=2026,
                contact="张经理", status="draft", lead=LEAD, partners=[], sections={"status_quo": "企业1200家"},
                enterprises=[], shortcomings=[], roadmap=[], targets=[],
                projects=[build.ProjectFacts("纺织云平台建设", "佛山智造", "订单协同", dt.date(2026, 4, 1),
                                             dt.date(2027, 3, 31), 300_000_000),
                          build.ProjectFacts("5G内网改造", "顺德设备", "", dt.date(2026, 6, 1), dt.date(2026, 12, 31), 1)],
                investment_total=300_000_001, steps=[], generated_at=NOW)
    return build.ApplicationFacts(**{**base, **over})


def test_the_key_projects_table_ends_with_the_investment_budget():
    doc = build.pilot_application(facts(), [])
    annex4 = next(t for t in doc.tables if t.title.startswith("附件4"))
    assert [c.header for c in annex4.columns] == ["序号", "项目名称", "项目单位", "建设内容", "建设时间", "投资额（元）"]
    assert annex4.columns[-1].kind is Kind.MONEY
    assert [row[-1] for row in annex4.rows] == [300_000_000, 1]
    assert annex4.totals == ("合计", None, None, None, None, 300_000_001)


def test_the_parts_follow_the_template_and_an_unwritten_section_says_so():
    doc = build.pilot_application(facts(), [])
    headings = [h for h, _ in doc.sections if h]
    assert headings[:3] == ["一、申报单位信息", "二、实施方案", "（一）产业集群发展现状"]
    assert headings[-1] == "6.实施保障"
    assert dict(doc.sections)["6.实施保障"] == "（未填写）"
    assert [t.title[:3] for t in doc.tables] == ["转型目", "附件1", "附件2", "附件3", "附件4", "附件5", "办理记"]


def test_the_pdf_prints_the_cover_then_the_plan_and_the_money_in_yuan():
    data = render.pdf(build.pilot_application(facts(), []))
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert "广东省特色产业集群数字化转型试点申报书" in pages[0] and "实施方案" not in pages[0]
    rest = "".join("".join(p.split()) for p in pages[1:])
    assert rest.index("二、实施方案") < rest.index("附件4") < rest.index("3,000,000.01")
    assert "未填写" in rest and "未列出产品" in rest


def test_a_section_of_the_leads_own_follows_the_templates_sections():
    doc = build.pilot_application(facts(sections={"status_quo": "企业1200家", "区域品牌建设": "打造西樵面料品牌"}), [])
    headings = [h for h, _ in doc.sections if h]
    assert headings[-2:] == ["6.实施保障", "区域品牌建设"] and dict(doc.sections)["区域品牌建设"] == "打造西樵面料品牌"
