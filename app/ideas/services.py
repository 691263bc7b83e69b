"""Project ideas: submit, edit, screen, the reuse check and the list of idle approved ideas.

Screening happens only from `submitted`. When the programme office asks for more
information, the applicant answers by editing the idea; that edit returns it to
`submitted`, back in the office's queue, so the office never decides on a question that
has not been answered. Services flush, never commit.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Organisation, User
from app.accounts.queries import users_of_organisation, users_with_role
from app.applications.models import Application
from app.core import audit, clock
from app.core.clock import local_date, local_zone
from app.core.enums import ApplicationState, IdeaState, Role
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.models import AuditEntry
from app.core.notifications import notify
from app.core.permissions import belongs_to
from app.extensions import db
from app.programmes.models import Programme
from app.projects.models import Project

from . import similarity
from .models import ProjectIdea
from .permissions import (
    EDITABLE_STATES,
    SCREENABLE_STATES,
    can_submit_idea,
    can_view_idea,
)

TEXT_FIELDS = ("title", "description", "target_group", "expected_benefit", "contact_name",
               "contact_email")
REQUIRED_FIELDS = ("title", "description")
MAX_LENGTHS = {"title": 300, "description": 10_000, "target_group": 5_000,
               "expected_benefit": 5_000, "contact_name": 200, "contact_email": 254}
MAX_COMMENT_LENGTH = 5_000
SCREENING_OUTCOMES = (IdeaState.APPROVED_TO_APPLY, IdeaState.REJECTED,
                      IdeaState.MORE_INFO_REQUESTED)
COMMENT_REQUIRED = frozenset({IdeaState.REJECTED, IdeaState.MORE_INFO_REQUESTED})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

IDEA_STATE_LABELS = {
    IdeaState.SUBMITTED: _l("Waiting for screening"),
    IdeaState.MORE_INFO_REQUESTED: _l("More information requested"),
    IdeaState.APPROVED_TO_APPLY: _l("Approved to apply"),
    IdeaState.REJECTED: _l("Rejected"),
}


def idea_link(idea: ProjectIdea) -> str:
    return f"/ideas/{idea.id}"


def similarity_text(title: str, description: str = "") -> str:
    """Join title and description the way `similarity.rank_similar` reads them (title first)."""
    return f"{(title or '').strip()}\n{(description or '').strip()}"


# ---- queries --------------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    """One step in an idea's life, read back from the audit log."""

    at: datetime
    actor_name: str
    action: str
    state: str | None
    comment: str


def idea_history(idea: ProjectIdea) -> list[HistoryEntry]:
    """List the idea's submission, edits and screenings, oldest first (one query)."""
    rows = db.session.execute(
        sa.select(AuditEntry, User.name)
        .outerjoin(User, AuditEntry.actor_id == User.id)
        .where(AuditEntry.object_type == ProjectIdea.__name__,
               AuditEntry.object_id == str(idea.id),
               AuditEntry.action.like("idea.%"))
        .order_by(AuditEntry.id)
    ).all()
    return [
        HistoryEntry(at=entry.at, actor_name=name or entry.actor_label, action=entry.action,
                     state=(entry.after or {}).get("state"),
                     comment=(entry.after or {}).get("screening_comment", "")
                     if entry.action == "idea.screened" else "")
        for entry, name in rows
    ]


# ---- changes --------------------------------------------------------------------------------

def _snapshot(idea: ProjectIdea) -> dict:
    return {**{field: getattr(idea, field) for field in TEXT_FIELDS}, "state": idea.state}


def _clean(data: dict, *, partial: bool) -> dict:
    """Strip and check the idea's text fields; raise InvalidInput naming the first bad one."""
    cleaned = {}
    for field in TEXT_FIELDS:
        if field not in data:
            if not partial and field in REQUIRED_FIELDS:
                raise InvalidInput(_("This field is required."), field=field)
            continue
        value = data[field]
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InvalidInput(_("Write text here."), field=field)
        value = value.strip()
        if field in REQUIRED_FIELDS and not value:
            raise InvalidInput(_("This field is required."), field=field)
        if len(value) > MAX_LENGTHS[field]:
            raise InvalidInput(_("Write at most %(count)d characters.", count=MAX_LENGTHS[field]),
                               field=field)
        if field == "contact_email" and value and not _EMAIL.match(value):
            raise InvalidInput(_("Write an e-mail address such as name@example.se."), field=field)
        cleaned[field] = value
    return cleaned


def submit_idea(programme: Programme, data: dict, actor) -> ProjectIdea:
    """Record an applicant organisation's idea and tell the programme office it waits."""
    if not can_submit_idea(actor, programme.id):
        raise Forbidden(_("Only an applicant of an organisation can submit ideas."))
    fields = _clean(data, partial=False)
    idea = ProjectIdea(programme_id=programme.id, organisation_id=actor.organisation_id,
                       state=IdeaState.SUBMITTED, submitted_by_id=actor.id,
                       submitted_at=clock.now(), **fields)
    db.session.add(idea)
    db.session.flush()
    audit.record("idea.submitted", idea, actor=actor, after=_snapshot(idea))
    organisation = db.session.get(Organisation, actor.organisation_id)
    notify(users_with_role(Role.PROGRAMME_OFFICE, programme_id=idea.programme_id),
           "idea.submitted",
           _("New project idea from %(organisation)s: %(title)s",
             organisation=organisation.name, title=idea.title),
           link=idea_link(idea))
    return idea


def require_editable(idea: ProjectIdea, actor) -> None:
    """Refuse an edit: 404 if the idea is unseen, 403 without the role, 409 once screened."""
    if not can_view_idea(actor, idea):
        raise NotFound(_("There is no idea with that number that you can see."))
    if (Role.APPLICANT not in actor.roles_for(idea.programme_id)
            or not belongs_to(actor, idea.organisation_id)):
        raise Forbidden(_("Only the organisation's applicants can edit its ideas."))
    if idea.state not in EDITABLE_STATES:
        raise Conflict(_("The idea has been screened and can no longer be edited."),
                       state=idea.state.value)


def update_idea(idea: ProjectIdea, data: dict, actor) -> ProjectIdea:
    """Edit an idea before screening; an edit after a question answers it and requeues the idea."""
    require_editable(idea, actor)
    fields = _clean(data, partial=True)
    before = _snapshot(idea)
    answered = idea.state == IdeaState.MORE_INFO_REQUESTED
    for field, value in fields.items():
        setattr(idea, field, value)
    if answered:
        idea.state = IdeaState.SUBMITTED
    after = _snapshot(idea)
    if after == before:
        return idea
    db.session.flush()
    changed = [key for key in after if after[key] != before[key]]
    audit.record("idea.answered" if answered else "idea.updated", idea, actor=actor,
                 before={key: before[key] for key in changed},
                 after={key: after[key] for key in changed})
    if answered:
        notify(users_with_role(Role.PROGRAMME_OFFICE, programme_id=idea.programme_id),
               "idea.answered",
               _("%(organisation)s has answered your question about the idea %(title)s",
                 organisation=idea.organisation.name, title=idea.title),
               link=idea_link(idea))
    return idea


def _outcome(value) -> IdeaState:
    try:
        outcome = IdeaState(value)
    except ValueError:
        outcome = None
    if outcome not in SCREENING_OUTCOMES:
        raise InvalidInput(
            _("Choose approved to apply, rejected or more information requested."),
            field="outcome")
    return outcome


def require_screenable(idea: ProjectIdea, actor) -> None:
    """Refuse a screening: 404 if unseen, 403 outside the programme office, 409 if not waiting."""
    if not can_view_idea(actor, idea):
        raise NotFound(_("There is no idea with that number that you can see."))
    if Role.PROGRAMME_OFFICE not in actor.roles_for(idea.programme_id):
        raise Forbidden(_("Only the programme office screens ideas."))
    if idea.state not in SCREENABLE_STATES:
        raise Conflict(_("The idea does not wait for screening (its state: %(state)s).",
                         state=IDEA_STATE_LABELS[idea.state]), state=idea.state.value)


def screen_idea(idea: ProjectIdea, outcome, comment: str | None, actor) -> ProjectIdea:
    """Record the programme office's screening and tell the applicant organisation."""
    require_screenable(idea, actor)
    outcome = _outcome(outcome)
    comment = (comment or "").strip()
    if outcome in COMMENT_REQUIRED and not comment:
        raise InvalidInput(
            _("Give the reason for a rejection, or say what information is missing."),
            field="comment")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidInput(_("Write at most %(count)d characters.", count=MAX_COMMENT_LENGTH),
                           field="comment")
    before = {"state": idea.state, "screening_comment": idea.screening_comment}
    idea.state = outcome
    idea.screened_by_id = actor.id
    idea.screened_at = clock.now()
    idea.screening_comment = comment
    db.session.flush()
    audit.record("idea.screened", idea, actor=actor, before=before,
                 after={"state": outcome, "screening_comment": comment})
    messages = {
        IdeaState.APPROVED_TO_APPLY: _("Your idea %(title)s was approved: you may apply.",
                                       title=idea.title),
        IdeaState.REJECTED: _("Your idea %(title)s was rejected. The reason is on its page.",
                              title=idea.title),
        IdeaState.MORE_INFO_REQUESTED: _(
            "The programme office asks for more information about your idea %(title)s.",
            title=idea.title),
    }
    notify(users_of_organisation(idea.organisation_id), "idea.screened", messages[outcome],
           link=idea_link(idea))
    return idea


# ---- reuse check ----------------------------------------------------------------------------

def _candidate_ideas(exclude_organisation_id: int | None,
                     exclude_idea_id: int | None) -> list[similarity.Candidate]:
    """Ideas that are not rejected and did not become a project (the project stands for them)."""
    became_project = (
        sa.select(Application.id).join(Project, Project.application_id == Application.id)
        .where(Application.idea_id == ProjectIdea.id).exists()
    )
    query = (
        sa.select(ProjectIdea.id, ProjectIdea.title, ProjectIdea.description, ProjectIdea.state,
                  Organisation.name)
        .join(Organisation, ProjectIdea.organisation_id == Organisation.id)
        .where(ProjectIdea.state != IdeaState.REJECTED, ~became_project)
        .order_by(ProjectIdea.id)
    )
    if exclude_organisation_id is not None:
        query = query.where(ProjectIdea.organisation_id != exclude_organisation_id)
    if exclude_idea_id is not None:
        query = query.where(ProjectIdea.id != exclude_idea_id)
    return [similarity.Candidate("idea", row.id, row.title, row.name, row.description or "",
                                 row.state.value)
            for row in db.session.execute(query)]


def _candidate_projects(exclude_organisation_id: int | None) -> list[similarity.Candidate]:
    """Funded projects, described by their application."""
    query = (
        sa.select(Project.id, Project.title, Project.state, Application.description,
                  Organisation.name)
        .join(Organisation, Project.organisation_id == Organisation.id)
        .outerjoin(Application, Project.application_id == Application.id)
        .order_by(Project.id)
    )
    if exclude_organisation_id is not None:
        query = query.where(Project.organisation_id != exclude_organisation_id)
    return [similarity.Candidate("project", row.id, row.title, row.name, row.description or "",
                                 row.state.value)
            for row in db.session.execute(query)]


def similar_to(text: str, exclude_organisation_id: int | None,
               exclude_idea_id: int | None = None,
               limit: int = similarity.DEFAULT_LIMIT) -> list[similarity.Match]:
    """Rank other organisations' ideas and projects by similarity to `text` (two queries)."""
    if not similarity.words(text or ""):
        return []
    candidates = [*_candidate_ideas(exclude_organisation_id, exclude_idea_id),
                  *_candidate_projects(exclude_organisation_id)]
    return similarity.rank_similar(text, candidates, limit=limit)


def similar_to_idea(idea: ProjectIdea,
                    limit: int = similarity.DEFAULT_LIMIT) -> list[similarity.Match]:
    """Rank what other organisations already have that resembles this idea."""
    return similar_to(similarity_text(idea.title, idea.description), idea.organisation_id,
                      exclude_idea_id=idea.id, limit=limit)


# ---- ideas that did not come back -----------------------------------------------------------

@dataclass(frozen=True)
class IdleIdea:
    idea: ProjectIdea
    approved_on: date
    days_waiting: int


def idle_approved_ideas(programme: Programme, today: date | None = None,
                        idle_days: int | None = None) -> list[IdleIdea]:
    """List ideas approved at least `idle_days` days ago that have no application, oldest first.

    An idea approved on day D is idle from day D + N (N = the programme's `idea_idle_days`).
    A withdrawn application does not count: the idea is idle again.
    """
    today = today or clock.today()
    days = programme.idea_idle_days if idle_days is None else idle_days
    if days < 0:
        raise InvalidInput(_("The number of days cannot be negative."), field="idle_days")
    last_idle_day = today - timedelta(days=days)
    cutoff = datetime.combine(last_idle_day + timedelta(days=1), time.min, local_zone())
    has_application = (
        sa.select(Application.id)
        .where(Application.idea_id == ProjectIdea.id,
               Application.state != ApplicationState.WITHDRAWN)
        .exists()
    )
    ideas = db.session.scalars(
        sa.select(ProjectIdea)
        .where(ProjectIdea.programme_id == programme.id,
               ProjectIdea.state == IdeaState.APPROVED_TO_APPLY,
               ProjectIdea.screened_at.is_not(None),
               ProjectIdea.screened_at < cutoff,
               ~has_application)
        .order_by(ProjectIdea.screened_at, ProjectIdea.id)
    ).all()
    return [IdleIdea(idea, approved_on=local_date(idea.screened_at),
                     days_waiting=(today - local_date(idea.screened_at)).days)
            for idea in ideas]
