"""The completeness check on submission, as a pure rule: every gap at once, each with its field."""

from dataclasses import replace
from datetime import date

import pytest

from app.applications.rules import REQUIRED_TEXTS, SubmissionFacts, submission_gaps

REQUIREMENT_KEYS = ("usable", "secure")
COMPLETE = SubmissionFacts(
    kind="implementation", texts={field: "Text" for field in REQUIRED_TEXTS},
    estimated_users=60_000, estimated_users_within_years=3,
    requirements={key: "Så här" for key in REQUIREMENT_KEYS}, requirement_keys=REQUIREMENT_KEYS,
    goal_numbers=(1, 2), motivated_goal_numbers=frozenset({1, 2}), requested_sek=1_200_000,
    cost_amounts_sek=(700_000, 500_000), starts_on=date(2008, 3, 1), ends_on=date(2009, 6, 30),
    milestone_count=1, has_benefit_calculation=True)
EMPTY = SubmissionFacts(
    kind="implementation", texts={}, estimated_users=None, estimated_users_within_years=None,
    requirements={}, requirement_keys=REQUIREMENT_KEYS, goal_numbers=(1, 2),
    motivated_goal_numbers=frozenset(), requested_sek=None, cost_amounts_sek=(), starts_on=None,
    ends_on=None, milestone_count=0, has_benefit_calculation=False)


def test_a_complete_application_has_no_gap():
    assert submission_gaps(COMPLETE) == []


def test_an_empty_application_lists_every_gap_at_once():
    fields = [gap.field for gap in submission_gaps(EMPTY)]
    assert fields == [*REQUIRED_TEXTS, "estimated_users", "estimated_users_within_years",
                      "requirements.usable", "requirements.secure", "goal_scores.1",
                      "goal_scores.2", "requested_sek", "cost_lines", "starts_on", "ends_on",
                      "milestones", "benefit_calculation"]


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"texts": {**COMPLETE.texts, "description": "   "}}, "description", "text_missing"),
    ({"estimated_users": 0}, "estimated_users", "users_missing"),
    ({"estimated_users_within_years": 4}, "estimated_users_within_years", "users_years_missing"),
    ({"requirements": {"usable": "Så här", "secure": ""}}, "requirements.secure",
     "requirement_missing"),
    ({"motivated_goal_numbers": frozenset({1})}, "goal_scores.2", "goal_unscored"),
    ({"requested_sek": None}, "requested_sek", "amount_missing"),
    ({"cost_amounts_sek": ()}, "cost_lines", "costs_missing"),
    ({"cost_amounts_sek": (700_000, 499_999)}, "cost_lines", "costs_differ"),
    ({"starts_on": None}, "starts_on", "start_missing"),
    ({"ends_on": date(2008, 2, 29)}, "ends_on", "end_before_start"),
    ({"milestone_count": 0}, "milestones", "milestones_missing"),
    ({"has_benefit_calculation": False}, "benefit_calculation", "calculation_missing"),
])
def test_each_gap_alone_is_the_only_one_named(change, field, code):
    gaps = submission_gaps(replace(COMPLETE, **change))
    assert [(gap.field, gap.code) for gap in gaps] == [(field, code)]


def test_a_feasibility_study_needs_no_milestone():
    assert submission_gaps(replace(COMPLETE, kind="feasibility", milestone_count=0)) == []


def test_a_cost_difference_carries_both_amounts():
    gap, = submission_gaps(replace(COMPLETE, cost_amounts_sek=(700_000, 499_999)))
    assert (gap.total_sek, gap.requested_sek) == (1_199_999, 1_200_000)
