"""Budget-cut pages: policies, the year's proposal, adoption, reconciliation, the explanation
an administration's head reads ("why is our budget lower?"), its Excel sheet, and what-if."""

import re
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import clock
from app.core.asof import on_from_request, page_status, parse_on
from app.core.entry import page_blueprint
from app.core.errors import Conflict, InvalidInput
from app.core.exports import export_url, wants_xlsx, workbook_response, xlsx_response
from app.core.money import format_msek
from app.core.permissions import can_view_programme
from app.core.unit_of_work import attempt, change_or_flash_refusal
from app.extensions import db
from app.programmes.choice import page_programme_id, programmes_of
from reports.budget_cut_sheet import explanation_workbook, grouped_bar_chart

from . import explanations, labels, permissions, queries, scenarios, services
from .exports import (
    BUDGET_CUT_TOTAL_COLUMNS,
    BUDGET_CUT_YEAR_COLUMNS,
    BUDGET_CUTS_NAME,
    CITY_TOTAL_LABEL,
    RECONCILIATION_COLUMNS,
)
from .forms import DecisionForm, DeleteForm, PolicyForm, ProposeForm, WhatIfForm
from .models import BudgetCutEntry, BudgetCutPolicy

bp = page_blueprint("budget_cuts", __name__, url_prefix="/budget-cuts",
                    may_enter=can_view_programme)

SCENARIO_FIELD = re.compile(r"policies\[(\d+)\]\.(\w+)")


@bp.context_processor
def _budget_cut_helpers():
    return {
        "cut_can": {"manage": permissions.can_manage_budget_cuts,
                    "view_all": permissions.can_view_all_budget_cuts,
                    "view_of": permissions.can_view_budget_cuts_of},
        "flag_labels": labels.FLAG_LABELS,
        "entry_kinds": labels.ENTRY_KIND_LABELS,
        "describe_policy": labels.describe_policy,
        "version_label": labels.version_label,
    }


def _int_arg(name: str) -> int | None:
    value = request.args.get(name) or None
    if value is None:
        return None
    if not value.isdigit():
        abort(400)
    return int(value)


def _programme():
    """The programme asked for, else the one chosen in the navigation, else the current one."""
    return queries.get_programme(page_programme_id())


def _require_overview(programme) -> None:
    if not permissions.can_view_all_budget_cuts(current_user, programme.id):
        abort(403)


def _require_manager(programme=None) -> None:
    if not permissions.can_manage_budget_cuts(current_user,
                                              programme.id if programme is not None else None):
        abort(403)


def _back_to(endpoint: str, programme, **values):
    return redirect(url_for(endpoint, programme_id=programme.id, **values))


@bp.get("/")
def index():
    """Show the city's cuts year by year; an organisation goes straight to its own explanation."""
    programme = _programme()
    year = queries.today_budget_year(programme, clock.today())
    if not permissions.can_view_all_budget_cuts(current_user, programme.id):
        if not current_user.organisation_id:
            abort(403)
        return _back_to("budget_cuts.explanation", programme, year=year,
                        organisation_id=current_user.organisation_id)
    on, on_error = _on(programme)
    totals = explanations.city_totals(programme, on=on)
    if wants_xlsx():
        return xlsx_response(BUDGET_CUTS_NAME, BUDGET_CUT_TOTAL_COLUMNS, totals,
                             print_header=programme.name)
    return render_template("budget_cuts/index.html", programme=programme,
                           programmes=programmes_of(current_user), totals=totals, year=year,
                           on=on, on_error=on_error,
                           export_url=export_url({"programme_id": [programme.id],
                                                  "on": [on.isoformat()]})
                           ), page_status(on_error)


def _on(programme) -> tuple[date, str | None]:
    """The page's `?on=`; an export refuses a bad one outright (422)."""
    on, on_error = on_from_request(programme)
    if on_error and wants_xlsx():
        raise InvalidInput(on_error, field="on")
    return on, on_error


@bp.get("/<int:year>")
def year_page(year: int):
    """The year's proposal per organisation, with the button that proposes it."""
    programme = _programme()
    _require_overview(programme)
    on, on_error = _on(programme)
    items = explanations.explanations(programme, year, on=on)
    if wants_xlsx():
        return xlsx_response(_("Proposed budget cuts %(year)s", year=year),
                             BUDGET_CUT_YEAR_COLUMNS, items, print_header=programme.name,
                             totals_label=CITY_TOTAL_LABEL)
    return render_template("budget_cuts/year.html", programme=programme, year=year, items=items,
                           on=on, on_error=on_error,
                           export_url=export_url({"programme_id": [programme.id],
                                                  "on": [on.isoformat()]}),
                           policy=queries.policy_in_force(programme, year), form=ProposeForm(),
                           years=queries.budget_years(programme)), page_status(on_error)


@bp.post("/<int:year>/propose")
def propose(year: int):
    """Propose every organisation's cut for the year from the register and the policy."""
    programme = _programme()
    _require_manager(programme)
    if not ProposeForm().validate_on_submit():
        abort(400)
    with attempt(Conflict, InvalidInput) as outcome:
        proposals = services.propose_budget_cuts(programme, year, current_user)
    if outcome.refused:
        flash(outcome.refused.detail, "danger")
    else:
        flash(_("The cuts for %(year)s are proposed for %(count)d organisations.", year=year,
                count=len(proposals)), "success")
    return _back_to("budget_cuts.year_page", programme, year=year)


@bp.get("/<int:year>/reconciliation")
def reconciliation(year: int):
    """Proposed vs adopted vs realised per organisation, with the flags and the city's total."""
    programme = _programme()
    _require_overview(programme)
    on, on_error = _on(programme)
    items = explanations.explanations(programme, year, on=on)
    if wants_xlsx():
        return xlsx_response(_("Reconciliation %(year)s", year=year), RECONCILIATION_COLUMNS,
                             items, print_header=programme.name, totals_label=CITY_TOTAL_LABEL)
    return render_template("budget_cuts/reconciliation.html", programme=programme, year=year,
                           items=items, years=queries.budget_years(programme),
                           on=on, on_error=on_error,
                           export_url=export_url({"programme_id": [programme.id],
                                                  "on": [on.isoformat()]})
                           ), page_status(on_error)


@bp.get("/<int:year>/organisations/<int:organisation_id>")
def explanation(year: int, organisation_id: int):
    """Why an organisation's budget for the year is lower: every project and benefit line."""
    programme = _programme()
    on, on_error = _on(programme)
    organisation = permissions.get_visible_organisation(current_user, organisation_id,
                                                        programme.id)
    item = explanations.explanation(organisation, year, programme, on)
    return render_template("budget_cuts/explanation.html", programme=programme, item=item,
                           years=queries.budget_years(programme), on=on, on_error=on_error,
                           is_own=current_user.organisation_id == organisation_id
                           ), page_status(on_error)


@bp.get("/<int:year>/organisations/<int:organisation_id>/explanation.xlsx")
def explanation_xlsx(year: int, organisation_id: int):
    """The explanation as a one-sheet Excel workbook."""
    programme = _programme()
    organisation = permissions.get_visible_organisation(current_user, organisation_id,
                                                        programme.id)
    item = explanations.explanation(organisation, year, programme,
                                parse_on(request.args.get("on"), programme))
    headers, rows = explanations.explanation_table(item)
    title = _("Budget cut %(year)s", year=year)
    data = explanation_workbook(title, headers, rows,
                                print_header=f"{organisation.name} – {title}")
    return workbook_response(data, f"{title} {organisation.name}.xlsx")


@bp.route("/<int:year>/organisations/<int:organisation_id>/adopt", methods=["GET", "POST"])
def adopt(year: int, organisation_id: int):
    """Record the cut the council adopted for an organisation and year."""
    programme = _programme()
    _require_manager(programme)
    organisation = queries.get_organisation(organisation_id)
    item = explanations.explanation(organisation, year, programme)
    if item.decided is not None:
        return _back_to("budget_cuts.correct", programme, entry_id=item.decided.id)
    form = DecisionForm()
    if request.method == "GET" and item.proposal_entry is not None:
        form.amount_sek.data = item.proposed_sek
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            services.adopt_budget_cut(programme, organisation, year, form.amount_sek.data,
                                      form.council_decision_ref.data, form.reason.data,
                                      current_user)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            flash(_("The adopted cut was recorded."), "success")
            return _back_to("budget_cuts.explanation", programme, year=year,
                            organisation_id=organisation.id)
    status = 422 if form.errors else 200
    return render_template("budget_cuts/decision.html", programme=programme, item=item,
                           form=form, entry=None), status


@bp.route("/entries/<int:entry_id>/correct", methods=["GET", "POST"])
def correct(entry_id: int):
    """Correct an adopted cut with a new entry (adopted cuts never change)."""
    entry = db.get_or_404(BudgetCutEntry, entry_id)
    programme = queries.get_programme(entry.programme_id)
    _require_manager(programme)
    organisation = queries.get_organisation(entry.organisation_id)
    item = explanations.explanation(organisation, entry.budget_year, programme)
    form = DecisionForm()
    form.amount_sek.label.text = _("Corrected cut (kronor)")
    form.submit.label.text = _("Record the correction")
    if request.method == "GET":
        form.amount_sek.data = entry.amount_sek
    if form.validate_on_submit():
        with attempt(InvalidInput, Conflict) as outcome:
            services.correct_budget_cut(entry, {
                "amount_sek": form.amount_sek.data,
                "council_decision_ref": form.council_decision_ref.data,
                "reason": form.reason.data}, current_user)
        if isinstance(outcome.refused, Conflict):
            flash(outcome.refused.detail, "danger")
            return _back_to("budget_cuts.explanation", programme, year=entry.budget_year,
                            organisation_id=organisation.id)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            flash(_("The correction was recorded."), "success")
            return _back_to("budget_cuts.explanation", programme, year=entry.budget_year,
                            organisation_id=organisation.id)
    status = 422 if form.errors else 200
    return render_template("budget_cuts/decision.html", programme=programme, item=item,
                           form=form, entry=entry), status


@bp.route("/policies", methods=["GET", "POST"])
def policies():
    """The programme's policies; the programme office adds one from a budget year."""
    programme = _programme()
    form = PolicyForm() if permissions.can_manage_budget_cuts(current_user) else None
    if request.method == "POST":
        _require_manager(programme)
        if form.validate_on_submit():
            with attempt(InvalidInput) as outcome:
                services.create_policy(programme, form.policy_data(), current_user)
            if outcome.refused:
                form.add_error(outcome.refused.field, outcome.refused.detail)
            else:
                flash(_("The policy was saved."), "success")
                return _back_to("budget_cuts.policies", programme)
    elif form is not None and not form.valid_from_year.data:
        form.valid_from_year.data = queries.today_budget_year(programme, clock.today())
        form.lag_years.data = 1
    status = 422 if form is not None and form.errors else 200
    return render_template("budget_cuts/policies.html", programme=programme,
                           rows=queries.policies(programme), form=form,
                           in_force=queries.policies_by_year(programme),
                           delete_form=DeleteForm()), status


@bp.route("/policies/<int:policy_id>/edit", methods=["GET", "POST"])
def edit_policy(policy_id: int):
    """Change a policy that no proposal rests on yet."""
    _require_manager()
    policy = db.get_or_404(BudgetCutPolicy, policy_id)
    programme = queries.get_programme(policy.programme_id)
    _require_manager(programme)
    form = PolicyForm()
    if request.method == "GET":
        form.fill(policy)
    if form.validate_on_submit():
        with attempt(InvalidInput, Conflict) as outcome:
            services.update_policy(policy, form.policy_data(), current_user)
        if isinstance(outcome.refused, Conflict):
            flash(outcome.refused.detail, "danger")
            return _back_to("budget_cuts.policies", programme)
        if outcome.refused:
            form.add_error(outcome.refused.field, outcome.refused.detail)
        else:
            flash(_("The policy was saved."), "success")
            return _back_to("budget_cuts.policies", programme)
    status = 422 if form.errors else 200
    return render_template("budget_cuts/policy_form.html", programme=programme, policy=policy,
                           form=form), status


@bp.post("/policies/<int:policy_id>/delete")
def delete_policy(policy_id: int):
    """Remove a policy that no proposal rests on yet."""
    _require_manager()
    policy = db.get_or_404(BudgetCutPolicy, policy_id)
    programme = queries.get_programme(policy.programme_id)
    _require_manager(programme)
    if not DeleteForm().validate_on_submit():
        abort(400)
    change_or_flash_refusal(lambda: services.delete_policy(policy, current_user),
                            _("The policy was removed."))
    return _back_to("budget_cuts.policies", programme)


def _what_if_defaults(programme) -> dict:
    years = queries.budget_years(programme)
    last = queries.today_budget_year(programme, clock.today())
    return {"first_year": max(years[0], last - 3), "last_year": last, "scenarios": [
        {"share": policy.share * 100, "lag_years": policy.lag_years,
         "net_running_costs": policy.net_running_costs,
         "allow_before_go_live": policy.allow_before_go_live}
        for policy in scenarios.default_scenarios(programme, last)]}


def _what_if_error(form: WhatIfForm, error: InvalidInput, indexes: list[int]) -> None:
    match = SCENARIO_FIELD.fullmatch(error.field or "")
    if match and int(match.group(1)) < len(indexes):
        scenario = form.scenarios[indexes[int(match.group(1))]]
        field = scenario.form._fields.get(match.group(2)) or scenario.form.share
        field.errors = [*field.errors, error.detail]
    else:
        form.add_error("first_year", error.detail)


def _what_if_problems(form: WhatIfForm) -> list[tuple[str, str, str]]:
    """List (field id, label, message) for every error, scenario fields named by policy."""
    problems = [(f.id, f.label.text, e) for f in (form.first_year, form.last_year)
                for e in f.errors]
    for index, scenario in enumerate(form.scenarios):
        policy = _("Policy %(letter)s", letter="ABCD"[index])
        problems += [(f.id, f"{policy}: {f.label.text}", e) for f in scenario.form
                     for e in f.errors]
    return problems


@bp.get("/what-if")
def what_if():
    """Compare policies for the whole portfolio side by side; nothing is written."""
    programme = _programme()
    _require_overview(programme)
    submitted = "first_year" in request.args
    form = (WhatIfForm(formdata=request.args) if submitted
            else WhatIfForm(data=_what_if_defaults(programme)))
    result = chart = None
    if form.validate():
        first, last = form.first_year.data, form.last_year.data
        years = queries.budget_years(programme)
        first = years[0] if first is None else first
        last = years[-1] if last is None else last
        indexes = [i for i, s in enumerate(form.scenarios) if s.form.share.data is not None]
        letters = "ABCD"
        with attempt(InvalidInput) as outcome:
            result = scenarios.what_if(
                programme, [form.scenarios[i].form.policy_data() for i in indexes],
                range(first, last + 1) if first <= last else [],
                labels=[_("Policy %(letter)s", letter=letters[i]) for i in indexes])
        if outcome.refused:
            _what_if_error(form, outcome.refused, indexes)
        else:
            chart = grouped_bar_chart(
                [str(y) for y in result.budget_years],
                [(s.label, [s.total(y) for y in result.budget_years]) for s in result.scenarios],
                format_value=format_msek)
    problems = _what_if_problems(form)
    return render_template("budget_cuts/what_if.html", programme=programme, form=form,
                           result=result if not problems else None, chart=chart,
                           problems=problems), 422 if problems else 200
