"""Error pages speak the user's language and say what to do, whatever raised them."""

import pytest


@pytest.mark.parametrize(("path", "status", "swedish"), [
    ("/ideas/?state=bogus", 400, "Begäran kunde inte förstås"),
    ("/no-such-page", 404, "Sidan finns inte"),
])
def test_an_error_page_without_its_own_message_says_what_to_do_in_swedish(
        client, people, login_as, path, status, swedish):
    login_as(people.karin)

    response = client.get(path)

    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert swedish in page
    assert "The browser (or proxy)" not in page and "requested URL was not found" not in page


def test_a_refused_page_says_so_in_swedish(client, people, login_as):
    login_as(people.karin)

    response = client.get("/tertial-reports")

    assert response.status_code == 403
    assert "Du har inte behörighet till den här sidan" in response.get_data(as_text=True)
