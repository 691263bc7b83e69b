"""The business clock: a demo date is a Stockholm day, whatever the hour in UTC."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from app.core import clock

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class FrozenDatetime(datetime):
    moment = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz) if tz else cls.moment.replace(tzinfo=None)


@pytest.mark.parametrize(("real", "demo"), [
    (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), date(2009, 6, 15)),
    (datetime(2026, 12, 6, 22, 30, tzinfo=UTC), date(2009, 6, 15)),
    (datetime(2026, 6, 6, 22, 30, tzinfo=UTC), date(2010, 3, 1)),
    (datetime(2026, 12, 6, 0, 30, tzinfo=UTC), date(2010, 3, 1)),
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), date(2010, 3, 28)),
    (datetime(2026, 12, 6, 23, 59, tzinfo=UTC), date(2010, 12, 31)),
    (datetime(2026, 7, 6, 22, 10, tzinfo=UTC), date(2009, 1, 1)),
])
def test_a_demo_date_is_the_business_date_at_every_hour(monkeypatch, real, demo):
    monkeypatch.setattr(FrozenDatetime, "moment", real)
    monkeypatch.setattr(clock, "datetime", FrozenDatetime)
    app = Flask(__name__)
    app.config.update(DEMO_DATE=demo.isoformat(), BABEL_DEFAULT_TIMEZONE="Europe/Stockholm")
    with app.app_context():
        stamped = clock.now()
        assert stamped.tzinfo is not None
        assert stamped.astimezone(STOCKHOLM).date() == demo
        assert clock.today() == demo
        assert clock.local_date(stamped) == demo
        assert stamped.date() == demo
        if real.astimezone(STOCKHOLM).date() == real.date():
            assert stamped.astimezone(STOCKHOLM).time().replace(microsecond=0) == \
                real.astimezone(STOCKHOLM).time().replace(microsecond=0)


def test_without_a_demo_date_today_is_the_stockholm_date(monkeypatch):
    monkeypatch.setattr(FrozenDatetime, "moment", datetime(2026, 12, 6, 23, 30, tzinfo=UTC))
    monkeypatch.setattr(clock, "datetime", FrozenDatetime)
    app = Flask(__name__)
    with app.app_context():
        assert clock.now() == datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
        assert clock.today() == date(2026, 12, 7)
