"""The demo ends on its business date, 1 March 2010: nothing in it has happened later, a
seed file that dates an event later is refused, and the next decision's diary number
follows the seeded ones."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.applications.decisions import _diary_number
from app.applications.models import Decision
from app.extensions import db
from app.programmes.models import Programme
from app.seed import seed_demo

DEMO_DAY = date(2010, 3, 1)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DIARY_NUMBER = re.compile(r"^SLK (\d{4})/(\d{4})$")

# Dates that are plans or rules, not events: they may lie after the business date.
PLANNED = {
    ("application", "starts_on"), ("application", "ends_on"),
    ("application", "expected_decision_on"), ("project", "baseline_end_on"),
    ("status_report", "due_on"), ("status_report", "forecast_end_on"),
    ("programme", "ends_on"), ("delegation_regime", "valid_from"),
    ("delegation_rule", "valid_from"), ("delegation_rule", "valid_to"),
}


def _day(value) -> date:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
        return aware.astimezone(STOCKHOLM).date()
    return value


def test_no_event_in_the_demo_lies_after_its_business_date(app_ctx):
    seed_demo()
    db.session.flush()
    dated = [(table, column) for table in db.metadata.sorted_tables for column in table.columns
             if isinstance(column.type, sa.Date | sa.DateTime)]
    assert len(dated) > 20

    later = []
    for table, column in dated:
        if (table.name, column.name) in PLANNED:
            continue
        latest = db.session.scalar(sa.select(sa.func.max(column)))
        if latest is not None and _day(latest) > DEMO_DAY:
            later.append((table.name, column.name, latest))
    assert later == []


def test_the_planned_dates_are_the_only_ones_after_it(app_ctx):
    """The exemption list is not wider than it needs to be: each planned date is used."""
    seed_demo()
    db.session.flush()
    after = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if (table.name, column.name) in PLANNED:
                latest = db.session.scalar(sa.select(sa.func.max(column)))
                if latest is not None and _day(latest) > DEMO_DAY:
                    after.add((table.name, column.name))
    assert after == PLANNED


@pytest.mark.parametrize(("edits", "named"), [
    ([("projects.yaml", "    decided_on: 2010-02-16\n", "    decided_on: 2010-03-02\n"),
      ("ledger.csv", "2010-02-16,commitment,1750000", "2010-03-02,commitment,1750000")],
     r"projects\.yaml, project \d+ \(Lägenhetsbyte\).*'decided_on' 2010-03-02 is after"),
    ([("projects.yaml", "    go_live_on: 2010-01-18\n", "    go_live_on: 2010-05-17\n")],
     r"projects\.yaml, project \d+ \(Gymnasieantagning\).*'go_live_on' 2010-05-17 is after"),
    ([("ideas.yaml", "    submitted_on: 2007-10-02\n    screened_on: 2007-10-05\n",
       "    submitted_on: 2010-10-02\n    screened_on: 2010-10-05\n")],
     r"ideas\.yaml, idea 1 .*'submitted_on' 2010-10-02 is after"),
    ([("ledger.csv", "2009-03-31,spending,4800000", "2010-03-31,spending,4800000")],
     r"ledger\.csv, row \d+.*'booked_on' 2010-03-31 is after"),
])
def test_an_event_after_the_business_date_stops_the_seed_before_writing(app_ctx, data_copy,
                                                                        edits, named):
    for file, old, new in edits:
        path = data_copy / file
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    with pytest.raises(ValueError, match=named):
        seed_demo(data_copy)
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 0


def test_the_next_decision_gets_the_number_after_the_seeded_ones(app_ctx):
    seed_demo()
    db.session.flush()
    programme = db.session.scalar(sa.select(Programme))
    seeded_2010 = [int(DIARY_NUMBER.match(number).group(2)) for number in db.session.scalars(
        sa.select(Decision.diary_number)) if DIARY_NUMBER.match(number).group(1) == "2010"]
    assert seeded_2010

    number = DIARY_NUMBER.match(_diary_number(programme, DEMO_DAY))
    assert (number.group(1), int(number.group(2))) == ("2010", max(seeded_2010) + 1)
