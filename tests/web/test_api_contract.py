"""The API keeps its own contract: schemathesis with every check against the OpenAPI document.

The run goes through the WSGI app (no network), on the seeded demo as of 1 March 2010, once
with the programme office's token and once with an applicant's (Karin, Trafikkontoret). Each
case runs in a savepoint that is rolled back, so the generated writes never pile up.
Examples are bounded and derandomised so the run is the same on every machine.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.web.seeded_demo import each_request_rolled_back, issue_token, seeded_demo

EXAMPLES_PER_OPERATION = 6
CALLERS = {
    "programme_office": "jonas@demo.stockholm.example",
    "applicant": "karin@demo.stockholm.example",
}
CASES: dict[str, int] = {}


@pytest.fixture(scope="module")
def demo_world(app):
    with seeded_demo(app) as connection:
        tokens = {role: issue_token(app, email) for role, email in CALLERS.items()}
        yield connection, tokens


@pytest.fixture(scope="module")
def api_schema(app, demo_world):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


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
        case.call_and_validate(headers=tokens[role])


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
