"""Read tertial_reports.yaml and insert each presented report, its figures as of its end."""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.core import periods
from app.core.enums import Role, TertialReportState
from app.extensions import db
from app.seed.fields import DEFAULT_DATA_DIR, _Fields, _read_yaml, _unique
from app.seed.portfolio import PortfolioData
from app.seed.rows import SeedReport, _at, _Context, _find, _user_id

TERTIAL_PERIOD = re.compile(r"^T([123]) (\d{4})$")


@dataclass(frozen=True)
class TertialReportSpec:
    """What people wrote on a presented tertial report; its figures are computed, never typed."""

    year: int
    tertial: int
    presented_on: date
    summary: str
    minute: str
    minute_on: date | None


@dataclass(frozen=True)
class TertialReportData:
    presented_by: str
    reports: tuple[TertialReportSpec, ...]


def _tertial_spec(item: _Fields) -> TertialReportSpec:
    unknown = set(item.keys()) - {"period", "presented_on", "summary", "minute", "minute_on"}
    if unknown:
        raise item.error(f"unknown field(s): {', '.join(sorted(unknown))}")
    period_text = item.text("period")
    match = TERTIAL_PERIOD.match(period_text)
    if match is None:
        raise item.error(f"'period' must look like 'T1 2009', not {period_text!r}")
    period = periods.tertial_period(int(match.group(2)), int(match.group(1)))
    presented_on = item.day("presented_on")
    if presented_on <= period.ends_on:
        raise item.error(f"'presented_on' {presented_on} must be after the tertial ends "
                         f"({period.ends_on})")
    minute, minute_on = item.text("minute", required=False) or "", item.day("minute_on",
                                                                              required=False)
    if bool(minute) != bool(minute_on):
        raise item.error("give both 'minute' and 'minute_on', or neither")
    if minute_on is not None and minute_on < presented_on:
        raise item.error(f"'minute_on' {minute_on} is before the report was presented")
    return TertialReportSpec(period.year, period.number, presented_on, item.text("summary"),
                             minute, minute_on)


def load_tertial_reports(portfolio: PortfolioData, data_dir: Path | None = None
                         ) -> TertialReportData:
    """Read and validate tertial_reports.yaml: periods, dates, presenter and texts."""
    root = _read_yaml(Path(data_dir or DEFAULT_DATA_DIR), "tertial_reports.yaml")
    presented_by = root.text("presented_by")
    presenter = next((u for u in portfolio.users if u.email == presented_by), None)
    if presenter is None or Role.PROGRAMME_OFFICE not in {g[0] for g in presenter.grants}:
        raise root.error(f"'presented_by' {presented_by!r} is not a programme office user "
                         "in users.yaml")
    specs = tuple(_tertial_spec(item) for item in root.items("reports", "report", "period"))
    _unique((f"T{s.tertial} {s.year}" for s in specs), "tertial_reports.yaml", "period")
    return TertialReportData(presented_by, specs)


def _insert_tertial_reports(data: TertialReportData, context: _Context,
                            report: SeedReport) -> None:
    """Insert each presented report with its figures computed as of its tertial's end."""
    from app.followup.models import TertialReport
    from app.followup.services import build_snapshot

    programme = context.programme
    presenter_id = _user_id(context, data.presented_by)
    for spec in data.reports:
        key = {"programme_id": programme.id, "year": spec.year, "tertial": spec.tertial}
        if _find(TertialReport, **key) is not None:
            continue
        period = periods.tertial_period(spec.year, spec.tertial)
        snapshot = build_snapshot(programme, period)
        snapshot["generated_at"] = _at(spec.presented_on).isoformat()
        db.session.add(TertialReport(
            **key, as_of=period.ends_on, state=TertialReportState.PRESENTED,
            snapshot=snapshot, summary=spec.summary, presented_by_id=presenter_id,
            presented_at=_at(spec.presented_on), committee_minute=spec.minute,
            committee_recorded_at=_at(spec.minute_on) if spec.minute_on else None,
            created_at=_at(spec.presented_on)))
        db.session.flush()
        report.add("tertial_reports")
