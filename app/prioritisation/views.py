"""Prioritisation pages: scenarios, one scenario with its frontier, comparison, and the form.

The programme office builds and sends scenarios; the development council (and auditors) read
the ones sent to it. Every page loads scenarios through permissions.py.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import clock
from app.core.entry import page_blueprint
from app.core.errors import InvalidInput
from app.core.exports import export_url, sheets_response, wants_xlsx
from app.core.unit_of_work import attempt, change_or_flash_refusal
from app.extensions import db
from app.programmes.choice import page_programme_id
from app.programmes.services import envelope_position

from . import exports, figures, permissions, services
from .forms import scenario_form
from .models import PrioritisationScenario

bp = page_blueprint("prioritisation", __name__, url_prefix="/prioritisation",
                    may_enter=permissions.can_view_prioritisation)
MAX_COMPARED = 6


@bp.app_context_processor
def _menu():
    """Let the menu ask whether to link prioritisation."""
    return {"can_view_prioritisation": permissions.can_view_prioritisation}


@bp.context_processor
def _helpers():
    return {"prio_can": {"prioritise": permissions.can_prioritise,
                         "edit": permissions.can_edit_scenario,
                         "send": permissions.can_send_scenario},
            "number": figures.format_number, "kind_label": figures.kind_label,
            "stage_label": figures.stage_label, "measure_label": figures.measure_label}


def _scenario(scenario_id: int) -> PrioritisationScenario:
    return permissions.get_visible_scenario(current_user, scenario_id)


@bp.get("/")
def index():
    """The scenarios you may see, and (for the office) the candidates as of today."""
    programme = services.current_programme(page_programme_id())
    query = permissions.visible_scenarios(current_user, services.scenarios_query(programme))
    scenarios = db.session.scalars(query).all()
    on = clock.today()
    return render_template("prioritisation/index.html", programme=programme,
                           scenarios=scenarios, on=on,
                           remaining_sek=envelope_position(programme, on).remaining_sek)


def _form_page(scenario: PrioritisationScenario | None):
    programme = scenario.programme if scenario else services.current_programme(page_programme_id())
    if not permissions.can_prioritise(current_user, programme.id):
        abort(403)
    on = clock.today()
    rows = services.candidates(programme, on)
    names = services.criterion_names(programme)
    form = scenario_form(services.criteria(programme), services.goal_criteria(programme),
                         names, rows, services.settings_of(scenario) if scenario else None)
    if form.validate_on_submit():
        data = form.data_for_service()
        with attempt() as outcome:
            saved = (services.update_scenario(scenario, data, current_user) if scenario else
                     services.create_scenario(programme, data, current_user))
        if not outcome.refused:
            flash(_("The scenario was saved and calculated."), "success")
            return redirect(url_for("prioritisation.detail", scenario_id=saved.id))
        flash(outcome.refused.detail, "danger")
        if isinstance(outcome.refused, InvalidInput):
            form.add_error(outcome.refused.field, outcome.refused.detail)
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("prioritisation/form.html", form=form, scenario=scenario,
                           candidates=rows, names=names, on=on,
                           goals=services.goal_criteria(programme),
                           remaining_sek=envelope_position(programme, on).remaining_sek
                           ), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not permissions.can_prioritise(current_user):
        abort(403)
    return _form_page(None)


@bp.route("/<int:scenario_id>/edit", methods=["GET", "POST"])
def edit(scenario_id: int):
    scenario = _scenario(scenario_id)
    if not permissions.can_edit_scenario(current_user, scenario):
        abort(403)
    return _form_page(scenario)


@bp.get("/<int:scenario_id>")
def detail(scenario_id: int):
    """One scenario: totals, goals covered, the frontier chart and its table, the candidates."""
    scenario = _scenario(scenario_id)
    names = services.criterion_names(scenario.programme)
    frontier = services.frontier(scenario)
    if wants_xlsx():
        return sheets_response(scenario.name, exports.scenario_sheets(scenario, names))
    chart = figures.frontier_view(scenario, frontier)
    return render_template("prioritisation/detail.html", scenario=scenario, names=names,
                           result=scenario.result, chart=chart,
                           download_url=export_url())


@bp.post("/<int:scenario_id>/send")
def send(scenario_id: int):
    scenario = _scenario(scenario_id)
    if not permissions.can_send_scenario(current_user, scenario):
        abort(403)
    change_or_flash_refusal(lambda: services.send_scenario(scenario, current_user),
                            _("The scenario was sent to the development council."))
    return redirect(url_for("prioritisation.detail", scenario_id=scenario.id))


@bp.get("/compare")
def compare():
    """Two or more scenarios side by side."""
    ids = request.args.getlist("scenario")
    if not all(value.isdigit() for value in ids):
        abort(400)
    unique = list(dict.fromkeys(int(value) for value in ids))
    if not 2 <= len(unique) <= MAX_COMPARED:
        programme = services.current_programme(page_programme_id())
        scenarios = db.session.scalars(permissions.visible_scenarios(
            current_user, services.scenarios_query(programme))).all()
        return render_template("prioritisation/index.html", programme=programme,
                               scenarios=scenarios, on=clock.today(),
                               remaining_sek=envelope_position(programme,
                                                               clock.today()).remaining_sek,
                               compare_error=_("Choose between 2 and %(most)d scenarios to "
                                               "compare.", most=MAX_COMPARED)), 422
    scenarios = [_scenario(scenario_id) for scenario_id in unique]
    names = services.criterion_names(scenarios[0].programme)
    result = services.comparison(scenarios)
    if wants_xlsx():
        return sheets_response(_("Comparison of scenarios"),
                               exports.comparison_sheets(result, names))
    return render_template("prioritisation/compare.html", comparison=result, names=names,
                           download_url=export_url())
