"""Go-live and closing a project: the final report, the release, the follow-up scheduled."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.queries import users_with_role
from app.applications import decisions as application_decisions
from app.core import audit, clock
from app.core.enums import ProjectState, Role
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.inputs import parse_date
from app.core.notifications import notify
from app.extensions import db

from .followup_tasks import ensure_followup_task
from .models import FinalReport, Project
from .permissions import can_close_project
from .reports import parse_amount, parse_text
from .services import add_years, lock_project, project_commitment_sek, project_programme

MAX_RESPONSIBLE = 200


def _go_live(project: Project, value, today: date) -> date | None:
    go_live_on = parse_date(value, "go_live_on")
    if go_live_on is None:
        return None
    if go_live_on < project.baseline_start_on:
        raise InvalidInput(_("The go-live date cannot be before the project started (%(date)s).",
                             date=project.baseline_start_on.isoformat()), field="go_live_on")
    if go_live_on > today:
        raise InvalidInput(_("Record the go-live date when it has happened; %(date)s is in "
                             "the future.", date=go_live_on.isoformat()), field="go_live_on")
    return go_live_on


def record_go_live(project: Project, go_live_on, actor) -> Project:
    """Record when the e-service went live and schedule its one-year benefit follow-up."""
    if not can_close_project(actor, project):
        raise Forbidden(_("Only the project's organisation or the programme office records "
                          "go-live."))
    project = lock_project(project)
    value = _go_live(project, go_live_on, clock.today())
    if value is None:
        raise InvalidInput(_("Give the go-live date."), field="go_live_on")
    before = project.go_live_on
    project.go_live_on = value
    db.session.flush()
    audit.record("project.went_live", project, actor=actor, before={"go_live_on": before},
                 after={"go_live_on": value})
    ensure_followup_task(project, actor)
    return project


def _final_report_values(project: Project, data: dict, today: date) -> dict:
    """Validate the final report; every problem names its field."""
    values = {
        "delivered": parse_text(data.get("delivered"), "delivered"),
        "lessons": parse_text(data.get("lessons"), "lessons"),
        "followup_indicators": parse_text(data.get("followup_indicators"), "followup_indicators"),
        "followup_responsible": parse_text(data.get("followup_responsible"), "followup_responsible",
                                      MAX_RESPONSIBLE),
        "go_live_on": _go_live(project, data.get("go_live_on"), today) or project.go_live_on,
        "followup_on": parse_date(data.get("followup_on"), "followup_on"),
    }
    final_cost = parse_amount(data.get("final_cost_sek"), "final_cost_sek")
    required = (("delivered", _("Say what the project delivered.")),
                ("followup_indicators", _("Say which indicators will show the benefits after "
                                          "one year.")),
                ("followup_responsible", _("Say who measures the benefits after one year.")))
    for field, message in required:
        if not values[field]:
            raise InvalidInput(message, field=field)
    if final_cost is None:
        raise InvalidInput(_("Give the final cost in whole kronor."), field="final_cost_sek")
    values["final_cost_sek"] = final_cost
    if values["followup_on"] is None and values["go_live_on"] is not None:
        values["followup_on"] = add_years(values["go_live_on"], 1)
    if values["followup_on"] is None:
        raise InvalidInput(_("Say when the benefits will be followed up."), field="followup_on")
    if values["go_live_on"] and values["followup_on"] < values["go_live_on"]:
        raise InvalidInput(_("The follow-up cannot be before go-live."), field="followup_on")
    return values


def close_project(project: Project, data: dict, actor) -> FinalReport:
    """File the final report, close the project, release what was committed but not spent."""
    if not can_close_project(actor, project):
        raise Forbidden(_("Only the project's organisation or the programme office closes a "
                          "project."))
    project = lock_project(project)
    if project.state != ProjectState.ACTIVE:
        raise Conflict(_("The project is already closed."), state=project.state.value)
    today = clock.today()
    values = _final_report_values(project, data, today)
    unused = project_commitment_sek(project) - values["final_cost_sek"]
    programme = project_programme(project)
    if unused > 0 and not programme.starts_on <= today <= programme.ends_on:
        raise Conflict(_("The programme ended on %(date)s, so the unused commitment cannot be "
                         "released through its envelope.", date=programme.ends_on.isoformat()))
    final = FinalReport(project_id=project.id, submitted_by_id=actor.id, **values)
    db.session.add(final)
    project.state = ProjectState.CLOSED
    project.closed_on = today
    project.go_live_on = values["go_live_on"]
    db.session.flush()
    if unused > 0:
        application_decisions.release_unused_commitment(
            project, unused, today,
            _("Unused commitment released when the project closed (final cost %(cost)s kr).",
              cost=values["final_cost_sek"]), actor)
    audit.record("project.closed", project, actor=actor, after={
        "closed_on": today, "final_cost_sek": values["final_cost_sek"],
        "released_sek": max(unused, 0), "go_live_on": project.go_live_on})
    ensure_followup_task(project, actor)
    notify(users_with_role(Role.PROGRAMME_OFFICE, programme_id=project.programme_id),
           "project.closed",
           _("%(project)s has closed with its final report.", project=project.title),
           link=f"/projects/{project.id}")
    return final


def final_report(project: Project) -> FinalReport | None:
    return db.session.scalar(sa.select(FinalReport).where(FinalReport.project_id == project.id))
