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
