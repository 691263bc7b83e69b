"""Programme queries and the envelope position, always computed from the ledger."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from app.accounts.models import Area
from app.core import audit, clock
from app.core.enums import LedgerEntryKind
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.money import format_sek
from app.extensions import db

from . import ledger, queries, rules
from .models import AreaEstimate, EnvelopeEntry, Goal, Programme
from .queries import EnvelopePosition

__all__ = ["EnvelopePosition", "envelope_position", "envelope_positions", "list_programmes"]


def envelope_positions(programme_ids, as_of: date | None = None) -> dict[int, EnvelopePosition]:
    """Every listed programme's envelope (the write side reads the whole ledger)."""
    return queries.envelope_positions(programme_ids, as_of)


def envelope_position(programme: Programme, as_of: date | None = None) -> EnvelopePosition:
    return queries.envelope_positions([programme.id], as_of)[programme.id]


def list_programmes():
    return db.session.scalars(sa.select(Programme).order_by(Programme.starts_on)).all()


def programmes_open_to(user, role) -> list[Programme]:
    """The programmes in which the user holds `role`: where an applicant may apply."""
    return [programme for programme in list_programmes() if role in user.roles_for(programme.id)]



# --- Setting up a programme as data (issue 17): services flush, never commit. ---

SETTING_FIELDS = (
    "diary_number_format", "calculation_years", "discount_rate", "hours_per_fte", "oncost_rate",
    "channel_unit_sek", "stage_service_days", "idea_idle_days", "report_due_after_days",
    "schedule_tolerance_days", "decision_backdating_days", "report_early_days",
)
CALENDAR_FIELDS = ("six_weekly_period_days", "report_due_after_days", "report_early_days",
                   "tertial_due_after_days")
PROGRAMME_FIELDS = ("name", "description", "starts_on", "ends_on", *SETTING_FIELDS,
                    "six_weekly_period_days", "tertial_due_after_days")
STAGES = ("submitted", "in_preparation", "advisory_opinion", "quality_check",
          "awaiting_decision")


def _issue_message(issue: rules.SetupIssue) -> str:
    """Say in the reader's language what is wrong with one field and what to do."""
    detail = issue.detail
    problem = issue.problem
    if problem == rules.SetupProblem.NAME_MISSING:
        return _("Give the programme a name.")
    if problem == rules.SetupProblem.NAME_TAKEN:
        return _("There is already a programme named %(name)s: choose another name.",
                 name=detail("name"))
    if problem == rules.SetupProblem.PERIOD_REVERSED:
        return _("The programme cannot end before it starts.")
    if problem == rules.SetupProblem.PERIOD_EXCLUDES_DECISIONS:
        return _("A decision of the programme is dated %(day)s, outside the new period: the "
                 "period must include every decision.", day=format_date(detail("decided_on")))
    if problem == rules.SetupProblem.AMOUNT_NOT_POSITIVE:
        return _("The amount must be a whole number of kronor greater than zero.")
    if problem == rules.SetupProblem.BELOW_COMMITTED:
        return _("The withdrawal would take the envelope below what is already committed "
                 "(%(committed)s); at most %(available)s can be withdrawn.",
                 committed=format_sek(detail("committed_sek")),
                 available=format_sek(detail("available_sek")))
    if problem == rules.SetupProblem.DAYS_OUT_OF_RANGE:
        return _("Give a whole number of days from %(minimum)d to %(maximum)d.",
                 minimum=detail("minimum"), maximum=detail("maximum"))
    return _("Must be fewer days than a period is long (%(days)d days), or one period's "
             "reporting would overlap the next one's.", days=detail("period_days"))


def _refuse(issues) -> None:
    """Raise one 422 naming every refused field, or do nothing when there is none."""
    issues = [issue for issue in issues if issue is not None]
    if issues:
        errors = [{"field": issue.field, "message": _issue_message(issue)} for issue in issues]
        raise InvalidInput(errors[0]["message"], field=errors[0]["field"], errors=errors)


def programme_snapshot(programme: Programme) -> dict:
    """The programme's own fields, as the audit log keeps them."""
    return {name: getattr(programme, name) for name in PROGRAMME_FIELDS}


def _decision_span(programme: Programme) -> tuple[date | None, date | None]:
    from app.applications.models import Decision

    row = db.session.execute(
        sa.select(sa.func.min(Decision.decided_on), sa.func.max(Decision.decided_on))
        .where(Decision.programme_id == programme.id)).one()
    return row[0], row[1]


def _check_programme(programme: Programme | None, values: dict) -> None:
    others = db.session.scalars(sa.select(Programme.name).where(
        Programme.id != (programme.id if programme is not None else -1))).all()
    earliest, latest = _decision_span(programme) if programme is not None else (None, None)
    issues = [rules.name_problem(values["name"], others),
              rules.period_problem(values["starts_on"], values["ends_on"], earliest, latest)]
    issues += rules.calendar_problems(rules.CalendarSettings(
        **{name: values[name] for name in CALENDAR_FIELDS}))
    for name, highest in (("discount_rate", 1), ("oncost_rate", 10)):
        rate = values[name]
        if not isinstance(rate, Decimal | int | float) or not 0 <= rate < highest:
            raise InvalidInput(_("Give a fraction from 0 to below %(highest)s.",
                                 highest=highest), field=name)
    try:
        values["diary_number_format"].format(year=2008, seq=1)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        raise InvalidInput(_("The diary number format must use {year} and {seq} only, e.g. "
                             "SLK {year}/{seq:04d}."), field="diary_number_format") from None
    stage_days = values.get("stage_service_days") or {}
    for stage, days in stage_days.items():
        if stage not in STAGES or not isinstance(days, int) or isinstance(days, bool) \
                or not 0 <= days <= rules.MAX_DUE_DAYS:
            issues.append(rules.SetupIssue(f"stage_service_days.{stage}",
                                           rules.SetupProblem.DAYS_OUT_OF_RANGE,
                                           (("minimum", 0), ("maximum", rules.MAX_DUE_DAYS))))
    _refuse(issues)


def _values(programme: Programme | None, data: dict) -> dict:
    """The programme's fields after the change: the given ones over the current or defaults."""
    values = {}
    for name in PROGRAMME_FIELDS:
        if name in data and data[name] is not None:
            values[name] = data[name]
        elif programme is not None:
            values[name] = getattr(programme, name)
        else:
            column = Programme.__table__.columns[name]
            default = column.default.arg if column.default is not None else None
            values[name] = default({}) if callable(default) else default
    values["name"] = (values["name"] or "").strip()
    values["description"] = values["description"] or ""
    return values


def create_programme(data: dict, actor=None) -> Programme:
    """Create a programme with its period and settings (an administrator sets it up)."""
    values = _values(None, data)
    _check_programme(None, values)
    programme = Programme(**values)
    db.session.add(programme)
    db.session.flush()
    audit.record("programme.created", programme, actor=actor,
                 after=programme_snapshot(programme))
    return programme


def update_programme(programme: Programme, data: dict, actor=None) -> Programme:
    """Change a programme's name, period, description or settings; nothing else moves."""
    before = programme_snapshot(programme)
    values = _values(programme, data)
    _check_programme(programme, values)
    for name, value in values.items():
        setattr(programme, name, value)
    db.session.flush()
    audit.record("programme.updated", programme, actor=actor, before=before,
                 after=programme_snapshot(programme))
    return programme


def update_calendar(programme: Programme, data: dict, actor=None) -> Programme:
    """Change only the reporting calendar's settings."""
    return update_programme(programme, {k: data[k] for k in CALENDAR_FIELDS if k in data}, actor)


def calendar_of(programme: Programme) -> dict:
    return {name: getattr(programme, name) for name in CALENDAR_FIELDS}


def _entry_snapshot(entry: EnvelopeEntry) -> dict:
    return {"kind": entry.kind, "amount_sek": entry.amount_sek, "booked_on": entry.booked_on,
            "description": entry.description, "corrects_id": entry.corrects_id}


def reservations(programme: Programme) -> list[EnvelopeEntry]:
    """The envelope's reservations and their withdrawals, in booking order."""
    return db.session.scalars(
        sa.select(EnvelopeEntry).where(EnvelopeEntry.programme_id == programme.id,
                                       EnvelopeEntry.kind == LedgerEntryKind.RESERVATION)
        .order_by(EnvelopeEntry.booked_on, EnvelopeEntry.id)).all()


def _lock(programme: Programme) -> None:
    """Lock the envelope row, as committing money does, so two changes queue."""
    db.session.execute(sa.select(Programme.id).where(Programme.id == programme.id)
                       .with_for_update())


def add_reservation(programme: Programme, data: dict, actor=None) -> EnvelopeEntry:
    """Reserve money for the envelope with the decision that gives it (never edited later).

    A negative amount withdraws from an earlier reservation (`corrects_id`): a new
    correcting entry that may not take the envelope below what is already committed.
    """
    amount_sek = data.get("amount_sek")
    description = (data.get("description") or "").strip()
    if not description:
        raise InvalidInput(_("Name the decision that gives or withdraws the money."),
                           field="description")
    booked_on = data.get("booked_on") or clock.today()
    corrects_id = data.get("corrects_id")
    _lock(programme)
    if isinstance(amount_sek, int) and not isinstance(amount_sek, bool) and amount_sek < 0:
        corrected = db.session.get(EnvelopeEntry, corrects_id) if corrects_id else None
        if (corrected is None or corrected.programme_id != programme.id
                or corrected.kind != LedgerEntryKind.RESERVATION or corrected.amount_sek <= 0):
            raise InvalidInput(_("A withdrawal names the reservation it withdraws from."),
                               field="corrects_id")
        withdrawn_sek = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(EnvelopeEntry.amount_sek), 0))
            .where(EnvelopeEntry.corrects_id == corrected.id))
        if corrected.amount_sek + int(withdrawn_sek) + amount_sek < 0:
            raise InvalidInput(_("The withdrawal is larger than what is left of the reservation "
                                 "(%(left)s).", left=format_sek(corrected.amount_sek +
                                                                 int(withdrawn_sek))),
                               field="amount_sek")
        position = queries.envelope_position(programme, None)
        _refuse([rules.withdrawal_problem(-amount_sek, position.reserved_sek,
                                          position.committed_sek)])
    else:
        _refuse([rules.reservation_problem(amount_sek)])
        corrects_id = None
    entry = ledger.book(programme.id, LedgerEntryKind.RESERVATION, amount_sek, booked_on,
                        description, corrects_id=corrects_id, actor=actor)
    audit.record("envelope.reserved" if amount_sek > 0 else "envelope.withdrawn", entry,
                 actor=actor, after=_entry_snapshot(entry))
    return entry


def _goal_snapshot(goal: Goal) -> dict:
    return {"number": goal.number, "title": goal.title, "description": goal.description}


def _goal_title(data: dict) -> str:
    title = (data.get("title") or "").strip()
    if not title:
        raise InvalidInput(_("Give the goal a title."), field="title")
    return title[:300]


def add_goal(programme: Programme, data: dict, actor=None) -> Goal:
    """Add a goal after the programme's last one."""
    number = max((goal.number for goal in programme.goals), default=0) + 1
    goal = Goal(programme_id=programme.id, number=number, title=_goal_title(data),
                description=(data.get("description") or "").strip())
    db.session.add(goal)
    db.session.flush()
    db.session.refresh(programme, ["goals"])
    audit.record("goal.created", goal, actor=actor, after=_goal_snapshot(goal))
    return goal


def update_goal(goal: Goal, data: dict, actor=None) -> Goal:
    """Change a goal's title or description (its number moves only by reordering)."""
    before = _goal_snapshot(goal)
    goal.title = _goal_title({"title": data.get("title", goal.title)})
    if data.get("description") is not None:
        goal.description = data["description"].strip()
    db.session.flush()
    audit.record("goal.updated", goal, actor=actor, before=before, after=_goal_snapshot(goal))
    return goal


def goal_is_referenced(goal: Goal) -> bool:
    """Whether an application or assessment has scored the goal (then it stays as it is)."""
    from app.applications.models import (
        Application,
        ApplicationGoalScore,
        Assessment,
        AssessmentScore,
    )

    scored = db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationGoalScore)
                               .where(ApplicationGoalScore.goal_id == goal.id))
    assessed = db.session.scalar(
        sa.select(sa.func.count()).select_from(AssessmentScore)
        .join(Assessment, Assessment.id == AssessmentScore.assessment_id)
        .join(Application, Application.id == Assessment.application_id)
        .where(Application.programme_id == goal.programme_id,
               AssessmentScore.criterion == f"goal_{goal.number}"))
    return bool(scored or assessed)


def delete_goal(goal: Goal, actor=None) -> None:
    """Remove a goal nobody has scored yet; later goals move up one number."""
    if goal_is_referenced(goal):
        raise Conflict(_("Goal %(number)d has been scored in applications or assessments and "
                         "cannot be deleted.", number=goal.number), field="goal")
    programme = goal.programme
    before = _goal_snapshot(goal)
    db.session.delete(goal)
    db.session.flush()
    audit.record("goal.deleted", object_type="Goal", object_id=goal.id, actor=actor,
                 before=before)
    db.session.refresh(programme, ["goals"])
    moving = [g for number, g in enumerate(programme.goals, start=1) if g.number != number]
    if not any(goal_is_referenced(g) for g in moving):
        _renumber(programme, [g.id for g in programme.goals])


def _renumber(programme: Programme, goal_ids: list[int]) -> None:
    """Give the goals numbers 1.. in the given order, through free numbers (unique pairs)."""
    goals = {goal.id: goal for goal in programme.goals}
    for goal in goals.values():
        goal.number = -goal.number - 1000
    db.session.flush()
    for number, goal_id in enumerate(goal_ids, start=1):
        goals[goal_id].number = number
    db.session.flush()
    db.session.refresh(programme, ["goals"])


def reorder_goals(programme: Programme, goal_ids: list[int], actor=None) -> list[Goal]:
    """Put the goals in a new order; a goal already scored keeps its number (scores name it)."""
    current = {goal.id: goal for goal in programme.goals}
    unknown = [goal_id for goal_id in goal_ids if goal_id not in current]
    if unknown:
        raise NotFound(_("The programme has no goal with id %(id)s.", id=unknown[0]),
                       field="goal_ids")
    if sorted(goal_ids) != sorted(current):
        raise Conflict(_("List every goal of the programme once."), field="goal_ids")
    before = {goal.id: goal.number for goal in current.values()}
    for number, goal_id in enumerate(goal_ids, start=1):
        goal = current[goal_id]
        if goal.number != number and goal_is_referenced(goal):
            raise Conflict(_("Goal %(number)d has been scored in applications or assessments "
                             "and keeps its number.", number=goal.number), field="goal_ids")
    _renumber(programme, goal_ids)
    audit.record("goals.reordered", programme, actor=actor, before={"numbers": before},
                 after={"numbers": {goal.id: goal.number for goal in programme.goals}})
    return list(programme.goals)


def _estimate_snapshot(estimate: AreaEstimate) -> dict:
    return {"area": estimate.area.key, "estimate_sek": estimate.estimate_sek}


def set_area_estimate(programme: Programme, data: dict, actor=None) -> AreaEstimate:
    """Give an area (existing, or new by key and name) its first-stage estimate."""
    estimate_sek = data.get("estimate_sek")
    if (not isinstance(estimate_sek, int) or isinstance(estimate_sek, bool)
            or not 0 <= estimate_sek <= rules.MAX_AMOUNT_SEK):
        raise InvalidInput(_("The estimate must be a whole number of kronor, 0 or more."),
                           field="estimate_sek")
    area = _area_for(data, actor)
    estimate = db.session.scalar(sa.select(AreaEstimate).where(
        AreaEstimate.programme_id == programme.id, AreaEstimate.area_id == area.id))
    before = _estimate_snapshot(estimate) if estimate is not None else None
    if estimate is None:
        estimate = AreaEstimate(programme_id=programme.id, area=area, estimate_sek=estimate_sek)
        db.session.add(estimate)
    estimate.estimate_sek = estimate_sek
    db.session.flush()
    audit.record("area_estimate.set", estimate, actor=actor, before=before,
                 after=_estimate_snapshot(estimate))
    return estimate


def _area_for(data: dict, actor=None) -> Area:
    """The shared area named by id or key; a new key with a name creates it."""
    if data.get("area_id"):
        area = db.session.get(Area, data["area_id"])
        if area is None:
            raise InvalidInput(_("There is no such area."), field="area_id")
        return area
    key = (data.get("key") or "").strip().lower()
    if not key:
        raise InvalidInput(_("Choose an area, or give a new area's key and name."), field="key")
    area = db.session.scalar(sa.select(Area).where(Area.key == key))
    if area is not None:
        return area
    name = (data.get("name") or "").strip()
    if not name:
        raise InvalidInput(_("Give the new area a name."), field="name")
    area = Area(key=key[:40], name=name[:200])
    db.session.add(area)
    db.session.flush()
    audit.record("area.created", area, actor=actor, after={"key": area.key, "name": area.name})
    return area


def area_estimates(programme: Programme) -> list[AreaEstimate]:
    return db.session.scalars(
        sa.select(AreaEstimate).join(Area, Area.id == AreaEstimate.area_id)
        .where(AreaEstimate.programme_id == programme.id).order_by(Area.name)).all()


def list_areas() -> list[Area]:
    return db.session.scalars(sa.select(Area).order_by(Area.name)).all()
