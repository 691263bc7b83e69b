"""Benefit pages: the calculation editor with live results and its Excel round-trip, the benefit
register, and a benefit's planned vs realised values with the realisation form."""

import copy

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.models import Organisation
from app.applications import permissions as application_permissions
from app.applications.models import Application
from app.benefits.calculation import MAX_START_YEAR, MAX_YEARS, MIN_START_YEAR
from app.core import clock
from app.core.asof import on_from_request, page_status
from app.core.entry import page_blueprint
from app.core.enums import BenefitKind, Role
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.exports import export_url, sheets_response, wants_xlsx, workbook_response
from app.core.paging import Paging, page_number
from app.core.permissions import can_edit_application, can_view_portfolio, can_view_programme
from app.core.unit_of_work import attempt
from app.core.uploads import stream_size
from app.extensions import db
from app.programmes.choice import page_programme_id
from app.programmes.models import Programme
from app.programmes.queries import current_programme
from app.projects.models import Project
from reports.benefit_figures import peng_figure, planned_vs_realised_figure

from . import engine_labels, forms, services
from . import queries as benefit_queries
from .exports import BENEFIT_REGISTER_NAME, benefit_register_sheets
from .models import Benefit, RealisationEntry
from .permissions import can_record_realisation, visible_benefits, visible_register

bp = page_blueprint("benefits", __name__, url_prefix="/benefits", may_enter=can_view_programme)

REALISATION_YEARS_AFTER = 5
FROZEN_MESSAGE = _l("The benefit calculation is frozen once the application is submitted. Ask "
                    "the programme office to return the application for completion if it must "
                    "change.")
RESULT_ROWS = (
    ("adoption_by_year", "share"),
    ("benefits_by_year_sek", "sek"),
    ("costs_by_year_sek", "sek"),
    ("net_by_year_sek", "sek"),
    ("cash_releasing_by_year_sek", "sek"),
)


@bp.context_processor
def _benefit_helpers():
    return {"benefit_labels": forms.LABELS, "benefit_kinds": list(BenefitKind),
            "decimal_sv": _decimal_sv, "result_rows": RESULT_ROWS}


def _decimal_sv(value, digits: int = 2) -> str:
    """Show a ratio with a decimal comma (1,36); a dash when there is none."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", ",").replace("-", "\u2212")


def _int_arg(name: str, low: int = 1, high: int = 2**31) -> int | None:
    value = request.args.get(name) or None
    if value is None:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        abort(400)
    return int(value)


# ---- the calculation of an application ----------------------------------------------------

def _application(application_id: int) -> Application:
    return application_permissions.get_visible_application(current_user, application_id)


def _require_editable(application: Application) -> None:
    """Refuse an edit: another organisation 403, a submitted application 409."""
    if can_edit_application(current_user, application):
        return
    if Role.APPLICANT in current_user.roles and (
            current_user.organisation_id == application.organisation_id):
        raise Conflict(str(FROZEN_MESSAGE))
    raise Forbidden(_("Only the applying organisation can edit its benefit calculation."))


# A new calculation's adoption: the e-service goes live the year after the start (the first
# year builds it) and reaches every case over two years, so no benefit is counted before
# anything is built (a same-year full ramp showed a payback of 0 years).
NEW_CALCULATION_ADOPTION = {"target": 1.0, "ramp_years": 2, "go_live_index": 1}


def _new_payload(application: Application) -> dict:
    """Start a calculation from the programme's settings and the application's start year."""
    defaults = services.defaults_for(application.programme)
    start = application.starts_on.year if application.starts_on else clock.today().year
    return {"start_year": start, "years": defaults.years,
            "discount_rate": defaults.discount_rate,
            "adoption": dict(NEW_CALCULATION_ADOPTION),
            "benefits": [], "costs": []}


def _working_payload(application: Application) -> dict:
    version = services.latest_version(application)
    return services.payload_of(version) if version else _new_payload(application)


def _shown_version(application: Application):
    """The version asked for in `?version=`, else the latest one."""
    number = _int_arg("version")
    calc = services.calculation_of(application)
    versions = list(calc.versions) if calc else []
    if number is None:
        return versions[-1] if versions else None
    version = next((v for v in versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


def _errors_of(error: InvalidInput) -> list[dict]:
    return error.problems()


def _describer(application: Application, payload: dict):
    """Name the line an error outside the current form belongs to, with a link to fix it."""
    def describe(path: str, message: str) -> dict:
        named = engine_labels.named(path, message, payload)
        match = forms.PATH_PATTERN.match(path or "")
        if not match:
            return {"message": named, "href": None}
        part, index = match.group(1), int(match.group(2))
        lines = payload.get(part) or []
        endpoint = ".edit_benefit" if part == "benefits" else ".edit_cost"
        href = (url_for(endpoint, application_id=application.id, index=index)
                if index < len(lines) else None)
        return {"message": named, "href": href}

    return describe


def _save(application: Application, form, payload: dict, prefix: str) -> bool:
    """Save through the engine; on any error collect all of them on the form and save nothing."""
    describe = _describer(application, payload)
    if form.validate():
        with attempt(InvalidInput) as outcome:
            services.save_working_calculation(application, payload, current_user)
        if outcome.refused:
            form.add_engine_errors(_errors_of(outcome.refused), prefix, describe)
            return False
        return True
    with attempt(InvalidInput) as outcome:
        services.evaluate_payload(payload, application.programme)
    if outcome.refused:
        form.add_engine_errors(_errors_of(outcome.refused), prefix, describe)
    return False


def _fit_years(payload: dict) -> bool:
    """Stretch or cut every per-year list to the number of years; tell whether any changed."""
    years = payload.get("years")
    if not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        return False
    changed = False

    def fit(holder: dict, key: str, pad_with_last: bool) -> None:
        nonlocal changed
        values = holder.get(key)
        if not isinstance(values, list) or len(values) == years or not values:
            return
        filler = values[-1] if pad_with_last else 0
        holder[key] = values[:years] + [filler] * (years - len(values))
        changed = True

    for holder in [payload.get("adoption") or {}, *(line.get("adoption") or {}
                                                    for line in payload.get("benefits", []))]:
        if isinstance(holder, dict):
            fit(holder, "by_year", True)
    for line in payload.get("benefits", []):
        fit(line, "volume_per_year", True)
        fit(line, "committed_fte_by_year", True)
        fit(line, "by_year_sek", False)
    for line in payload.get("costs", []):
        fit(line, "by_year_sek", False)
    return changed


def _result_context(result: dict | None) -> dict:
    """The PENG figure of a result, with the translated labels."""
    colours = (result or {}).get("pv_by_colour_sek") or {"green": 0, "yellow": 0, "blue": 0}
    figure = peng_figure(colours, (result or {}).get("qualitative_count", 0), labels={
        "green": _("Cash-releasing"), "yellow": _("Valued, not cash-releasing"),
        "red": _("Qualitative (counted, not valued)"), "blue": _("Costs"),
        "benefits": _("Benefits"), "costs": _("Costs"), "axis": _("Present value (kr)")})
    return {"result": result, "figure": figure}


def _calculation_page(application: Application, *, settings=None, import_form=None,
                      import_errors=(), status: int = 200):
    editable = can_edit_application(current_user, application)
    version = services.latest_version(application) if editable else _shown_version(application)
    calc = services.calculation_of(application)
    payload = services.payload_of(version) if version else None
    result = services.evaluate_payload(payload, application.programme) if payload else None
    base = payload or _new_payload(application)
    import_form = import_form or forms.ImportForm(formdata=None, prefix="import")
    if editable and settings is None:
        settings = forms.settings_form(base["start_year"], base["years"], formdata=None)
        forms.load_payload(settings, base, base["start_year"])
    return render_template(
        "benefits/calculation.html", application=application, version=version,
        versions=list(calc.versions) if calc else [], payload=payload, base=base,
        editable=editable, settings=settings, import_form=import_form,
        import_errors=import_errors, evaluate_url=_evaluate_url(application),
        **_result_context(result)), status


def _evaluate_url(application: Application) -> str:
    return url_for(".evaluate", programme_id=application.programme_id)


@bp.get("/applications/<int:application_id>/calculation")
def calculation(application_id: int):
    """Show an application's calculation; its organisation edits it while it is a draft."""
    return _calculation_page(_application(application_id))


@bp.post("/applications/<int:application_id>/calculation/settings")
def save_settings(application_id: int):
    """Save the years, discount rate, adoption and sensitivity of the calculation."""
    application = _application(application_id)
    _require_editable(application)
    base = _working_payload(application)
    form = forms.settings_form(base["start_year"], base["years"])
    payload = {k: v for k, v in base.items() if k not in form.managed_keys()}
    payload.update(form.payload_part())
    resized = _fit_years(payload)
    if _save(application, form, payload, ""):
        flash(_("The settings were saved."), "success")
        if resized:
            flash(_("The number of years changed: the per-year values of the lines were "
                    "extended or cut. Check them."), "warning")
        return redirect(url_for(".calculation", application_id=application.id))
    return _calculation_page(application, settings=form, status=422)


def _goals(application: Application) -> list[tuple[str, str]]:
    return [(str(goal.number), f"{goal.number}. {goal.title}")
            for goal in application.programme.goals]


def _organisations() -> list[Organisation]:
    return db.session.scalars(sa.select(Organisation).where(Organisation.is_active)
                              .order_by(Organisation.name)).all()


def _line_page(application: Application, base: dict, form, *, part: str, index: int,
               is_new: bool, status: int = 200):
    result = services.evaluate_payload(base, application.programme) if (
        base.get("benefits") or base.get("costs")) else None
    return render_template(
        "benefits/line.html", application=application, form=form, part=part, index=index,
        is_new=is_new, base=base, evaluate_url=_evaluate_url(application),
        **_result_context(result)), status


def _edit_line(application: Application, base: dict, form, *, part: str, index: int):
    """Show or save one benefit or cost line of the working calculation."""
    key = "benefits" if part == "benefit" else "costs"
    lines = base.get(key, [])
    is_new = index >= len(lines)
    if request.method == "GET":
        if not is_new:
            forms.load_payload(form, lines[index], base["start_year"])
        return _line_page(application, base, form, part=part, index=index, is_new=is_new)
    old = {} if is_new else lines[index]
    line = {k: v for k, v in old.items() if k not in form.managed_keys()}
    line.update(form.payload_part())
    if part == "benefit":
        line["kind"] = form.benefit_kind.value
    payload = copy.deepcopy(base)
    payload.setdefault(key, [])
    if is_new:
        payload[key].append(line)
    else:
        payload[key][index] = line
    if _save(application, form, payload, f"{key}[{index}]"):
        flash(_("The benefit line was saved.") if part == "benefit"
              else _("The cost line was saved."), "success")
        anchor = "#benefit-lines" if part == "benefit" else "#cost-lines"
        return redirect(url_for(".calculation", application_id=application.id) + anchor)
    return _line_page(application, base, form, part=part, index=index, is_new=is_new,
                      status=422)


def _kind_arg() -> BenefitKind | None:
    value = request.values.get("kind") or ""
    return BenefitKind(value) if value in {k.value for k in BenefitKind} else None


@bp.route("/applications/<int:application_id>/calculation/benefits/new",
          methods=["GET", "POST"])
def new_benefit(application_id: int):
    """Add a benefit line: choose its kind first, then fill in exactly that kind's inputs."""
    application = _application(application_id)
    _require_editable(application)
    kind = _kind_arg()
    if kind is None:
        status = 400 if request.values.get("kind") else 200
        return render_template("benefits/choose_kind.html", application=application), status
    base = _working_payload(application)
    form = forms.benefit_line_form(kind, base["start_year"], base["years"],
                                   goals=_goals(application), organisations=_organisations())
    return _edit_line(application, base, form, part="benefit", index=len(base["benefits"]))


@bp.route("/applications/<int:application_id>/calculation/benefits/<int:index>",
          methods=["GET", "POST"])
def edit_benefit(application_id: int, index: int):
    """Change one benefit line of the working calculation."""
    application = _application(application_id)
    _require_editable(application)
    base = _working_payload(application)
    if index >= len(base.get("benefits", [])):
        abort(404)
    form = forms.benefit_line_form(BenefitKind(base["benefits"][index]["kind"]),
                                   base["start_year"], base["years"],
                                   goals=_goals(application), organisations=_organisations())
    return _edit_line(application, base, form, part="benefit", index=index)


@bp.route("/applications/<int:application_id>/calculation/costs/new", methods=["GET", "POST"])
def new_cost(application_id: int):
    """Add a cost line: investment or running, kronor per year."""
    application = _application(application_id)
    _require_editable(application)
    base = _working_payload(application)
    form = forms.cost_line_form(base["start_year"], base["years"])
    return _edit_line(application, base, form, part="cost", index=len(base.get("costs", [])))


@bp.route("/applications/<int:application_id>/calculation/costs/<int:index>",
          methods=["GET", "POST"])
def edit_cost(application_id: int, index: int):
    """Change one cost line of the working calculation."""
    application = _application(application_id)
    _require_editable(application)
    base = _working_payload(application)
    if index >= len(base.get("costs", [])):
        abort(404)
    form = forms.cost_line_form(base["start_year"], base["years"])
    return _edit_line(application, base, form, part="cost", index=index)


def _delete_line(application_id: int, key: str, index: int):
    application = _application(application_id)
    _require_editable(application)
    payload = _working_payload(application)
    if index >= len(payload.get(key, [])):
        abort(404)
    del payload[key][index]
    with attempt(InvalidInput) as outcome:
        services.save_working_calculation(application, payload, current_user)
    if outcome.refused:
        flash(_("The line could not be removed: %(errors)s", errors=" ".join(
            engine_labels.named(e["field"], e["message"], payload)
            for e in _errors_of(outcome.refused))), "danger")
    else:
        flash(_("The line was removed."), "success")
    anchor = "#benefit-lines" if key == "benefits" else "#cost-lines"
    return redirect(url_for(".calculation", application_id=application_id) + anchor)


@bp.post("/applications/<int:application_id>/calculation/benefits/<int:index>/delete")
def delete_benefit(application_id: int, index: int):
    """Remove a benefit line from the working calculation."""
    return _delete_line(application_id, "benefits", index)


@bp.post("/applications/<int:application_id>/calculation/costs/<int:index>/delete")
def delete_cost(application_id: int, index: int):
    """Remove a cost line from the working calculation."""
    return _delete_line(application_id, "costs", index)


@bp.post("/evaluate")
def evaluate():
    """Evaluate the payload being typed (used by benefits.js); nothing is stored."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(detail=_("Send the calculation as a JSON object."),
                       errors=[{"field": "payload",
                                "message": _("Send the calculation as a JSON object.")}]), 422
    programme_id = _int_arg("programme_id")
    programme = db.session.get(Programme, programme_id) if programme_id else None
    with attempt(InvalidInput) as outcome:
        evaluated = services.evaluate_payload(body, programme)
    if outcome.refused:
        return jsonify(detail=outcome.refused.detail, errors=_errors_of(outcome.refused)), 422
    return jsonify(evaluated)


# ---- Excel round-trip ---------------------------------------------------------------------

@bp.get("/applications/<int:application_id>/calculation/template.xlsx")
def template_download(application_id: int):
    """Download the Excel template to fill in offline, with the programme's settings."""
    from reports import benefit_workbook

    application = _application(application_id)
    base = _working_payload(application)
    data = benefit_workbook.template_workbook(
        defaults=services.defaults_for(application.programme), start_year=base["start_year"],
        years=base["years"], language=str(get_locale() or "sv"))
    return workbook_response(data, _("benefit-calculation-template.xlsx"))


@bp.post("/applications/<int:application_id>/calculation/import")
def import_workbook(application_id: int):
    """Import a filled-in template as the working calculation; nothing is saved on any error."""
    from reports import benefit_workbook

    application = _application(application_id)
    _require_editable(application)
    form = forms.ImportForm(prefix="import")
    errors: list[str] = []
    if form.validate_on_submit():
        data = form.workbook.data.read(benefit_workbook.MAX_UPLOAD_BYTES + 1)
        try:
            payload = benefit_workbook.read_workbook(
                data, max_bytes=benefit_workbook.MAX_UPLOAD_BYTES,
                size_bytes=stream_size(form.workbook.data.stream),
                defaults=services.defaults_for(application.programme))
        except benefit_workbook.WorkbookError as error:
            errors = [str(problem) for problem in error.errors]
        else:
            with attempt(InvalidInput) as outcome:
                services.save_working_calculation(application, payload, current_user)
            if outcome.refused:
                errors = [engine_labels.named(e["field"], e["message"], payload)
                          for e in _errors_of(outcome.refused)]
            else:
                flash(_("The workbook was imported and saved as the calculation."), "success")
                return redirect(url_for(".calculation", application_id=application.id))
    return _calculation_page(application, import_form=form, import_errors=errors, status=422)


@bp.get("/applications/<int:application_id>/calculation/export.xlsx")
def export_download(application_id: int):
    """Download the calculation as a workbook whose results are Excel formulas."""
    from reports import benefit_workbook

    application = _application(application_id)
    version = _shown_version(application)
    if version is None:
        abort(404)
    payload = services.payload_of(version)
    data = benefit_workbook.export_workbook(
        payload, services.evaluate_payload(payload, application.programme),
        title=application.title, defaults=services.defaults_for(application.programme))
    name = _("benefit-calculation-%(reference)s.xlsx",
             reference=application.reference or application.id)
    return workbook_response(data, name)


# ---- the register -------------------------------------------------------------------------

def _visible_benefits(query: sa.Select, programme_id: int | None = None) -> sa.Select:
    """Programme roles and auditors see every benefit; an applicant its organisation's."""
    return visible_benefits(current_user, query, programme_id)


# Benefits shown per page of the register; the totals and the export hold every row.
REGISTER_PAGE_SIZE = 100


@bp.get("/")
def register():
    """The benefit register: planned vs realised up to a year, filtered in the URL."""
    programme_id = page_programme_id()
    programme = (db.session.get(Programme, programme_id) if programme_id is not None
                 else current_programme())
    on, on_error = on_from_request(programme)
    if on_error and wants_xlsx():
        raise InvalidInput(on_error, field="on")
    year = _int_arg("year", MIN_START_YEAR, MAX_START_YEAR) or on.year
    organisation_id, project_id = _int_arg("organisation_id"), _int_arg("project_id")
    figures = visible_register(current_user, year, on, organisation_id=organisation_id,
                               project_id=project_id, programme_id=programme_id)
    project_ids = set(db.session.scalars(_visible_benefits(sa.select(Benefit.project_id),
                                                           programme_id)))
    projects = {p.id: p for p in db.session.scalars(
        sa.select(Project).where(Project.id.in_(project_ids)).order_by(Project.title))}
    organisations = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).order_by(Organisation.name))}
    choices = (list(organisations.values()) if can_view_portfolio(current_user) else
               [o for o in organisations.values() if o.id == current_user.organisation_id])
    organisation_totals = benefit_queries.register_totals(figures, "owner_organisation_id")
    project_totals = benefit_queries.register_totals(figures, "project_id")
    if wants_xlsx():
        return sheets_response(BENEFIT_REGISTER_NAME, benefit_register_sheets(
            benefit_queries.register_rows(figures), organisation_totals, project_totals,
            projects, organisations))
    paging = Paging(page_number(), REGISTER_PAGE_SIZE, benefit_queries.register_count(figures))
    rows = benefit_queries.register_rows(figures, limit=paging.size, offset=paging.offset)
    filters = {"on": on.isoformat(), "year": year, "organisation_id": organisation_id,
               "project_id": project_id, "programme_id": programme_id}

    def page_url(number: int) -> str:
        return url_for("benefits.register", page=number,
                       **{key: value for key, value in filters.items() if value is not None})

    return render_template(
        "benefits/register.html", rows=rows, year=year, organisation_id=organisation_id,
        project_id=project_id, projects=projects, organisations=organisations,
        organisation_choices=choices, organisation_totals=organisation_totals,
        project_totals=project_totals, on=on, on_error=on_error, programme=programme,
        paging=paging, page_url=page_url,
        export_url=export_url({"on": [on.isoformat()]})), page_status(on_error)


# ---- one benefit --------------------------------------------------------------------------

def _benefit(benefit_id: int) -> Benefit:
    benefit = db.session.scalar(_visible_benefits(sa.select(Benefit))
                                .where(Benefit.id == benefit_id))
    if benefit is None:
        abort(404)
    return benefit


def _year_choices(benefit: Benefit) -> list[tuple[int, str]]:
    years = [p.year for p in benefit.plan_years]
    if not years:
        return []
    return [(y, str(y)) for y in range(min(years), max(years) + REALISATION_YEARS_AFTER + 1)]


def _benefit_page(benefit: Benefit, *, realisation=None, details=None, status: int = 200):
    entries = db.session.scalars(sa.select(RealisationEntry)
                                 .where(RealisationEntry.benefit_id == benefit.id)
                                 .order_by(RealisationEntry.id)).all()
    effective = {entry.year: entry for entry in entries}
    planned = {p.year: p for p in benefit.plan_years}
    years = sorted(planned.keys() | effective.keys())
    rows = [{"year": year, "plan": planned.get(year), "actual": effective.get(year)}
            for year in years]
    figure = planned_vs_realised_figure(
        years, [planned[y].planned_sek if y in planned else 0 for y in years],
        [effective[y].actual_sek if y in effective else None for y in years],
        labels={"planned": _("Planned"), "realised": _("Realised"), "axis": _("kr")})
    may_record = can_record_realisation(current_user, benefit)
    if realisation is None and may_record:
        realisation = forms.RealisationForm(formdata=None)
        realisation.year.choices = _year_choices(benefit)
        realisation.year.data = clock.today().year
    if details is None and may_record:
        details = forms.BenefitDetailsForm(formdata=None, obj=benefit, prefix="details")
    return render_template(
        "benefits/benefit.html", benefit=benefit, rows=rows, entries=entries, figure=figure,
        project=db.session.get(Project, benefit.project_id),
        owner=db.session.get(Organisation, benefit.owner_organisation_id),
        may_record=may_record, realisation=realisation, details=details), status


def _require_recorder(benefit: Benefit) -> None:
    if not can_record_realisation(current_user, benefit):
        raise Forbidden(_("Only the benefit's owner, the project's organisation or the programme "
                          "office can enter realised values."))


@bp.get("/<int:benefit_id>")
def benefit_detail(benefit_id: int):
    """Show a benefit's planned vs realised values per year and its realisation entries."""
    return _benefit_page(_benefit(benefit_id))


@bp.post("/<int:benefit_id>/realisations")
def add_realisation(benefit_id: int):
    """Enter what the benefit gave in a year; a later entry for the year corrects the earlier."""
    benefit = _benefit(benefit_id)
    _require_recorder(benefit)
    form = forms.RealisationForm()
    form.year.choices = _year_choices(benefit)
    if form.validate_on_submit():
        with attempt(InvalidInput) as outcome:
            services.record_realisation(benefit, form.realisation_data(), current_user)
        if outcome.refused:
            field = getattr(form, outcome.refused.field or "", None) or form.actual_sek
            field.errors.append(outcome.refused.detail)
        else:
            flash(_("The realised value was saved."), "success")
            return redirect(url_for(".benefit_detail", benefit_id=benefit_id))
    return _benefit_page(benefit, realisation=form, status=422)


@bp.post("/<int:benefit_id>/details")
def update_details(benefit_id: int):
    """Set the benefit owner and the indicator (with its baseline value)."""
    benefit = _benefit(benefit_id)
    _require_recorder(benefit)
    form = forms.BenefitDetailsForm(prefix="details")
    if form.validate_on_submit():
        services.update_benefit(benefit, form.details_data(), current_user)
        flash(_("The benefit owner and indicator were saved."), "success")
        return redirect(url_for(".benefit_detail", benefit_id=benefit_id))
    return _benefit_page(benefit, details=form, status=422)
