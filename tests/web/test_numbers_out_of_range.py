"""A number too large for the database is a clear 400, on pages and in the API, never a 500."""

import pytest

HUGE = "9" * 25


@pytest.fixture
def office(people, login_as, make_programme):
    make_programme()
    return login_as(people.jonas)


@pytest.mark.parametrize("path", [
    f"/projects/{HUGE}",
    f"/applications/{HUGE}",
    f"/adherence?programme_id={HUGE}",
    f"/tertial-reports?programme_id={HUGE}",
    f"/projects/?organisation={HUGE}",
])
def test_a_page_with_a_huge_number_says_what_to_do(office, path):
    response = office.get(path)

    assert response.status_code == 400
    assert "för stort" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    f"/api/v1/projects/{HUGE}",
    f"/api/v1/ideas?organisation_id={HUGE}",
    f"/api/v1/adherence?programme_id={HUGE}&on=2010-03-01",
])
def test_an_api_call_with_a_huge_number_is_a_problem_not_a_crash(client, people, api_token,
                                                                  make_programme, path):
    make_programme()

    response = client.get(path, headers=api_token(people.jonas))

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert "för stort" in response.get_json()["detail"]
