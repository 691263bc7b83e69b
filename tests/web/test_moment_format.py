"""A moment on a page: its Stockholm time of day on the real clock; on a demo date only its
day, since the time stamped there is today's clock time joined to the demo's day."""

from datetime import UTC, date, datetime

import pytest

MOMENT = datetime(2010, 3, 1, 20, 16, tzinfo=UTC)


@pytest.mark.parametrize(("demo_date", "shown"), [
    (None, "2010-03-01 21:16"),
    (date(2010, 3, 1), "2010-03-01"),
])
def test_a_moment_shows_its_time_of_day_only_on_the_real_clock(app, monkeypatch, demo_date,
                                                               shown):
    monkeypatch.setitem(app.config, "DEMO_DATE", demo_date)
    with app.test_request_context("/"):
        template = app.jinja_env.from_string("{{ moment|date }}|{{ day|date }}")
        assert template.render(moment=MOMENT, day=date(2010, 3, 1)) == f"{shown}|2010-03-01"
