"""Who may see and prepare tertial reports and adherence: the rules live here, not in services."""

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.enums import Role, TertialReportState
from app.core.errors import NotFound
from app.core.permissions import _roles, can_view_portfolio, in_portfolio_of, in_programmes_where
from app.extensions import db

from .models import TertialReport


def can_view_tertial_reports(user, programme_id: int | None = None) -> bool:
    """See the list of tertial reports: the programme's roles and auditors, never applicants."""
    return can_view_portfolio(user, programme_id)


def can_view_tertial_report(user, report: TertialReport) -> bool:
    """Drafts stay with the programme office; presented reports are open to oversight roles."""
    if report.state == TertialReportState.PRESENTED:
        return can_view_portfolio(user, report.programme_id)
    return can_prepare_tertial_reports(user, report.programme_id)


def can_prepare_tertial_reports(user, programme_id: int | None = None) -> bool:
    """Generate, summarise and present: the programme office."""
    return Role.PROGRAMME_OFFICE in _roles(user, programme_id)


def can_record_committee_minute(user, programme_id: int | None = None) -> bool:
    return Role.FINANCE_COMMITTEE in _roles(user, programme_id)


def can_view_adherence(user, programme_id: int | None = None) -> bool:
    return can_view_portfolio(user, programme_id)


def visible_tertial_reports(user, *, programme_id: int | None = None,
                            year: int | None = None) -> sa.Select:
    """Build the query of tertial reports `user` may see, newest period first."""
    query = sa.select(TertialReport).where(sa.or_(
        in_programmes_where(user, {Role.PROGRAMME_OFFICE}, TertialReport.programme_id),
        sa.and_(in_portfolio_of(user, TertialReport.programme_id),
                TertialReport.state == TertialReportState.PRESENTED)))
    if programme_id is not None:
        query = query.where(TertialReport.programme_id == programme_id)
    if year is not None:
        query = query.where(TertialReport.year == year)
    return query.order_by(TertialReport.year.desc(), TertialReport.tertial.desc(),
                          TertialReport.id.desc())


def get_visible_tertial_report(user, report_id: int) -> TertialReport:
    """Return the report, or raise NotFound when it is missing or not the user's to see."""
    report = db.session.get(TertialReport, report_id)
    if report is None or not can_view_tertial_report(user, report):
        raise NotFound(_("There is no tertial report with that number that you can see."))
    return report
