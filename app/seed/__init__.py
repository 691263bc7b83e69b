"""Demo data: load the Stockholm e-services programme from seed_data/ into the database.

The files are readable YAML and one CSV (see seed_data/). Everything is validated before a
row is written: a missing file, field or reference raises ValueError naming the file and the
item. Rows are matched on natural keys and only missing ones are inserted, so running the
seed again changes nothing. Like every service it flushes and never commits: the caller
(`flask seed demo`, the tests) commits.
"""

from pathlib import Path

from app.core import audit
from app.extensions import db
from app.projects import seed_phases
from app.seed.feasibility_studies import load_feasibility_studies
from app.seed.fields import DEFAULT_DATA_DIR
from app.seed.insert import (
    _insert_application,
    _insert_ideas,
    _insert_reference,
    _insert_users,
)
from app.seed.portfolio import check_business_date, load_portfolio
from app.seed.reference import load_reference
from app.seed.replay import _replay_history, latest_notice_id, mark_history_read
from app.seed.rows import SeedReport
from app.seed.status_reports import _insert_status_reports, load_status_reports
from app.seed.tertial_reports import _insert_tertial_reports, load_tertial_reports
from app.seed.through_services import (
    _insert_benefit_maps,
    _insert_budget_cuts,
    _insert_calculations,
)

__all__ = ["DEFAULT_DATA_DIR", "SeedReport", "seed_demo", "seed_reference"]


def seed_reference(data_dir: Path | None = None) -> SeedReport:
    """Insert only the programme (settings, goals, areas, delegation) and the organisations."""
    report = SeedReport()
    context = _insert_reference(load_reference(data_dir), report, data_dir)
    seed_phases.insert_phases(Path(data_dir or DEFAULT_DATA_DIR), context.programme.id, report.add)
    if report.total:
        audit.record("seed.reference", context.programme, after={"inserted": report.as_dict()})
    return report


def seed_demo(data_dir: Path | None = None) -> SeedReport:
    """Insert the whole demo, from the reference data to the projects' status reports."""
    reference = load_reference(data_dir)
    portfolio = load_portfolio(reference, data_dir)
    status_reports = load_status_reports(portfolio, data_dir)
    check_business_date(portfolio, status_reports.as_of)
    studies = load_feasibility_studies(reference, portfolio, status_reports.as_of, data_dir)
    report = SeedReport()
    context = _insert_reference(reference, report, data_dir)
    seed_phases.insert_phases(Path(data_dir or DEFAULT_DATA_DIR), context.programme.id, report.add)
    _insert_users(portfolio, context, report)
    _insert_ideas(portfolio, context, report)
    last_notice = latest_notice_id()
    for spec in portfolio.applications:
        _insert_application(spec, portfolio, context, report)
    _replay_history(portfolio, studies, context, report)
    mark_history_read(last_notice)
    _insert_calculations(Path(data_dir or DEFAULT_DATA_DIR), report)
    _insert_budget_cuts(Path(data_dir or DEFAULT_DATA_DIR), context.programme, report)
    _insert_benefit_maps(Path(data_dir or DEFAULT_DATA_DIR), report)
    _insert_status_reports(status_reports, context, report)
    _insert_tertial_reports(load_tertial_reports(portfolio, data_dir), context, report)
    seed_phases.insert_demo_gate_decisions(context.programme.id, report.add,
                                           until=status_reports.as_of)
    db.session.flush()
    if report.total:
        audit.record("seed.demo", context.programme, after={"inserted": report.as_dict()})
    return report
