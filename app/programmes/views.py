"""Programme pages: the list, one programme with its envelope, and its delegation regimes."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import clock
from app.core.actions import commit_or_flash_refusal
from app.core.asof import on_from_request, page_status
from app.core.permissions import can_administer, can_view_programme
from app.extensions import db

from . import queries, regimes, services
from .forms import DeleteRegimeForm, RegimeForm
from .labels import REGIME_STATE
from .models import DelegationRegime, Programme

bp = Blueprint("programmes", __name__, url_prefix="/programmes")


@bp.before_request
@login_required
def _require_login():
    if not can_view_programme(current_user):
        abort(403)


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
        try:
            regimes.add_regime(programme, form.regime_data(), current_user)
        except regimes.RegimeRefused as refused:
            db.session.rollback()
            for error in refused.problems():
                form.add_error(error["field"], error["message"])
        else:
            db.session.commit()
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
        try:
            regimes.edit_regime(regime, form.regime_data(), current_user)
        except regimes.RegimeRefused as refused:
            db.session.rollback()
            if refused.status == 409:
                flash(refused.detail, "danger")
                return redirect(url_for("programmes.delegation", programme_id=programme.id))
            for error in refused.problems():
                form.add_error(error["field"], error["message"])
        else:
            db.session.commit()
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
        commit_or_flash_refusal(
            lambda: regimes.delete_regime(regime, current_user),
            _("The delegation regime from %(date)s was deleted.", date=starts_on))
    return redirect(url_for("programmes.delegation", programme_id=programme.id))
