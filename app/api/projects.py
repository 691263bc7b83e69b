"""API: funded projects, their six-weekly reports and versions, closing and follow-up tasks."""

from marshmallow import Schema, fields, validate

from app.core.enums import ProjectState, RagStatus
from app.core.exports import XLSX_MIMETYPE, sheets_response, workbook_response
from app.programmes.choice import api_programme_id
from app.projects import closing as project_closing
from app.projects import followup_tasks as project_followup
from app.projects import gates, permissions, services
from app.projects import overview as project_read
from app.projects import reports as project_reports
from app.projects.exports import (
    PROJECT_COLUMNS,
    PROJECTS_NAME,
    REPORTS_QUEUE_NAME,
    export_rows,
    report_queue_sheets,
)
from app.projects.models import Project, StatusReport
from reports.project_compilation import build_project_compilation, compilation_filename

from . import api_blueprint, documented
from .applications import Kronor
from .asof import AsOfArgs, on_of
from .auth import api_user
from .exports import XLSX_SCHEMA, FormatArgs, exportable, page_or_export, wants_xlsx
from .programme_args import ProgrammeArgs, programme_filtered
from .schemas import (
    ID_RANGE,
    AreaSchema,
    MissingBenefitSchema,
    OrganisationRefSchema,
    ProblemSchema,
)

blp = api_blueprint("api_projects", "Funded projects: six-weekly reports, the final report and "
                                    "the one-year benefit follow-up.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
RAG = [status.value for status in RagStatus]
TEXT = validate.Length(max=project_reports.MAX_TEXT)
PERIOD_HELP = ("The reporting period (1 = the first 42 days from the project's start). It must "
               "have started; an overdue period can still be reported.")


def _status_field(aspect: str):
    return fields.String(allow_none=True, validate=validate.OneOf(RAG), metadata={
        "description": f"The {aspect} status: green, amber or red. Amber and red need an "
                       f"explanation in {aspect}_explanation before the report is submitted."})


def _amount_field(description: str):
    return Kronor(minimum=0, allow_none=True, metadata={
        "description": description + " Whole kronor (SEK) as a JSON integer, 0 or more."})


class ReportFieldsSchema(Schema):
    """The content of a six-weekly report; any subset may be sent while it is a draft."""

    overall_status = _status_field("overall")
    cost_status = _status_field("cost")
    schedule_status = _status_field("schedule")
    scope_status = _status_field("scope")
    benefit_status = _status_field("benefit")
    overall_explanation = fields.String(validate=TEXT)
    cost_explanation = fields.String(validate=TEXT)
    schedule_explanation = fields.String(validate=TEXT)
    scope_explanation = fields.String(validate=TEXT)
    benefit_explanation = fields.String(validate=TEXT)
    actual_cost_to_date_sek = _amount_field("Everything the project has cost since it started.")
    forecast_cost_sek = _amount_field("Forecast cost at completion; not below the cost to date.")
    forecast_end_on = fields.Date(allow_none=True, metadata={
        "description": "Forecast end date (YYYY-MM-DD); not before the project's start."})
    milestones_reached = fields.String(validate=TEXT)
    next_milestones = fields.String(validate=TEXT)
    risks = fields.String(validate=TEXT, metadata={"description": "Risks and issues."})
    decisions_needed = fields.String(validate=TEXT, metadata={
        "description": "Decisions needed from the programme."})


class OpenReportSchema(ReportFieldsSchema):
    period_number = fields.Integer(required=True, strict=True, validate=validate.Range(1),
                                   metadata={"description": PERIOD_HELP})


class ReportOutSchema(ReportFieldsSchema):
    id = fields.Integer()
    project_id = fields.Integer(validate=ID_RANGE)
    period_number = fields.Integer()
    period_starts_on = fields.Date()
    period_ends_on = fields.Date()
    due_on = fields.Date()
    version = fields.Integer(metadata={"description": "1, then one more per correction."})
    supersedes_id = fields.Integer(validate=ID_RANGE, allow_none=True, metadata={
        "description": "The version this one corrects (kept unchanged)."})
    state = fields.String(metadata={"enum": ["draft", "submitted", "completion_requested"]})
    completion_comment = fields.String(metadata={
        "description": "What the programme office asked the organisation to complete."})
    submitted_by_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    actual_cost_to_date_sek = fields.Integer(allow_none=True)
    forecast_cost_sek = fields.Integer(allow_none=True)


class ProjectListArgs(FormatArgs, AsOfArgs, ProgrammeArgs):
    organisation_id = fields.Integer(validate=ID_RANGE)
    state = fields.String(validate=validate.OneOf([state.value for state in ProjectState]))
    area_id = fields.Integer(validate=ID_RANGE)


class ProjectOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    programme_id = fields.Integer(validate=ID_RANGE)
    application_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    organisation = fields.Nested(OrganisationRefSchema)
    area = fields.Nested(AreaSchema, allow_none=True)
    state = fields.String(metadata={"enum": [state.value for state in ProjectState]})
    is_enabling = fields.Boolean()
    baseline_start_on = fields.Date()
    baseline_end_on = fields.Date()
    go_live_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)


class LatestStatusSchema(Schema):
    """The newest period's current version of the report."""

    report_id = fields.Integer(validate=ID_RANGE, attribute="id")
    period_number = fields.Integer()
    version = fields.Integer()
    submitted_at = fields.DateTime()
    overall_status = fields.String(allow_none=True)
    cost_status = fields.String(allow_none=True)
    schedule_status = fields.String(allow_none=True)
    scope_status = fields.String(allow_none=True)
    benefit_status = fields.String(allow_none=True)
    actual_cost_to_date_sek = fields.Integer(allow_none=True)
    forecast_cost_sek = fields.Integer(allow_none=True)
    forecast_end_on = fields.Date(allow_none=True)


class PeriodSchema(Schema):
    number = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    due_on = fields.Date()


class ProjectDetailSchema(ProjectOutSchema):
    granted_sek = fields.Integer(metadata={"description": "Net of all decisions, SEK."})
    committed_sek = fields.Integer(metadata={
        "description": "Committed on the envelope less releases, SEK."})
    latest_status = fields.Nested(LatestStatusSchema, allow_none=True)
    kept_budget = fields.Boolean(allow_none=True, metadata={
        "description": "Cost to date and forecast within the grant; null before any report."})
    kept_schedule = fields.Boolean(allow_none=True, metadata={
        "description": "Forecast end within the baseline end plus the programme's tolerance."})
    next_report = fields.Nested(PeriodSchema, allow_none=True, metadata={
        "description": "The oldest started period without a submitted report."})


class CompletionSchema(Schema):
    comment = fields.String(required=True,
                            validate=validate.Length(min=1, max=project_reports.MAX_TEXT),
                            metadata={"description": "What the organisation should complete."})


class CloseSchema(Schema):
    """The final report that closes the project."""

    delivered = fields.String(required=True, validate=TEXT)
    final_cost_sek = Kronor(minimum=0, required=True, metadata={
        "description": "Final cost in whole kronor; committed minus this is released."})
    go_live_on = fields.Date(allow_none=True)
    lessons = fields.String(load_default="", validate=TEXT)
    followup_indicators = fields.String(required=True, validate=TEXT, metadata={
        "description": "Which indicators show citizen and organisational benefit after a year."})
    followup_responsible = fields.String(required=True, validate=validate.Length(
        max=project_closing.MAX_RESPONSIBLE), metadata={"description": "Who measures them."})
    followup_on = fields.Date(allow_none=True, metadata={
        "description": "When they are measured; defaults to one year after go-live."})


class FinalReportSchema(CloseSchema):
    id = fields.Integer()
    project_id = fields.Integer(validate=ID_RANGE)
    final_cost_sek = fields.Integer()
    submitted_at = fields.DateTime()


class ChangeToReportSchema(Schema):
    node_id = fields.Integer()
    label = fields.String()
    state = fields.String(metadata={"description": "planned, under_way or done"})
    due_on = fields.Date()


class FollowUpTaskSchema(Schema):
    id = fields.Integer()
    project_id = fields.Integer(validate=ID_RANGE)
    kind = fields.String(metadata={"description": "benefit_followup_1y: enter realised values "
                                                  "for each benefit one year after go-live."})
    due_on = fields.Date()
    done_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the follow-up was marked as done; null while it is open."})
    missing_benefits = fields.List(fields.Nested(MissingBenefitSchema), metadata={
        "description": "Benefits of the project without a realised value for a calendar year "
                       "from the go-live year up to this year; empty once done. The follow-up "
                       "can be marked as done (even before it is due) when this is empty."})
    changes_without_evidence = fields.List(fields.Nested(ChangeToReportSchema), metadata={
        "description": "The changes of the project's benefit map still without evidence for "
                       "their state (issue 16); the follow-up asks for each one."})


class ClosedSchema(Schema):
    project = fields.Nested(ProjectDetailSchema)
    final_report = fields.Nested(FinalReportSchema)
    released_sek = fields.Integer(metadata={"description": "Released back to the envelope."})
    follow_ups = fields.List(fields.Nested(FollowUpTaskSchema))


class GoLiveSchema(Schema):
    go_live_on = fields.Date(required=True, metadata={
        "description": "The day the e-service went live; not in the future."})


def _project(project_id: int) -> Project:
    return permissions.get_visible_project(api_user(), project_id)


def _report(report_id: int) -> StatusReport:
    return permissions.get_visible_report(api_user(), report_id)


def _follow_up_payload(task, missing: list, changes: list | None = None) -> dict:
    return {"id": task.id, "project_id": task.project_id, "kind": task.kind,
            "due_on": task.due_on, "done_at": task.done_at, "missing_benefits": missing,
            "changes_without_evidence": changes or []}


def _follow_ups_payload(project: Project) -> list[dict]:
    """The project's follow-up tasks, each with the benefits still lacking a realised value."""
    tasks = project_followup.follow_up_tasks(project)
    missing = project_followup.followup_problems_by_task(tasks)
    changes = project_followup.followup_changes_by_task(tasks)
    return [_follow_up_payload(task, missing.get(task.id, []), changes.get(task.id))
            for task in tasks]


def _project_payload(project: Project) -> dict:
    overview = project_read.project_overview(project)
    payload = {name: getattr(project, name) for name in ProjectOutSchema().fields}
    payload.update(granted_sek=overview.granted_sek, committed_sek=overview.committed_sek,
                   latest_status=overview.latest, kept_budget=overview.kept_budget,
                   kept_schedule=overview.kept_schedule, next_report=overview.next_period)
    return payload


@blp.get("/projects")
@documented(blp)
@blp.arguments(ProjectListArgs, location="query")
@blp.response(200, ProjectOutSchema(many=True))
@exportable(blp)
@programme_filtered(blp)
@blp.paginate()
def list_projects(args, pagination_parameters):
    """Projects the caller may see (own organisation; programme roles see all), by title."""
    on = on_of(args)
    query = permissions.visible_projects(api_user(), on=on, **_project_filters(args))
    columns = (gates.project_columns(query.with_only_columns(Project.id).order_by(None), on)
               if wants_xlsx(args) else PROJECT_COLUMNS)
    return page_or_export(query, pagination_parameters, args, PROJECTS_NAME, columns,
                          export_rows(query))


def _project_filters(args) -> dict:
    return {"organisation_id": args.get("organisation_id"),
            "state": ProjectState(args["state"]) if "state" in args else None,
            "area_id": args.get("area_id"), "programme_id": api_programme_id(args)}


class CompilationRowSchema(Schema):
    project_id = fields.Integer(validate=ID_RANGE)
    title = fields.String()
    organisation = fields.String(metadata={"description": "The organisation's name."})
    area = fields.String(allow_none=True)
    decision_references = fields.List(fields.String(), metadata={
        "description": "Diary numbers of the project's decisions, oldest first."})
    granted_sek = fields.Integer(metadata={"description": "Net of all decisions, SEK."})
    spent_sek = fields.Integer(allow_none=True, metadata={
        "description": "Cost to date in the latest submitted report; null before any."})
    status = fields.String(allow_none=True, metadata={
        "description": "Overall status of the latest submitted report: green, amber, red."})
    state = fields.String(metadata={"enum": [state.value for state in ProjectState]})
    baseline_start_on = fields.Date()
    baseline_end_on = fields.Date()
    go_live_on = fields.Date(allow_none=True)


@blp.get("/projects/compilation")
@documented(blp)
@blp.arguments(ProjectListArgs, location="query")
@blp.response(200, CompilationRowSchema(many=True))
@blp.alt_response(200, schema=XLSX_SCHEMA, content_type=XLSX_MIMETYPE, success=True,
                  description="The compilation workbook when format=xlsx.")
@programme_filtered(blp)
def project_compilation(args):
    """The council's "Sammanställning av e-projekt": every project, by organisation and title."""
    today = on_of(args)
    rows = project_read.compilation_rows(api_user(), today=today, **_project_filters(args))
    if wants_xlsx(args):
        return workbook_response(build_project_compilation(rows, as_of=today),
                                 compilation_filename(today))
    return rows


class ReportQueueArgs(FormatArgs, ProgrammeArgs):
    pass


class DueReportSchema(Schema):
    project_id = fields.Integer(validate=ID_RANGE, attribute="project.id")
    project = fields.String(attribute="project.title")
    organisation = fields.String(attribute="project.organisation.name")
    period_number = fields.Function(lambda item: item.periods[0].number)
    period_starts_on = fields.Function(lambda item: item.periods[0].starts_on.isoformat())
    period_ends_on = fields.Function(lambda item: item.periods[0].ends_on.isoformat())
    due_on = fields.Function(lambda item: item.periods[0].due_on.isoformat())
    overdue_reports = fields.Function(lambda item: len(item.overdue))


class ReportQueueSchema(Schema):
    due = fields.List(fields.Nested(DueReportSchema), metadata={
        "description": "Ended periods without a submitted report, the oldest due date first."})
    submitted = fields.List(fields.Nested(ReportOutSchema), metadata={
        "description": "Reports submitted in the last six weeks, the newest first."})
    completion_requested = fields.List(fields.Nested(ReportOutSchema))
    since = fields.Date()


@blp.get("/reports/queue")
@documented(blp)
@blp.arguments(ReportQueueArgs, location="query")
@blp.response(200, ReportQueueSchema)
@blp.alt_response(200, schema=XLSX_SCHEMA, content_type=XLSX_MIMETYPE, success=True,
                  description="The queue as a workbook, a sheet per table, when format=xlsx.")
@programme_filtered(blp)
def report_queue(args):
    """The six-weekly reports queue: reports not yet in, submitted lately, completion asked."""
    queue = project_read.report_queue(api_user(), programme_id=api_programme_id(args))
    if wants_xlsx(args):
        return sheets_response(REPORTS_QUEUE_NAME, report_queue_sheets(queue))
    return queue


@blp.get("/projects/<int:project_id>")
@documented(blp)
@blp.response(200, ProjectDetailSchema)
@blp.alt_response(404, **PROBLEM)
def get_project(project_id):
    """One project with its granted and committed money, latest status and adherence."""
    return _project_payload(_project(project_id))


@blp.get("/projects/<int:project_id>/reports")
@documented(blp)
@blp.response(200, ReportOutSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def list_reports(project_id):
    """Every report version of the project (drafts only for its own organisation)."""
    project = _project(project_id)
    user = api_user()
    return [r for r in services.report_versions(project) if permissions.can_view_report(user, r)]


@blp.post("/projects/<int:project_id>/reports")
@documented(blp)
@blp.arguments(OpenReportSchema)
@blp.response(201, ReportOutSchema)
@blp.alt_response(200, schema=ReportOutSchema, description="The period's open draft, returned "
                                                           "(and updated with any fields sent).")
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def open_report(data, project_id):
    """Open the report for a started period, pre-filled from the previous submitted one."""
    project = _project(project_id)
    existing = {r.id for r in services.report_versions(project)}
    report = project_reports.open_report(project, data.pop("period_number"), api_user())
    if data:
        project_reports.save_report(report, data, api_user())
    return report, 200 if report.id in existing else 201


@blp.get("/reports/<int:report_id>")
@documented(blp)
@blp.response(200, ReportOutSchema)
@blp.alt_response(404, **PROBLEM)
def get_report(report_id):
    """One report version."""
    return _report(report_id)


@blp.patch("/reports/<int:report_id>")
@documented(blp)
@blp.arguments(ReportFieldsSchema)
@blp.response(200, ReportOutSchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def update_report(data, report_id):
    """Save fields of a draft; a submitted report is frozen (409)."""
    report = project_reports.save_report(_report(report_id), data, api_user())
    return report


@blp.post("/reports/<int:report_id>/submit")
@documented(blp)
@blp.response(200, ReportOutSchema)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def submit_report(report_id):
    """Submit a draft; every problem is listed at once (422 with `errors`), e.g. red unexplained."""
    report = project_reports.submit_report(_report(report_id), api_user())
    return report


@blp.post("/reports/<int:report_id>/corrections")
@documented(blp)
@blp.arguments(ReportFieldsSchema)
@blp.response(201, ReportOutSchema)
@blp.alt_response(409, **PROBLEM)
def correct_report(data, report_id):
    """Start a correction: a new draft version with the changes sent; the old one is kept."""
    correction = project_reports.correct_report(_report(report_id), data, api_user())
    return correction


@blp.post("/reports/<int:report_id>/completion-request")
@documented(blp)
@blp.arguments(CompletionSchema)
@blp.response(200, ReportOutSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
def request_completion(data, report_id):
    """Programme office: ask the organisation to complete a submitted report."""
    report = project_reports.request_completion(_report(report_id), data["comment"], api_user())
    return report


@blp.post("/projects/<int:project_id>/close")
@documented(blp)
@blp.arguments(CloseSchema)
@blp.response(200, ClosedSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def close_project(data, project_id):
    """File the final report and close; committed minus final cost goes back to the envelope."""
    project = _project(project_id)
    committed = services.project_commitment_sek(project)
    final = project_closing.close_project(project, data, api_user())
    return {"project": _project_payload(project), "final_report": final,
            "released_sek": max(committed - final.final_cost_sek, 0),
            "follow_ups": _follow_ups_payload(project)}


@blp.post("/projects/<int:project_id>/go-live")
@documented(blp)
@blp.arguments(GoLiveSchema)
@blp.response(200, ProjectDetailSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def record_go_live(data, project_id):
    """Record the go-live date; the one-year benefit follow-up is created once."""
    project = project_closing.record_go_live(_project(project_id), data["go_live_on"], api_user())
    return _project_payload(project)


@blp.get("/projects/<int:project_id>/follow-ups")
@documented(blp)
@blp.response(200, FollowUpTaskSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def follow_ups(project_id):
    """The project's follow-up tasks, such as the benefit follow-up one year after go-live."""
    return _follow_ups_payload(_project(project_id))


@blp.post("/follow-ups/<int:task_id>/complete")
@documented(blp)
@blp.response(200, FollowUpTaskSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM,
                  description="Already done, or benefits still lack a realised value "
                              "(listed in `missing_benefits`).")
def complete_follow_up(task_id):
    """Mark the one-year follow-up done: the project's organisation or the programme office."""
    user = api_user()
    task = project_followup.complete_followup_task(
        permissions.get_visible_followup_task(user, task_id), user)
    return _follow_up_payload(task, [])
