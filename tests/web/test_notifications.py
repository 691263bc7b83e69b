"""In-app notifications: the applicant hears of every stage change."""

import re

from tests.conftest import csrf_token_from


def test_applicant_sees_stage_changes_and_can_mark_them_read(client, people, login_as,
                                                             make_application):
    make_application("in_preparation")
    login_as(people.karin)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count("ANS-2008-0001") == 2
    unread = re.search(r'badge text-bg-light">(\d+)<', page)
    assert unread and int(unread.group(1)) == 2
    client.post("/notifications/read", data={"csrf_token": csrf_token_from(page)})
    page = client.get("/notifications").get_data(as_text=True)
    assert re.search(r'badge text-bg-light">(\d+)<', page).group(1) == "0"


def test_notifications_are_private(client, people, login_as, make_application):
    make_application("submitted")
    login_as(people.sven)
    assert "ANS-2008" not in client.get("/notifications").get_data(as_text=True)
