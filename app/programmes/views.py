"""Programme pages: the list, one programme with its envelope, and its delegation regimes."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.forms import select_choices
from app.applications.forms import REQUIREMENT_LABELS
from app.core import clock
from app.core.asof import on_from_request, page_status
from app.core.entry import page_blueprint
from app.core.errors import DomainError
from app.core.permissions import can_administer, can_view_programme
from app.core.unit_of_work import attempt, change_or_flash_refusal
from app.extensions import db

from . import queries, regimes, services
from .forms import (
    AreaEstimateForm,
    CalendarForm,
    DeleteRegimeForm,
    GoalForm,
    GoalMoveForm,
    ProgrammeForm,
    RegimeForm,
    ReservationForm,
)
from .labels import REGIME_STATE
from .models import DelegationRegime, Goal, Programme

bp = page_blueprint("programmes", __name__, url_prefix="/programmes", may_enter=can_view_programme)


@bp.get("/")
def index():
    programmes = services.list_programmes()
    on, on_error = on_from_request(programmes[-1] if len(programmes) == 1 else None)
    positions = queries.envelope_positions([p.id for p in programmes], on)
    return render_template("programmes/index.html", programmes=programmes, positions=positions,
                           on=on, on_error=on_error), page_status(on_error)


@bp.get("/<int:programme_id>")
def detail(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    on, on_error = on_from_request(programme)
    return render_template(
        "programmes/detail.html",
        programme=programme,
        on=on, on_error=on_error,
        envelope=queries.envelope_position(programme, on),
        ledger=queries.ledger_entries(programme, on),
    ), page_status(on_error)


def _administered_programme(programme_id: int) -> Programme:
    """The programme whose delegation an administrator edits (403 for anyone else)."""
    if not can_administer(current_user):
        abort(403)
    return db.get_or_404(Programme, programme_id)


def _future_regime(programme: Programme, regime_id: int) -> DelegationRegime:
    regime = db.get_or_404(DelegationRegime, regime_id)
    if regime.programme_id != programme.id:
        abort(404)
    return regime


def _regime_rows(programme: Programme) -> list[dict]:
    """Each regime with its state today and its share of the programme period (the bar)."""
    today = clock.today()
    total = max((programme.ends_on - programme.starts_on).days + 1, 1)
    rows = []
    for regime in regimes.regimes_of(programme):
        ends_on = min(regime.valid_to or programme.ends_on, programme.ends_on)
        start = max((regime.valid_from - programme.starts_on).days, 0)
        length = max((ends_on - regime.valid_from).days + 1, 0)
        state = regimes.regime_state(regime, today)
        rows.append({"regime": regime, "state": state, "state_label": REGIME_STATE[state],
                     "ends_on": regime.valid_to,
                     "offset": round(100 * start / total, 2),
                     "width": round(max(100 * length / total, 0.5), 2)})
    return rows


def _delegation_page(programme: Programme, form: RegimeForm, status: int = 200):
    return render_template("programmes/delegation.html", programme=programme, form=form,
                           rows=_regime_rows(programme), today=clock.today(),
                           delete_form=DeleteRegimeForm()), status


@bp.get("/<int:programme_id>/delegation")
def delegation(programme_id: int):
    """The programme's delegation regimes on a timeline, and the form to add one."""
    programme = _administered_programme(programme_id)
    return _delegation_page(programme, RegimeForm(formdata=None))


@bp.post("/<int:programme_id>/delegation")
def add_regime(programme_id: int):
    """Add a regime from a date (today or later); the one before it ends the day before."""
    programme = _administered_programme(programme_id)
    form = RegimeForm()
    if form.validate_on_submit():
        with attempt(regimes.RegimeRefused) as outcome:
            regimes.add_regime(programme, form.regime_data(), current_user)
        if outcome.refused:
            for error in outcome.refused.problems():
                form.add_error(error["field"], error["message"])
        else:
            flash(_("The delegation regime from %(date)s was saved.",
                    date=form.valid_from.data.isoformat()), "success")
            return redirect(url_for("programmes.delegation", programme_id=programme.id))
    return _delegation_page(programme, form, 422)


@bp.route("/<int:programme_id>/delegation/<int:regime_id>/edit", methods=["GET", "POST"])
def edit_regime(programme_id: int, regime_id: int):
    """Edit a regime that has not come into force; one in force is history."""
    programme = _administered_programme(programme_id)
    regime = _future_regime(programme, regime_id)
    form = RegimeForm()
    if request.method == "GET":
        form.fill(regime)
    if form.validate_on_submit():
        with attempt(regimes.RegimeRefused) as outcome:
            regimes.edit_regime(regime, form.regime_data(), current_user)
        if refused := outcome.refused:
            if refused.status == 409:
                flash(refused.detail, "danger")
                return redirect(url_for("programmes.delegation", programme_id=programme.id))
            for error in refused.problems():
                form.add_error(error["field"], error["message"])
        else:
            flash(_("The delegation regime from %(date)s was saved.",
                    date=form.valid_from.data.isoformat()), "success")
            return redirect(url_for("programmes.delegation", programme_id=programme.id))
    status = 422 if form.errors else 200
    return render_template("programmes/regime_form.html", programme=programme, regime=regime,
                           form=form), status


@bp.post("/<int:programme_id>/delegation/<int:regime_id>/delete")
def delete_regime(programme_id: int, regime_id: int):
    """Delete a regime that has not come into force."""
    programme = _administered_programme(programme_id)
    regime = _future_regime(programme, regime_id)
    if DeleteRegimeForm().validate_on_submit():
        starts_on = regime.valid_from.isoformat()
        change_or_flash_refusal(
            lambda: regimes.delete_regime(regime, current_user),
            _("The delegation regime from %(date)s was deleted.", date=starts_on))
    return redirect(url_for("programmes.delegation", programme_id=programme.id))


# --- Setting up programmes (administrators, issue 17) ---


def _require_admin() -> None:
    if not can_administer(current_user):
        abort(403)


def _saved(form, change, done: str) -> bool:
    """Run one service change: keep it and flash `done`, or undo it and put each refusal on
    its field."""
    with attempt(DomainError) as outcome:
        change()
    if outcome.refused:
        for problem in outcome.refused.problems():
            name = (problem.get("field") or "").split(".")[-1]
            target = getattr(form, name, None)
            if target is None or not hasattr(target, "errors") or name == "submit":
                target = next(f for f in form if f.type not in ("CSRFTokenField", "HiddenField"))
            target.errors = [*target.errors, problem["message"]]
        return False
    flash(done, "success")
    return True


def _programme_form(programme: Programme | None):
    form = ProgrammeForm(obj=programme)
    if programme is not None and request.method == "GET":
        form.fill(programme)
    if form.validate_on_submit():
        saved = []
        if programme is None:
            change = lambda: saved.append(services.create_programme(form.values(),  # noqa: E731
                                                                    actor=current_user))
        else:
            change = lambda: saved.append(services.update_programme(  # noqa: E731
                programme, form.values(), actor=current_user))
        if _saved(form, change, _("The programme %(name)s was saved.", name=form.name.data)):
            return redirect(url_for("programmes.detail", programme_id=saved[0].id))
    return render_template("programmes/form.html", form=form, programme=programme,
                           requirements=REQUIREMENT_LABELS), 422 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
def new():
    _require_admin()
    return _programme_form(None)


@bp.route("/<int:programme_id>/edit", methods=["GET", "POST"])
def edit(programme_id: int):
    _require_admin()
    return _programme_form(db.get_or_404(Programme, programme_id))


@bp.route("/<int:programme_id>/calendar", methods=["GET", "POST"])
def calendar(programme_id: int):
    _require_admin()
    programme = db.get_or_404(Programme, programme_id)
    form = CalendarForm(obj=programme)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.CALENDAR_FIELDS}
        if _saved(form, lambda: services.update_calendar(programme, values, actor=current_user),
                  _("The reporting calendar was saved.")):
            return redirect(url_for("programmes.calendar", programme_id=programme.id))
    return render_template("programmes/calendar.html", form=form, programme=programme), (
        422 if form.errors else 200)


@bp.route("/<int:programme_id>/reservations", methods=["GET", "POST"])
def reservations(programme_id: int):
    _require_admin()
    programme = db.get_or_404(Programme, programme_id)
    entries = services.reservations(programme)
    form = ReservationForm()
    form.corrects_id.choices = select_choices(
        [(0, _("New reservation")),
         *((e.id, f"{e.booked_on.isoformat()} {e.description}") for e in entries
           if e.amount_sek > 0)])
    if request.method == "GET":
        form.booked_on.data = clock.today()
    if form.validate_on_submit():
        data = {"amount_sek": form.amount_sek.data, "booked_on": form.booked_on.data,
                "description": form.description.data,
                "corrects_id": form.corrects_id.data or None}
        if data["corrects_id"]:
            data["amount_sek"] = -data["amount_sek"]
        if _saved(form, lambda: services.add_reservation(programme, data, actor=current_user),
                  _("The entry was booked on the envelope.")):
            return redirect(url_for("programmes.reservations", programme_id=programme.id))
    return render_template(
        "programmes/reservations.html", form=form, programme=programme, entries=entries,
        envelope=queries.envelope_position(programme, None)), 422 if form.errors else 200


@bp.route("/<int:programme_id>/goals", methods=["GET", "POST"])
def goals(programme_id: int):
    _require_admin()
    programme = db.get_or_404(Programme, programme_id)
    form = GoalForm()
    if form.validate_on_submit():
        data = {"title": form.title.data, "description": form.description.data}
        if _saved(form, lambda: services.add_goal(programme, data, actor=current_user),
                  _("The goal was added.")):
            return redirect(url_for("programmes.goals", programme_id=programme.id))
    return render_template("programmes/goals.html", form=form, programme=programme,
                           move_form=GoalMoveForm(), requirements=REQUIREMENT_LABELS,
                           referenced={g.id for g in programme.goals
                                       if services.goal_is_referenced(g)}), (
        422 if form.errors else 200)


def _goal(programme_id: int, goal_id: int) -> Goal:
    goal = db.get_or_404(Goal, goal_id)
    if goal.programme_id != programme_id:
        abort(404)
    return goal


@bp.route("/<int:programme_id>/goals/<int:goal_id>", methods=["GET", "POST"])
def edit_goal(programme_id: int, goal_id: int):
    _require_admin()
    goal = _goal(programme_id, goal_id)
    form = GoalForm(obj=goal)
    if form.validate_on_submit():
        data = {"title": form.title.data, "description": form.description.data or ""}
        if _saved(form, lambda: services.update_goal(goal, data, actor=current_user),
                  _("The goal was saved.")):
            return redirect(url_for("programmes.goals", programme_id=programme_id))
    return render_template("programmes/goal_form.html", form=form, goal=goal), (
        422 if form.errors else 200)


@bp.post("/<int:programme_id>/goals/<int:goal_id>/move")
def move_goal(programme_id: int, goal_id: int):
    """Move a goal one place up or down."""
    _require_admin()
    goal = _goal(programme_id, goal_id)
    form = GoalMoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    order = [g.id for g in goal.programme.goals]
    index = order.index(goal.id)
    other = index - 1 if form.direction.data == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        change_or_flash_refusal(
            lambda: services.reorder_goals(goal.programme, order, actor=current_user),
            _("The goals were reordered."))
    return redirect(url_for("programmes.goals", programme_id=programme_id))


@bp.post("/<int:programme_id>/goals/<int:goal_id>/delete")
def delete_goal(programme_id: int, goal_id: int):
    _require_admin()
    goal = _goal(programme_id, goal_id)
    change_or_flash_refusal(lambda: services.delete_goal(goal, actor=current_user),
                            _("The goal was deleted."))
    return redirect(url_for("programmes.goals", programme_id=programme_id))


@bp.route("/<int:programme_id>/areas", methods=["GET", "POST"])
def areas(programme_id: int):
    _require_admin()
    programme = db.get_or_404(Programme, programme_id)
    form = AreaEstimateForm()
    form.area_id.choices = select_choices(
        [(0, _("— a new area —")), *((a.id, a.name) for a in services.list_areas())])
    if form.validate_on_submit():
        data = {"area_id": form.area_id.data or None, "key": form.key.data,
                "name": form.name.data, "estimate_sek": form.estimate_sek.data}
        if _saved(form, lambda: services.set_area_estimate(programme, data, actor=current_user),
                  _("The area's estimate was saved.")):
            return redirect(url_for("programmes.areas", programme_id=programme.id))
    return render_template("programmes/areas.html", form=form, programme=programme,
                           estimates=services.area_estimates(programme)), (
        422 if form.errors else 200)
