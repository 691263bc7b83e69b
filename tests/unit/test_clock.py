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


@pytest.mark.parametrize(("moment", "today", "stamped"), [
    (datetime(2008, 6, 16, 8, 0, tzinfo=UTC), date(2008, 6, 16),
     datetime(2008, 6, 16, 8, 0, tzinfo=UTC)),
    (datetime(2008, 6, 16, 23, 30, tzinfo=UTC), date(2008, 6, 17),
     datetime(2008, 6, 16, 23, 30, tzinfo=UTC)),
    (datetime(2009, 1, 5, 9, 15, tzinfo=STOCKHOLM), date(2009, 1, 5),
     datetime(2009, 1, 5, 8, 15, tzinfo=UTC)),
    (date(2007, 11, 20), date(2007, 11, 20), None),
])
def test_standing_at_a_moment_outranks_the_demo_date(moment, today, stamped):
    app = Flask(__name__)
    app.config.update(DEMO_DATE="2010-03-01", BABEL_DEFAULT_TIMEZONE="Europe/Stockholm")
    with app.app_context():
        with clock.standing_at(moment):
            assert clock.today() == today
            assert clock.is_fixed()
            if stamped is not None:
                assert clock.now() == stamped
            assert clock.local_date(clock.now()) == today
        assert clock.today() == date(2010, 3, 1)


def test_standing_works_without_an_app_and_nests():
    with clock.standing_at(date(2008, 1, 2)):
        with clock.standing_at(datetime(2009, 5, 6, 8, 0, tzinfo=UTC)):
            assert clock.today() == date(2009, 5, 6)
        assert clock.today() == date(2008, 1, 2)
    assert not clock.is_fixed()


def test_the_clock_refuses_to_stand_at_a_naive_moment():
    with pytest.raises(ValueError, match="aware"), clock.standing_at(datetime(2008, 1, 2, 8)):
        pass
