"""The position page "Programmets läge": the council report's figures on any date, the rows
behind each figure, and the same figures as an Excel sheet."""

from dataclasses import dataclass
from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.asof import local_day_of, on_from_request, page_status, parse_on
from app.core.entry import page_blueprint
from app.core.exports import workbook_response
from app.core.permissions import can_view_portfolio, can_view_programme
from app.extensions import db
from app.followup import rules as adherence_rules
from reports.position_sheet import PositionLine, position_workbook

from . import position as queries
from .models import Programme

bp = page_blueprint("position", __name__, url_prefix="/programmes", may_enter=can_view_programme)

FIGURES = ("projects", "finished", "feasibility", "other", "ideas", "budget_cuts", "adherence")
IDEA_GROUPS = tuple(outcome.value for outcome in queries.IdeaOutcome)


@dataclass(frozen=True)
class Line:
    """A figure as the page, the sheet and the API show it, with where its rows are."""

    key: str
    label: str
    amount_sek: int | None = None
    count: int | None = None
    share: float | None = None
    figure: str | None = None
    group: str | None = None
    note: str = ""
    part_of_above: bool = False

    def sheet_line(self) -> PositionLine:
        return PositionLine(self.label, self.amount_sek, self.count, self.share)


def position_lines(figures: queries.Position) -> list[Line]:
    """The figures in the council report's order, labelled in the user's language."""
    assessed = _("of %(count)s projects reporting", count=figures.assessed_projects)
    lines = [
        Line("reserved_sek", _("Reserved for the programme"), amount_sek=figures.reserved_sek),
        Line("granted_projects_sek", _("Granted to funded projects"),
             amount_sek=figures.granted_projects_sek, figure="projects"),
        Line("projects", _("Funded projects"), count=figures.projects, figure="projects"),
        Line("finished_projects", _("of which finished"), count=figures.finished_projects,
             figure="finished", part_of_above=True),
        Line("feasibility_sek", _("Granted to feasibility studies"),
             amount_sek=figures.feasibility_sek, figure="feasibility"),
        Line("feasibility_studies", _("Feasibility studies"),
             count=figures.feasibility_studies, figure="feasibility"),
        Line("other_decisions_sek", _("Financed projects decided in other matters"),
             amount_sek=figures.other_decisions_sek, figure="other"),
        Line("remaining_sek", _("Left of the envelope"), amount_sek=figures.remaining_sek),
        Line("ideas.received", _("Project ideas received"), count=figures.ideas_received,
             figure="ideas"),
        Line("ideas.became_projects", _("of which became projects"),
             count=figures.ideas_became_projects, figure="ideas", group="became_projects",
             part_of_above=True),
        Line("ideas.not_approved", _("of which not approved"),
             count=figures.ideas_not_approved, figure="ideas", group="not_approved",
             part_of_above=True),
        Line("ideas.awaiting_application", _("of which not yet back with an application"),
             count=figures.ideas_awaiting_application, figure="ideas",
             group="awaiting_application", part_of_above=True),
    ]
    lines += [Line(f"budget_cuts_sek.{year}", _("Budget cut adopted for %(year)s", year=year),
                   amount_sek=amount, figure="budget_cuts", group=str(year))
              for year, amount in sorted(figures.budget_cuts_sek.items())]
    lines += [
        Line("not_keeping_budget_share", _("Projects not keeping their budget"),
             share=figures.not_keeping_budget_share, figure="adherence", note=assessed),
        Line("not_keeping_schedule_share", _("Projects not keeping their schedule"),
             share=figures.not_keeping_schedule_share, figure="adherence", note=assessed),
    ]
    return lines


def _programme(programme_id: int) -> Programme:
    return db.get_or_404(Programme, programme_id)


@bp.get("/<int:programme_id>/position")
def position(programme_id: int):
    """Programmets läge: the council report's figures on `?on=` (default the business date)."""
    programme = _programme(programme_id)
    on, on_error = on_from_request(programme)
    figures = queries.position(programme, on)
    return render_template("programmes/position.html", programme=programme, on=on,
                           on_error=on_error, figures=figures, lines=position_lines(figures),
                           can_see_rows=can_view_portfolio(current_user)), page_status(on_error)


@bp.get("/<int:programme_id>/position.xlsx")
def position_xlsx(programme_id: int):
    """The same figures as one Excel sheet (a bad date is refused: 422)."""
    programme = _programme(programme_id)
    on = parse_on(request.args.get("on"), programme)
    lines = position_lines(queries.position(programme, on))
    title = _("Programme position")
    data = position_workbook(
        title, [_("Figure"), _("Amount (kr)"), _("Number"), _("Share")],
        [line.sheet_line() for line in lines],
        print_header=f"{programme.name} – {title}", print_footer=on.isoformat())
    return workbook_response(data, f"{title} {on.isoformat()}.xlsx")


def _figure_arg() -> tuple[str, str | None]:
    figure = request.args.get("figure") or "projects"
    group = request.args.get("group") or None
    if figure not in FIGURES:
        abort(400)
    if figure == "ideas" and group is not None and group not in IDEA_GROUPS:
        abort(400)
    if figure == "budget_cuts" and group is not None and not group.isdigit():
        abort(400)
    return figure, group


def _adherence_rows(programme: Programme, on: date) -> list[dict]:
    tolerance = programme.schedule_tolerance_days or 0
    titles = {row.project_id: row for row in queries.project_rows(programme.id, on)}
    rows = []
    for facts in queries.adherence_facts(programme, on):
        kept_budget = adherence_rules.kept_budget(facts, on)
        if kept_budget is None:
            continue
        project = titles.get(facts.project_id)
        rows.append({"project_id": facts.project_id,
                     "title": project.title if project else "",
                     "organisation": project.organisation if project else "",
                     "reported_on": adherence_rules.latest_report_on(facts, on).submitted_on,
                     "kept_budget": kept_budget,
                     "kept_schedule": adherence_rules.kept_schedule(facts, on, tolerance)})
    return rows


@bp.get("/<int:programme_id>/position/rows")
def rows(programme_id: int):
    """The rows behind one figure of the position (`?figure=`, `?group=`), on `?on=`."""
    if not can_view_portfolio(current_user):
        abort(403)
    programme = _programme(programme_id)
    figure, group = _figure_arg()
    on, on_error = on_from_request(programme)
    found: dict = {}
    if figure in ("projects", "finished"):
        found["projects"] = queries.project_rows(programme.id, on, finished=figure == "finished")
    elif figure == "feasibility":
        found["studies"] = queries.feasibility_rows(programme.id, on)
    elif figure == "other":
        found["entries"] = queries.other_decision_rows(programme.id, on)
    elif figure == "ideas":
        found["ideas"] = queries.idea_rows(
            programme.id, on, queries.IdeaOutcome(group) if group else None)
    elif figure == "budget_cuts":
        found["cuts"] = [row for row in queries.budget_cut_rows(programme.id, on)
                         if group is None or row.budget_year == int(group)]
    else:
        found["adherence"] = _adherence_rows(programme, on)
    return render_template(
        "programmes/position_rows.html", programme=programme, on=on, on_error=on_error,
        figure=figure, group=group, local_day_of=local_day_of,
        back_url=url_for("position.position", programme_id=programme.id, on=on.isoformat()),
        **found), page_status(on_error)
