"""Follow-up pages: tertial reports for the finance committee and adherence at any date."""


from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core import clock, labels, periods
from app.core.asof import on_from_request
from app.core.entry import page_blueprint
from app.core.enums import TertialReportState
from app.core.errors import Forbidden, InvalidInput
from app.core.exports import workbook_response
from app.core.unit_of_work import attempt, change_or_flash_refusal
from app.extensions import db
from app.programmes.choice import page_programme_id, programmes_of

from . import permissions, services
from .models import TertialReport

bp = page_blueprint("followup", __name__)

STATE_LABELS = {TertialReportState.DRAFT: _l("Draft"),
                TertialReportState.PRESENTED: _l("Presented")}
TERTIAL_LABELS = {1: _l("T1 (January–April)"), 2: _l("T2 (May–August)"),
                  3: _l("T3 (September–December, annual accounts)")}
FIGURE_LABELS = {
    "reserved_sek": _l("Reserved"), "committed_sek": _l("Committed"),
    "spent_sek": _l("Booked spending in the ledger"),
    "left_sek": _l("Left"), "projects": _l("Projects"),
    "assessed": _l("Projects with a report"), "not_kept_budget": _l("Not keeping the budget"),
    "not_kept_schedule": _l("Not keeping the schedule"),
    "not_kept_budget_share": _l("Share not keeping the budget"),
    "not_kept_schedule_share": _l("Share not keeping the schedule"),
    "granted_sek": _l("Granted"), "spent_in_period_sek": _l("Reported cost in the period"),
    "spent_to_date_sek": _l("Reported cost to date"), "forecast_sek": _l("Forecast at completion"),
    "overall_status": _l("Overall status"), "cost_status": _l("Cost status"),
    "schedule_status": _l("Schedule status"),
}
PRESENCE_LABELS = {"continuing": _l("In both reports"), "new": _l("New in this report"),
                   "gone": _l("Not in this report")}


@bp.app_context_processor
def _adherence_block():
    """Let any page (the programme page) show today's adherence shares, computed on demand."""

    def followup_adherence(programme, on=None):
        if not permissions.can_view_adherence(current_user, programme.id):
            return None
        return services.adherence_at(programme.id, on or clock.today())

    return {"followup_adherence": followup_adherence,
            "can_view_tertial_reports": permissions.can_view_tertial_reports}


@bp.context_processor
def _followup_helpers():
    return {"rag_labels": labels.RAG, "state_labels": STATE_LABELS,
            "tertial_labels": TERTIAL_LABELS, "figure_labels": FIGURE_LABELS,
            "presence_labels": PRESENCE_LABELS, "presented": TertialReportState.PRESENTED,
            "can_prepare": permissions.can_prepare_tertial_reports,
            "can_record_minute": permissions.can_record_committee_minute}


def _programme_arg():
    """The programme asked for (?programme_id=), else the one chosen in the navigation, else
    the latest one; 400 on a bad number, 404 on an unknown one."""
    value = request.values.get("programme_id") or None
    if value is not None and not value.isdigit():
        abort(400)
    programmes = programmes_of(current_user)
    if value is None:
        chosen = page_programme_id()
        if chosen is not None:
            return services.get_programme(chosen), programmes
        if not programmes:
            abort(404)
        return programmes[-1], programmes
    return services.get_programme(int(value)), programmes


def _report(report_id: int) -> TertialReport:
    return permissions.get_visible_tertial_report(current_user, report_id)


@bp.get("/tertial-reports")
def index():
    if not permissions.can_view_tertial_reports(current_user):
        abort(403)
    programme, programmes = _programme_arg()
    if not permissions.can_view_tertial_reports(current_user, programme.id):
        abort(403)
    reports = db.session.scalars(
        permissions.visible_tertial_reports(current_user, programme_id=programme.id)).all()
    today = clock.today()
    due = (services.tertial_reports_due(programme, today)
           if permissions.can_prepare_tertial_reports(current_user, programme.id) else [])
    ended = [t for t in periods.tertials_between(programme.starts_on, programme.ends_on,
                                                 programme.tertial_due_after_days)
             if t.ends_on <= today]
    return render_template("followup/index.html", programme=programme, programmes=programmes,
                           reports=reports, due=due, ended=ended,
                           years=sorted({t.year for t in ended}, reverse=True))


@bp.post("/tertial-reports")
def generate():
    if not permissions.can_prepare_tertial_reports(current_user):
        abort(403)
    programme, _programmes = _programme_arg()
    if not permissions.can_prepare_tertial_reports(current_user, programme.id):
        abort(403)
    with attempt(InvalidInput) as outcome:
        report = services.generate_tertial_report(programme, request.form.get("year"),
                                                  request.form.get("tertial"), current_user)
    if outcome.refused:
        flash(outcome.refused.detail, "danger")
        return redirect(url_for("followup.index", programme_id=programme.id))
    if report.state == TertialReportState.PRESENTED:
        flash(_("That report has been presented and does not change."), "info")
    else:
        flash(_("The draft is generated from the figures as of %(date)s.",
                date=report.as_of.isoformat()), "success")
    return redirect(url_for("followup.tertial_report", report_id=report.id))


@bp.get("/tertial-reports/<int:report_id>")
def tertial_report(report_id: int):
    report = _report(report_id)
    return render_template("followup/report.html", report=report, snapshot=report.snapshot,
                           previous=services.previous_presented(report),
                           programme=services.get_programme(report.programme_id))


def _change(report_id: int, change, done: str, anchor: str | None = None):
    """Make one change to the report and go back to it, saying how it went."""
    change_or_flash_refusal(change, done)
    return redirect(url_for("followup.tertial_report", report_id=report_id, _anchor=anchor))


@bp.post("/tertial-reports/<int:report_id>/summary")
def save_summary(report_id: int):
    report = _report(report_id)
    return _change(report_id, lambda: services.update_summary(
        report, request.form.get("summary", ""), current_user),
        _("The summary was saved."), "summary")


@bp.post("/tertial-reports/<int:report_id>/present")
def present(report_id: int):
    report = _report(report_id)
    if not permissions.can_prepare_tertial_reports(current_user, report.programme_id):
        raise Forbidden(_("Only the programme office presents tertial reports."))
    if report.state == TertialReportState.PRESENTED:
        flash(_("The tertial report has already been presented."), "info")
        return redirect(url_for("followup.tertial_report", report_id=report_id))
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that the report is ready: a presented report can no "
                "longer change."), "danger")
        return redirect(url_for("followup.tertial_report", report_id=report_id,
                                _anchor="present"))
    return _change(report_id, lambda: services.present_tertial_report(
        report, None, current_user),
        _("The report is presented; the finance committee has been told."))


@bp.post("/tertial-reports/<int:report_id>/minute")
def record_minute(report_id: int):
    report = _report(report_id)
    return _change(report_id, lambda: services.record_committee_minute(
        report, request.form.get("minute", ""), current_user),
        _("The committee's minute was recorded."), "minute")


@bp.get("/tertial-reports/<int:report_id>/compare")
def compare(report_id: int):
    report = _report(report_id)
    return render_template("followup/compare.html", report=report,
                           comparison=services.compare_with_previous(report),
                           previous=services.previous_presented(report))


@bp.get("/tertial-reports/<int:report_id>/export.xlsx")
def export(report_id: int):
    from reports.tertial_pack import build_tertial_pack, pack_filename

    report = _report(report_id)
    snapshot = report.snapshot
    title = _("Tertial report, %(programme)s",
              programme=snapshot.get("programme", {}).get("name", ""))
    content = build_tertial_pack(
        snapshot, title=title, summary=report.summary,
        presented_on=clock.local_date(report.presented_at) if report.presented_at else None,
        committee_minute=report.committee_minute)
    return workbook_response(content, pack_filename(title, snapshot))


@bp.get("/adherence")
def adherence():
    if not permissions.can_view_adherence(current_user):
        abort(403)
    programme, programmes = _programme_arg()
    if not permissions.can_view_adherence(current_user, programme.id):
        abort(403)
    on, error = on_from_request(programme)
    tolerance_text = (request.args.get("tolerance_days") or "").strip()
    tolerance = None
    if tolerance_text:
        if tolerance_text.isdigit():
            tolerance = int(tolerance_text)
        else:
            error = error or _("The tolerance is a whole number of days, 0 or more.")
    values = {"on": request.args.get("on", ""), "tolerance_days": tolerance_text}
    if error:
        return render_template("followup/adherence.html", programme=programme,
                               programmes=programmes, error=error, values=values), 422
    overview = services.adherence_overview(programme, on, tolerance)
    return render_template("followup/adherence.html", programme=programme,
                           programmes=programmes, error=None, values=values, overview=overview)
