"""Project pages: the list, the project page, six-weekly reports, the queue and closing."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.applications.forms import DECISION_KIND_LABELS
from app.benefit_map import services as network_services
from app.benefits import services as benefit_services
from app.core import clock, labels
from app.core.asof import on_from_request, page_status, parse_on
from app.core.entry import page_blueprint
from app.core.enums import ProjectState, RagStatus, ReportState
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.exports import (
    export_url,
    query_xlsx_response,
    sheets_response,
    wants_xlsx,
    workbook_response,
)
from app.core.money import format_sek
from app.core.unit_of_work import attempt, change_or_flash_refusal
from app.extensions import db
from app.programmes.choice import page_programme_id
from app.programmes.models import Programme
from app.programmes.queries import current_programme
from reports.project_compilation import build_project_compilation, compilation_filename

from . import closing as project_closing
from . import followup_tasks as project_followup
from . import forms, gates, permissions, services
from . import overview as project_read
from . import reports as project_reports
from .exports import PROJECTS_NAME, REPORTS_QUEUE_NAME, export_rows, report_queue_sheets
from .models import Project, StatusReport

bp = page_blueprint("projects", __name__, url_prefix="/projects")


def _url_if_registered(endpoint: str, **values) -> str | None:
    """Link to another domain's page only once its blueprint is registered."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


@bp.context_processor
def _project_helpers():
    return {
        "aspects": project_reports.ASPECTS, "aspect_labels": project_reports.ASPECT_LABELS,
        "rag_labels": labels.RAG, "report_state_labels": labels.REPORT_STATE,
        "project_state_labels": labels.PROJECT_STATE, "text_labels": forms.TEXT_LABELS,
        "change_state_labels": network_services.STATE_LABELS,
        "can_write_reports": permissions.can_write_reports,
        "can_request_completion": permissions.can_request_completion,
        "can_close_project": permissions.can_close_project, "url_if_registered": _url_if_registered,
        "can_complete_followup": permissions.can_complete_followup,
        "followup_years": project_followup.followup_years,
        "decision_kind_labels": DECISION_KIND_LABELS, "green": RagStatus.GREEN,
        "draft_state": ReportState.DRAFT,
        "can_pass_gate": permissions.can_pass_gate, "phase_on": gates.phase_on,
        "requirement_label": gates.requirement_label,
    }


def _int_arg(name: str) -> int | None:
    value = request.args.get(name) or None
    if value is not None and not value.isdigit():
        abort(400)
    return int(value) if value else None


def _state_arg() -> ProjectState | None:
    value = request.args.get("state") or None
    if value is not None and value not in {state.value for state in ProjectState}:
        abort(400)
    return ProjectState(value) if value else None


def _list_filters() -> dict:
    """Read the project list's filters, which its export and the compilation share."""
    return {"organisation_id": _int_arg("organisation"), "state": _state_arg(),
            "area_id": _int_arg("area"), "programme_id": page_programme_id()}


def _list_programme(filters: dict):
    """The programme the list is about (its dates bound `on`), else the current one."""
    if filters["programme_id"] is not None:
        return db.session.get(Programme, filters["programme_id"])
    return current_programme()


def _writable_report(report_id: int) -> StatusReport:
    report = permissions.get_visible_report(current_user, report_id)
    if not permissions.can_write_reports(current_user, report.project):
        raise Forbidden(_("Only the project's own organisation can write its reports."))
    return report


# ---- lists ----------------------------------------------------------------------------------

@bp.get("/")
def index():
    """List the projects the user can see, filtered by organisation, state and area."""
    filters = _list_filters()
    programme = _list_programme(filters)
    on, on_error = on_from_request(programme)
    query = permissions.visible_projects(current_user, on=on, **filters)
    if wants_xlsx():
        if on_error:
            raise InvalidInput(on_error, field="on")
        return query_xlsx_response(PROJECTS_NAME, gates.project_columns(
            query.with_only_columns(Project.id).order_by(None), on), export_rows(query))
    projects = db.session.scalars(query).all()
    organisations, areas = project_read.filter_choices()
    args = {**request.args.to_dict(), "on": on.isoformat()}
    return render_template("projects/index.html", projects=projects, filters=filters,
                           organisations=organisations, areas=areas, states=list(ProjectState),
                           on=on, on_error=on_error, programme=programme,
                           phases=gates.phase_names([p.id for p in projects], on),
                           export_url=export_url({"on": [on.isoformat()]}),
                           compilation_url=url_for("projects.compilation", **args)
                           ), page_status(on_error)


@bp.get("/compilation.xlsx")
def compilation():
    """The council's appendix 1: every project with decisions, grant, spending and status."""
    filters = _list_filters()
    today = parse_on(request.args.get("on"), _list_programme(filters))
    rows = project_read.compilation_rows(current_user, today=today, **filters)
    return workbook_response(build_project_compilation(rows, as_of=today),
                             compilation_filename(today))


@bp.get("/queue")
def queue():
    """Show submitted reports, completion requests and reports not yet in."""
    report_queue = project_read.report_queue(current_user, programme_id=page_programme_id())
    if wants_xlsx():
        return sheets_response(REPORTS_QUEUE_NAME, report_queue_sheets(report_queue))
    return render_template("projects/queue.html", queue=report_queue, today=clock.today(),
                           export_url=export_url())


# ---- the project page -----------------------------------------------------------------------

def _gate_form(project, phases, formdata=None):
    """The programme office's gate form, offering the next phase first (None for others)."""
    if not permissions.can_pass_gate(current_user, project) or not phases.rows:
        return None
    default = phases.next or phases.current
    form = forms.GateForm(formdata=formdata, data={
        "phase": default.key if default else None, "decided_on": clock.today()})
    form.phase.choices = [(row.phase.key, row.phase.name) for row in phases.rows]
    return form


def _project_page(project, status: int = 200, go_live_form=None, gate_form=None):
    overview = project_read.project_overview(project)
    tasks = project_followup.follow_up_tasks(project)
    phases = gates.project_phases(project, overview.today)
    if go_live_form is None and permissions.can_close_project(current_user, project):
        go_live_form = forms.GoLiveForm(formdata=None, data={"go_live_on": project.go_live_on})
    if gate_form is None:
        gate_form = _gate_form(project, phases)
    return render_template(
        "projects/detail.html", project=project, overview=overview,
        decisions=services.project_decisions(project),
        benefits=benefit_services.register(overview.today.year, project_id=project.id,
                                          on=overview.today),
        tasks=tasks, missing_benefits=project_followup.followup_problems_by_task(tasks),
        changes_to_report=project_followup.followup_changes_by_task(tasks),
        final=project_closing.final_report(project),
        open_form=forms.OpenReportForm(formdata=None), go_live_form=go_live_form,
        phases=phases, gate_form=gate_form), status


@bp.get("/<int:project_id>")
def detail(project_id: int):
    return _project_page(permissions.get_visible_project(current_user, project_id))


@bp.post("/<int:project_id>/reports")
def open_report(project_id: int):
    """Open the report for a period (or continue its draft) and go to the form."""
    project = permissions.get_visible_project(current_user, project_id)
    form = forms.OpenReportForm()
    if not form.validate_on_submit() or not form.period_number.data.isdigit():
        abort(400)
    report = project_reports.open_report(project, int(form.period_number.data), current_user)
    return redirect(url_for("projects.edit_report", report_id=report.id))


@bp.post("/<int:project_id>/go-live")
def go_live(project_id: int):
    """Record the go-live date; the one-year benefit follow-up is scheduled from it."""
    project = permissions.get_visible_project(current_user, project_id)
    form = forms.GoLiveForm()
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            project_closing.record_go_live(project, form.go_live_on.data, current_user)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            flash(_("Go-live was recorded; the benefits are followed up one year later."),
                  "success")
            return redirect(url_for("projects.detail", project_id=project.id))
    return _project_page(project, 422, go_live_form=form)


@bp.post("/<int:project_id>/follow-ups/<int:task_id>/complete")
def complete_followup(project_id: int, task_id: int):
    """Mark the one-year follow-up done; while a benefit lacks a realised value, say which."""
    project = permissions.get_visible_project(current_user, project_id)
    task = permissions.get_visible_followup_task(current_user, task_id)
    if task.project_id != project.id:
        abort(404)
    change_or_flash_refusal(lambda: project_followup.complete_followup_task(task, current_user),
                            _("The one-year follow-up is marked as done."))
    return redirect(url_for("projects.detail", project_id=project.id, _anchor="followup-heading"))


@bp.route("/<int:project_id>/close", methods=["GET", "POST"])
def close(project_id: int):
    """File the final report and close the project, releasing the unused commitment."""
    project = permissions.get_visible_project(current_user, project_id)
    if not permissions.can_close_project(current_user, project):
        raise Forbidden(_("Only the project's organisation or the programme office closes a "
                          "project."))
    form = forms.CloseForm(data={"go_live_on": project.go_live_on})
    if form.validate_on_submit():
        committed = services.project_commitment_sek(project)
        with attempt(InvalidInput) as outcome:
            final = project_closing.close_project(project, form.final_data(), current_user)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            flash(_("The project is closed. %(amount)s was released back to the envelope.",
                    amount=format_sek(max(committed - final.final_cost_sek, 0))), "success")
            return redirect(url_for("projects.detail", project_id=project.id))
    return render_template("projects/close.html", project=project, form=form,
                           overview=project_read.project_overview(project)), (
        422 if form.errors else 200)


# ---- reports --------------------------------------------------------------------------------

def _form_page(report, form, status: int = 200):
    previous = None
    if report.version > 1:
        previous = db.session.get(StatusReport, report.supersedes_id)
    return render_template("projects/report_form.html", report=report, form=form,
                           project=report.project, previous=previous), status


def _submit_or_show_problems(report, form):
    """Submit the saved draft; if anything is missing, show every reason on the form."""
    with attempt(InvalidInput) as outcome:
        project_reports.submit_report(report, current_user)
    if outcome.refused:
        for problem in outcome.refused.problems():
            form.add_error(problem["field"], problem["message"])
        flash(_("The draft was saved but cannot be submitted yet. Correct what is listed, then "
                "submit again."), "warning")
        return _form_page(report, form, 422)
    flash(_("The report was submitted to the programme office."), "success")
    return redirect(url_for("projects.report", report_id=report.id))


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
def edit_report(report_id: int):
    """Fill in a draft report (pre-filled from the previous one); save it or submit it."""
    report = _writable_report(report_id)
    if request.method == "GET" and report.state != ReportState.DRAFT:
        flash(_("A submitted report is frozen. Correct it by a new version instead."), "info")
        return redirect(url_for("projects.report", report_id=report.id))
    form = forms.ReportForm(obj=report)
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            project_reports.save_report(report, form.report_data(), current_user)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            if form.send.data:
                return _submit_or_show_problems(report, form)
            flash(_("The draft was saved."), "success")
            return redirect(url_for("projects.edit_report", report_id=report.id))
    return _form_page(report, form, 422 if form.errors else 200)


def _report_page(report, status: int = 200, completion_form=None):
    versions = [r for r in services.report_versions(report.project)
                if r.period_number == report.period_number]
    newest = versions[-1]
    can_correct = (permissions.can_write_reports(current_user, report.project)
                   and report.state in services.FROZEN_STATES and newest.id == report.id)
    if (completion_form is None and permissions.can_request_completion(current_user)
            and report.state == ReportState.SUBMITTED and newest.id == report.id):
        completion_form = forms.CompletionForm(formdata=None)
    return render_template(
        "projects/report.html", report=report, project=report.project,
        versions=[v for v in versions if v.state != ReportState.DRAFT or v.id == report.id
                  or permissions.can_write_reports(current_user, report.project)],
        newest=newest, correct_form=forms.CorrectForm(formdata=None) if can_correct else None,
        completion_form=completion_form), status


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    return _report_page(permissions.get_visible_report(current_user, report_id))


@bp.post("/reports/<int:report_id>/correct")
def correct_report(report_id: int):
    """Start a correction: a new draft version; the submitted one is kept as it is."""
    report = _writable_report(report_id)
    if not forms.CorrectForm().validate_on_submit():
        abort(400)
    correction = project_reports.correct_report(report, {}, current_user)
    flash(_("A new version was started. The submitted report is kept unchanged."), "info")
    return redirect(url_for("projects.edit_report", report_id=correction.id))


@bp.post("/reports/<int:report_id>/completion")
def request_completion(report_id: int):
    """Programme office: ask the organisation to complete the report."""
    report = permissions.get_visible_report(current_user, report_id)
    if not permissions.can_request_completion(current_user):
        raise Forbidden(_("Only the programme office asks for completion of a report."))
    form = forms.CompletionForm()
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            project_reports.request_completion(report, form.comment.data, current_user)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            flash(_("The organisation was asked to complete the report."), "success")
            return redirect(url_for("projects.report", report_id=report.id))
    return _report_page(report, 422, completion_form=form)


@bp.post("/<int:project_id>/gates")
def pass_gate(project_id: int):
    """Programme office: record that the project passed a gate of the project model."""
    project = permissions.get_visible_project(current_user, project_id)
    if not permissions.can_pass_gate(current_user, project):
        raise Forbidden(_("Only the programme office records gate decisions."))
    form = _gate_form(project, gates.project_phases(project), formdata=request.form)
    if form is None:
        abort(404)
    if form.validate_on_submit():
        with attempt(InvalidInput, Conflict) as outcome:
            decision = gates.pass_gate(project, form.phase.data, form.decided_on.data,
                                       form.note.data or "", current_user)
        if outcome.refused:
            for problem in outcome.refused.problems():
                form.add_error(problem["field"], problem["message"])
        else:
            flash(_("The gate decision was recorded: the project is in %(phase)s.",
                    phase=decision.phase.name), "success")
            return redirect(url_for("projects.detail", project_id=project.id,
                                    _anchor="phases-heading"))
    return _project_page(project, 422, gate_form=form)
