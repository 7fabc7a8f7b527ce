"""Pure rules of cluster pilots (POLICY.md §3, notice 492 §二): one starting area, the lead
limits, and the performance task book (绩效任务书). Standard library and ``kernel`` only."""
from __future__ import annotations

import re
from dataclasses import dataclass

from kernel.errors import ValidationError

# --- the starting area (起步区域) ----------------------------------------------------------------

# "起步区域数量原则上为 1 个": one 专业镇, park or county. A name never contains these; a text that
# does lists two areas ("西樵镇、九江镇", "西樵镇/九江镇"). Words such as 和 or 及 are not refused:
# they occur inside real names (和平县).
AREA_SEPARATORS = "、,，;；/／|｜\\\n\r\t"


def one_starting_area(text: object) -> str:
    """The starting area's name, or VALIDATION_ERROR on ``starting_area`` when it is missing or
    names more than one area (``details.reason``: ``required`` or ``more_than_one``)."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("starting_area names the pilot's one starting area", field="starting_area",
                              details={"reason": "required"})
    found = sorted({ch for ch in text if ch in AREA_SEPARATORS})
    if found:
        raise ValidationError("a pilot has exactly one starting area (起步区域); this names more than one",
                              field="starting_area", details={"reason": "more_than_one", "separators": found})
    return " ".join(text.split())


# --- lead limits ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadLimit:
    limit: int
    per_year: bool  # counted among the pilots of one year, or among all the lead's active pilots


def lead_limit(provider_class: str | None) -> LeadLimit:
    """A national cross-industry platform (国家跨行业跨领域平台商) leads at most three pilots a year;
    any other provider (a 服务商, operators included) leads one. Cancelled pilots do not count."""
    if provider_class == "national_platform":
        return LeadLimit(3, True)
    return LeadLimit(1, False)


# --- the task book (绩效任务书) ------------------------------------------------------------------

TARGETS = {"experience_centres": 1, "benchmark_cases": 2, "enterprises_on_platform": 20}


def case_type_key(case_type: str) -> str:
    """Two cases are of the same type when their types read the same, case and spacing aside."""
    return re.sub(r"\s+", " ", case_type).strip().casefold()


def met(figures: dict[str, int], targets: dict[str, int] = TARGETS) -> dict[str, bool]:
    return {name: figures[name] >= target for name, target in targets.items()}


# --- the application (申报书) -------------------------------------------------------------------

# 二、实施方案: the plan's sections, in the template's order, with their headings.
SECTIONS = {
    "status_quo": "（一）产业集群发展现状",
    "pain_points": "（二）产业集群痛点分析：存在问题",
    "causes": "（二）产业集群痛点分析：原因分析",
    "overall_path": "（三）1.总体路径",
    "key_tasks": "（三）2.重点任务",
    "targets": "（三）3.转型目标",
    "schedule": "（三）4.实施计划",
    "budget": "（三）5.投资预算",
    "safeguards": "（三）6.实施保障",
}
SECTION_MAX_CHARS = 20_000
SECTION_MAX_COUNT = 30
# POLICY.md names the sections in Chinese; a section sent under one of these names is that section
SECTION_ALIASES = {
    "现状": "status_quo", "发展现状": "status_quo", "产业集群发展现状": "status_quo",
    "痛点": "pain_points", "痛点与原因": "pain_points", "存在问题": "pain_points", "痛点分析": "pain_points",
    "原因": "causes", "原因分析": "causes",
    "总体路径": "overall_path", "重点任务": "key_tasks", "转型目标": "targets", "实施计划": "schedule",
    "投资预算": "budget", "实施保障": "safeguards",
}


def section_key(name: str) -> str:
    """The section a name stands for: a key of ``SECTIONS``, or the name itself (a section of the
    lead's own, printed after the template's)."""
    name = name.strip()
    return name if name in SECTIONS else SECTION_ALIASES.get(name, name)

# Annex 2: 短板分类
SHORTCOMING_CATEGORIES = ("产业技术", "工艺装备", "专业人才", "标准体系")

# Annex 4: one project above this (100亿元) is a typing slip, not a plan; in fen.
PROJECT_INVESTMENT_MAX = 10_000_000_000 * 100
ROADMAP_MAX_DAYS = 2 * 366 + 1  # "按2年期规划": the roadmap spans at most two years


class DatesOutOfOrder(ValidationError):
    code = "DATES_OUT_OF_ORDER"


class InvalidInvestment(ValidationError):
    code = "INVALID_INVESTMENT"


def check_investment(fen: int, *, field: str) -> int:
    """A key project's investment: above zero and not absurd (at most 100亿元)."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen <= 0:
        raise InvalidInvestment("a key project's investment must be above zero", field=field,
                                details={"reason": "not_positive"})
    if fen > PROJECT_INVESTMENT_MAX:
        raise InvalidInvestment("a key project's investment above 10,000,000,000.00 is not plausible", field=field,
                                details={"reason": "absurd", "max": PROJECT_INVESTMENT_MAX})
    return fen


def check_period(start, end, *, field: str) -> None:
    if start > end:
        raise DatesOutOfOrder(f"{field}: the start ({start}) is after the end ({end})", field=field,
                              details={"start_on": start.isoformat(), "end_on": end.isoformat()})


def check_roadmap(phases: list[tuple]) -> None:
    """Annex 3: phases ``(start_on, end_on)`` in order (each starts no earlier than the one before
    and ends no earlier than it starts) over at most two years."""
    for i, (start, end) in enumerate(phases):
        check_period(start, end, field=f"annexes.roadmap[{i}]")
        if i and start < phases[i - 1][0]:
            raise DatesOutOfOrder(f"roadmap phase {i + 1} starts before phase {i}", field=f"annexes.roadmap[{i}].start_on",
                                  details={"start_on": start.isoformat(), "previous_start_on": phases[i - 1][0].isoformat()})
    if phases:
        first, last = phases[0][0], max(end for _, end in phases)
        if (last - first).days > ROADMAP_MAX_DAYS:
            raise DatesOutOfOrder("the roadmap spans more than two years (按2年期规划)", field="annexes.roadmap",
                                  details={"first_start_on": first.isoformat(), "last_end_on": last.isoformat()})


# --- the path: who acts at which status -----------------------------------------------------------

# status -> (the authority level that acts on it, the action that moves it on, the status it moves to)
PATH = {
    "submitted": ("area", "recommend", "recommended"),
    "recommended": ("city", "review", "reviewed"),
    "reviewed": ("province", "approve", "approved"),
}
EDITABLE = ("draft", "returned")
IN_FLIGHT = tuple(PATH)


# --- the yearly assessment (评估) -----------------------------------------------------------------

# figure -> (label, held by the service or entered by the province)
FIGURES = {
    "experience_centres": ("体验展示中心", "held"),
    "benchmark_cases": ("标杆案例（类型数）", "held"),
    "enterprises_on_platform": ("上平台企业数", "held"),
    "qualified_trainees": ("人才培养数（合格学员）", "held"),
    "connected_devices": ("设备联网数", "held"),
    "factories_connected": ("工厂连接数", "entered"),
    "benchmark_enterprises": ("标杆企业数", "entered"),
    "partners_recruited": ("合作伙伴招商数", "entered"),
    "orders_growth_percent": ("订单引流增长（%）", "entered"),
}
HELD = tuple(k for k, (_, src) in FIGURES.items() if src == "held")
ENTERED = tuple(k for k, (_, src) in FIGURES.items() if src == "entered")
FIGURE_MAX = 10_000_000


def assessment_targets(declared: dict[str, int]) -> dict[str, int]:
    """What a pilot is measured against: the task book's minimums, raised by the targets its
    application declared for the year, and every other declared target."""
    targets = dict(TARGETS)
    for name, value in declared.items():
        targets[name] = max(value, targets.get(name, 0))
    return targets


def assess(values: dict[str, int], targets: dict[str, int]) -> tuple[list[dict], bool]:
    """Each figure against its target (met when at least the target); passed when every target is met."""
    lines = []
    for name, (label, source) in FIGURES.items():
        if name not in values and name not in targets:
            continue
        value = values.get(name)
        target = targets.get(name)
        met = None if target is None else (value is not None and value >= target)
        lines.append({"figure": name, "label": label, "source": source, "value": value, "target": target,
                      "met": met})
    return lines, all(line["met"] for line in lines if line["met"] is not None)
