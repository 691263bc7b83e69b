"""The city's published follow-up figures on 1 March 2010 emerge from the demo's six-weekly reports.

The council report says that of the funded projects that report, 31 % do not keep their budget
and 47 % do not keep their schedule (whole per cent). The demo types neither figure: the
programme's position computes them with the adherence rule from each project's latest report
on or before the date asked, so changing one report in seed_data/status_reports.yaml, or asking
on a day before a report came in, moves the count.
"""

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.programmes.models import Programme
from app.programmes.position import position
from app.seed import seed_demo

DEMO_DAY = date(2010, 3, 1)


def demo_position(on: date = DEMO_DAY, data_dir=None):
    seed_demo(data_dir)
    programme = db.session.scalar(sa.select(Programme).where(
        Programme.name == "E-tjänstprogrammet"))
    return position(programme, on)


def per_cent(share: float) -> int:
    return round(share * 100)


def change_report(data_dir, project: str, old: str, new: str) -> None:
    """Change `old` to `new` once, inside the named project's entry of status_reports.yaml."""
    path = data_dir / "status_reports.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - project: {project}\n")
    end = text.find("\n  - project: ", start + 1)
    end = len(text) if end == -1 else end
    entry = text[start:end]
    assert entry.count(old) == 1, (project, old)
    path.write_text(text[:start] + entry.replace(old, new) + text[end:], encoding="utf-8")


def test_the_position_on_1_march_2010_gives_the_citys_31_and_47_per_cent(app_ctx):
    figures = demo_position()

    assert (figures.projects, figures.assessed_projects) == (39, 36)
    assert (figures.not_keeping_budget, figures.not_keeping_schedule) == (11, 17)
    assert (figures.not_keeping_budget_share, figures.not_keeping_schedule_share) == (
        0.3056, 0.4722)
    assert per_cent(figures.not_keeping_budget_share) == 31
    assert per_cent(figures.not_keeping_schedule_share) == 47
    as_dict = figures.as_dict()
    assert per_cent(as_dict["not_keeping_budget_share"]) == 31
    assert per_cent(as_dict["not_keeping_schedule_share"]) == 47


def test_a_latest_report_back_within_its_grant_and_baseline_flips_both_counts(app_ctx,
                                                                              data_copy):
    # E-faktura's latest reports forecast 5,8 mnkr of 5,2 and an end in October, not April.
    change_report(data_copy, "E-faktura", "        forecast_cost_sek: 5800000\n",
                  "        forecast_cost_sek: 5100000\n")
    change_report(data_copy, "E-faktura", "        forecast_end_on: 2010-10-29\n", "")
    figures = demo_position(data_dir=data_copy)

    assert figures.assessed_projects == 36
    assert (figures.not_keeping_budget, figures.not_keeping_schedule) == (10, 16)
    assert per_cent(figures.not_keeping_budget_share) == 28
    assert per_cent(figures.not_keeping_schedule_share) == 44


def test_a_latest_report_over_its_grant_adds_one_to_the_budget_count(app_ctx, data_copy):
    # Detaljplaner på webben (1,1 mnkr granted) now forecasts 1,25 mnkr in its last report.
    change_report(data_copy, "Detaljplaner på webben", "        actual_cost_sek: 900000\n",
                  "        actual_cost_sek: 900000\n        forecast_cost_sek: 1250000\n")
    figures = demo_position(data_dir=data_copy)

    assert (figures.not_keeping_budget, figures.not_keeping_schedule) == (12, 17)
    assert per_cent(figures.not_keeping_budget_share) == 33


def test_the_figures_follow_the_reports_in_by_the_day_asked(app_ctx):
    seed_demo()
    programme = db.session.scalar(sa.select(Programme).where(
        Programme.name == "E-tjänstprogrammet"))

    def counts(on: str) -> tuple[int, int, int]:
        figures = position(programme, date.fromisoformat(on))
        return (figures.assessed_projects, figures.not_keeping_budget,
                figures.not_keeping_schedule)

    # Grävtillstånd för ledningsägare reported its delay on 2009-12-09.
    assert counts("2009-12-09")[2] == counts("2009-12-08")[2] + 1
    # Lediga jobb i staden reported its licence overrun on 2009-12-24.
    assert counts("2009-12-24")[1] == counts("2009-12-23")[1] + 1
    # E-handel's first report, on 2009-12-30, is over its grant: one more assessed, over budget.
    assert counts("2009-12-29") == (35, 10, 17)
    assert counts("2009-12-30") == (36, 11, 17)
    # Nothing moves the counts after that: the T3 2009 report and 1 March 2010 agree.
    assert counts("2009-12-31") == counts("2010-01-18") == counts("2010-03-01") == (36, 11, 17)
