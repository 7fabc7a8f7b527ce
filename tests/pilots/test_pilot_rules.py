"""The pure rules of applications and assessments (clusters/rules.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from clusters import rules
from kernel.errors import ValidationError

D = dt.date


def test_a_roadmap_of_two_phases_in_order_within_two_years_is_accepted():
    rules.check_roadmap([(D(2026, 4, 1), D(2026, 12, 31)), (D(2027, 1, 1), D(2028, 3, 31))])


@pytest.mark.parametrize("phases", [
    [(D(2026, 5, 1), D(2026, 4, 1))],                                   # ends before it starts
    [(D(2027, 1, 1), D(2027, 6, 30)), (D(2026, 4, 1), D(2026, 12, 31))],  # second phase before the first
    [(D(2026, 4, 1), D(2026, 12, 31)), (D(2027, 1, 1), D(2028, 12, 31))],  # more than two years
])
def test_a_roadmap_out_of_order_or_longer_than_two_years_is_refused(phases):
    with pytest.raises(ValidationError) as e:
        rules.check_roadmap(phases)
    assert e.value.code == "DATES_OUT_OF_ORDER"


@pytest.mark.parametrize("fen,reason", [(0, "not_positive"), (-1, "not_positive"),
                                        (rules.PROJECT_INVESTMENT_MAX + 1, "absurd")])
def test_an_investment_of_nothing_or_beyond_belief_is_refused(fen, reason):
    with pytest.raises(ValidationError) as e:
        rules.check_investment(fen, field="investment")
    assert (e.value.code, e.value.details["reason"]) == ("INVALID_INVESTMENT", reason)


def test_the_largest_plausible_investment_is_accepted():
    assert rules.check_investment(rules.PROJECT_INVESTMENT_MAX, field="investment") == rules.PROJECT_INVESTMENT_MAX


def test_declared_targets_raise_the_task_book_but_never_lower_it():
    targets = rules.assessment_targets({"enterprises_on_platform": 10, "experience_centres": 3, "connected_devices": 50})
    assert targets == {"experience_centres": 3, "benchmark_cases": 2, "enterprises_on_platform": 20,
                       "connected_devices": 50}


def test_a_pilot_passes_only_when_every_target_is_met_exactly_the_target_being_enough():
    targets = rules.assessment_targets({"factories_connected": 10})
    values = {"experience_centres": 1, "benchmark_cases": 2, "enterprises_on_platform": 20, "qualified_trainees": 0,
              "connected_devices": 0, "factories_connected": 10}
    lines, passed = rules.assess(values, targets)
    assert passed
    assert {l["figure"]: l["met"] for l in lines}["qualified_trainees"] is None  # no target: shown, not judged
    lines, passed = rules.assess({**values, "factories_connected": 9}, targets)
    assert not passed and [l["figure"] for l in lines if l["met"] is False] == ["factories_connected"]


def test_the_path_names_one_level_for_each_waiting_status():
    assert [level for level, _, _ in rules.PATH.values()] == ["area", "city", "province"]


def test_entered_figures_may_come_as_fields_of_their_own():
    from clusters.schemas import AssessmentIn
    loaded = AssessmentIn().load({"year": 2026, "factories_connected": 12, "figures": {"partners_recruited": 3}})
    assert loaded == {"year": 2026, "note": None, "figures": {"partners_recruited": 3, "factories_connected": 12}}


def test_a_section_under_its_chinese_name_is_the_templates_section_and_other_names_are_the_leads_own():
    assert [rules.section_key(n) for n in ("现状", "痛点与原因", "实施保障", "safeguards", "区域品牌建设")] == [
        "status_quo", "pain_points", "safeguards", "safeguards", "区域品牌建设"]
