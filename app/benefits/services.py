"""Benefit calculations with versions, the benefit register, and realisations.

A calculation's inputs are stored as rows (a version, its benefit lines with their
kind-specific parameters, its cost lines) and rebuilt into the engine's public JSON
payload, so the engine in `calculation.py` stays the single place where figures come from.
Versions: a working draft while the application is edited; "as submitted" frozen at
submission; "baseline" frozen at the decision; re-estimates during the project.
"""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import Organisation
from app.applications.models import Application
from app.benefit_map import services as network_services
from app.core import audit, clock, periods
from app.core.enums import (
    ApplicationState,
    BenefitKind,
    CalculationVersionKind,
    CostKind,
    Recipient,
    Role,
)
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.programmes.models import Programme
from app.projects.models import Project

from . import batch, calculation, engine_labels
from . import queries as benefit_queries
from .models import (
    Benefit,
    BenefitCalculation,
    BenefitLine,
    BenefitPlanYear,
    CalculationVersion,
    CostLine,
    RealisationEntry,
)
from .permissions import can_record_realisation

LINE_COLUMNS = ("kind", "name", "recipient", "owner_organisation_id")
SETTING_KEYS = ("channel_unit_sek", "hours_per_fte", "oncost_rate", "adoption", "sensitivity")
EDITABLE_STATES = (ApplicationState.DRAFT, ApplicationState.RETURNED_FOR_COMPLETION)


def defaults_for(programme: Programme | None) -> calculation.CalculationDefaults:
    """The programme's calculation settings as engine defaults."""
    if programme is None:
        return calculation.DEMO_DEFAULTS
    return calculation.CalculationDefaults(
        years=programme.calculation_years, discount_rate=float(programme.discount_rate),
        channel_unit_sek=float(programme.channel_unit_sek),
        hours_per_fte=float(programme.hours_per_fte), oncost_rate=float(programme.oncost_rate))


def parse(payload, programme: Programme | None = None) -> calculation.CalculationInput:
    """Validate a payload, turning every engine problem into one 422 in the reader's language.

    Each error keeps the engine's field path and code, so programs can act on them, and says
    the problem in words; the detail names each field as the calculation forms label it.
    """
    try:
        return calculation.parse_calculation(payload, defaults_for(programme))
    except calculation.CalculationInputError as invalid:
        errors = engine_labels.problem_entries(invalid.problems)
        raise InvalidInput(
            _("The benefit calculation is not valid: %(problems)s", problems=" ".join(
                engine_labels.named(error["field"], error["message"], payload)
                for error in errors)),
            field=invalid.field, errors=errors) from None


def evaluate_payload(payload, programme: Programme | None = None) -> dict:
    """Evaluate without storing anything: the public evaluate endpoint."""
    return calculation.result_to_dict(calculation.evaluate(parse(payload, programme)))


def payload_of(version: CalculationVersion) -> dict:
    """Rebuild the engine's JSON payload from a stored version."""
    payload = {"start_year": version.start_year, "years": version.years,
               "discount_rate": float(version.discount_rate)}
    payload.update({k: v for k, v in (version.settings or {}).items() if k in SETTING_KEYS})
    payload["benefits"] = [
        {"kind": line.kind.value, "name": line.name,
         **({"recipient": line.recipient.value} if line.recipient else {}),
         **({"owner_organisation_id": line.owner_organisation_id}
            if line.owner_organisation_id else {}),
         **(line.params or {})}
        for line in version.benefit_lines
    ]
    payload["costs"] = [{"name": c.name, "kind": c.kind.value, "by_year_sek": c.by_year_sek}
                        for c in version.cost_lines]
    return payload


def result_of(version: CalculationVersion) -> dict:
    """Evaluate a stored version (its own settings first, then the programme's defaults)."""
    application = db.session.get(Application, version.calculation.application_id)
    programme = application.programme if application else None
    return calculation.result_to_dict(
        calculation.evaluate(parse(payload_of(version), programme)))


def _whole_kronor(values) -> list[int]:
    return [calculation.round_sek(v) for v in values]


def _check_owner_organisations(payload: dict) -> None:
    """Every benefit owner named by id is an organisation that exists (else 422, not 500)."""
    wanted = {index: line.get("owner_organisation_id")
              for index, line in enumerate(payload.get("benefits", []))
              if line.get("owner_organisation_id") is not None}
    if not wanted:
        return
    known = set(db.session.scalars(sa.select(Organisation.id).where(
        Organisation.id.in_(set(wanted.values())), Organisation.is_active.is_(True))))
    errors = [{"field": f"benefits[{index}].owner_organisation_id",
               "message": _("There is no organisation %(id)s to own the benefit.",
                            id=owner)}
              for index, owner in wanted.items() if owner not in known]
    if errors:
        raise InvalidInput(errors[0]["message"], field=errors[0]["field"], errors=errors)


def _fill_version(version: CalculationVersion, payload: dict,
                  parsed: calculation.CalculationInput) -> None:
    """Store the inputs with every effective setting, so a frozen version never moves when
    the programme's defaults change later."""
    _check_owner_organisations(payload)
    version.start_year = parsed.start_year
    version.years = parsed.years
    version.discount_rate = Decimal(str(parsed.discount_rate))
    version.settings = {
        "channel_unit_sek": parsed.channel_unit_sek, "hours_per_fte": parsed.hours_per_fte,
        "oncost_rate": parsed.oncost_rate, "adoption": payload["adoption"],
        "sensitivity": {"benefits_change": parsed.sensitivity.benefits_change,
                        "costs_change": parsed.sensitivity.costs_change},
    }
    version.benefit_lines = [
        BenefitLine(position=index, kind=BenefitKind(line["kind"]), name=line["name"],
                    recipient=Recipient(line["recipient"]) if line.get("recipient") else None,
                    owner_organisation_id=line.get("owner_organisation_id"),
                    params={k: v for k, v in line.items() if k not in LINE_COLUMNS})
        for index, line in enumerate(payload.get("benefits", []))
    ]
    version.cost_lines = [
        CostLine(position=index, kind=CostKind(line["kind"]), name=line["name"],
                 by_year_sek=_whole_kronor(line["by_year_sek"]))
        for index, line in enumerate(payload.get("costs", []))
    ]


def _versions(application: Application) -> list[CalculationVersion]:
    calc = calculation_of(application)
    return list(calc.versions) if calc else []


def calculation_of(application: Application) -> BenefitCalculation | None:
    return db.session.scalar(sa.select(BenefitCalculation)
                             .where(BenefitCalculation.application_id == application.id))


def latest_version(application: Application,
                   kind: CalculationVersionKind | None = None) -> CalculationVersion | None:
    versions = [v for v in _versions(application) if kind is None or v.kind == kind]
    return versions[-1] if versions else None


def _new_version(calc: BenefitCalculation, kind: CalculationVersionKind, payload: dict,
                 parsed, actor, *, frozen: bool) -> CalculationVersion:
    number = 1 + max((v.number for v in calc.versions), default=0)
    version = CalculationVersion(calculation_id=calc.id, number=number, kind=kind,
                                 is_frozen=frozen, created_by_id=getattr(actor, "id", None))
    _fill_version(version, payload, parsed)
    db.session.add(version)
    db.session.flush()
    if version not in calc.versions:
        calc.versions.append(version)
    if frozen:
        version.npv_sek = _npv_of(parsed)
        network_services.snapshot_network(version)
    return version


def save_working_calculation(application: Application, payload: dict, actor) -> CalculationVersion:
    """Save the calculation being written in the application (editable until submission)."""
    if (Role.APPLICANT not in actor.roles_for(application.programme_id)
            or actor.organisation_id != application.organisation_id):
        raise Forbidden(_("Only the applying organisation can edit its benefit calculation."))
    if application.state in (ApplicationState.DECIDED, ApplicationState.WITHDRAWN):
        raise Conflict(_("The calculation of a decided or withdrawn application is frozen; a "
                         "funded project records a re-estimate instead."))
    if application.state not in EDITABLE_STATES:
        raise Conflict(_("The calculation is frozen once the application is submitted; ask the "
                         "programme office to return it for completion."))
    parsed = parse(payload, application.programme)
    calc = calculation_of(application)
    if calc is None:
        calc = BenefitCalculation(application_id=application.id)
        db.session.add(calc)
        db.session.flush()
    working = latest_version(application)
    if working is None or working.is_frozen:
        working = _new_version(calc, CalculationVersionKind.AS_SUBMITTED, payload, parsed, actor,
                               frozen=False)
    else:
        _fill_version(working, payload, parsed)
        db.session.flush()
    audit.record("benefit_calculation.saved", working, actor=actor,
                 after={"application_id": application.id, "version": working.number})
    return working


def freeze_submitted(application: Application, actor) -> CalculationVersion | None:
    """Freeze the working version as "as submitted" when the application is submitted."""
    working = latest_version(application)
    if working is not None and not working.is_frozen:
        working.is_frozen = True
        working.npv_sek = npv_of(working, application.programme)
        db.session.flush()
        network_services.snapshot_network(working)
        audit.record("benefit_calculation.frozen", working, actor=actor,
                     after={"kind": working.kind, "version": working.number})
    return working


def _npv_of(parsed) -> int:
    return calculation.round_sek(calculation.evaluate(parsed).npv)


def npv_of(version: CalculationVersion, programme: Programme) -> int | None:
    """The version's net present value: stored once frozen, else evaluated; None when the
    stored calculation no longer parses."""
    if version.is_frozen and version.npv_sek is not None:
        return version.npv_sek
    try:
        return _npv_of(parse(payload_of(version), programme))
    except InvalidInput:
        return None


def store_frozen_values() -> int:
    """Give every frozen version without a stored NPV its value, evaluated together as arrays
    (for data loaded in bulk, and for the migration that added the column); returns how many.
    A version that no longer parses keeps none and is evaluated on read."""
    rows = db.session.execute(
        sa.select(CalculationVersion, Programme)
        .join(BenefitCalculation, BenefitCalculation.id == CalculationVersion.calculation_id)
        .join(Application, Application.id == BenefitCalculation.application_id)
        .join(Programme, Programme.id == Application.programme_id)
        .where(CalculationVersion.is_frozen.is_(True), CalculationVersion.npv_sek.is_(None))
    ).all()
    benefit_queries.load_lines_of_unvalued([version for version, _programme in rows])
    parsed = {}
    for version, programme in rows:
        try:
            parsed[version.id] = parse(payload_of(version), programme)
        except InvalidInput:
            continue
    if not parsed:
        return 0
    values = batch.evaluate_many(parsed.values()).npv
    db.session.execute(sa.update(CalculationVersion), [
        {"id": version_id, "npv_sek": calculation.round_sek(float(npv))}
        for version_id, npv in zip(parsed, values, strict=True)])
    return len(parsed)


def _valued(line: BenefitLine) -> bool:
    return line.kind != BenefitKind.QUALITATIVE


def create_baseline(application: Application, project: Project, actor) -> CalculationVersion | None:
    """Freeze the baseline at the decision and put each valued line in the benefit register."""
    submitted = latest_version(application, CalculationVersionKind.AS_SUBMITTED)
    if submitted is None:
        return None
    payload = payload_of(submitted)
    parsed = parse(payload)
    baseline = _new_version(submitted.calculation, CalculationVersionKind.BASELINE, payload,
                            parsed, actor, frozen=True)
    result = calculation.evaluate(parsed)
    for line, line_result in zip(baseline.benefit_lines, result.lines, strict=True):
        if not _valued(line):
            continue
        owner = line.owner_organisation_id or application.organisation_id
        benefit = Benefit(
            project_id=project.id, baseline_line_id=line.id, owner_organisation_id=owner,
            benefit_owner_name=application.benefit_owner_name, name=line.name,
            plan_years=[
                BenefitPlanYear(year=year, planned_sek=calculation.round_sek(value),
                                planned_cash_releasing_sek=calculation.round_sek(cash))
                for year, value, cash in zip(result.years, line_result.by_year,
                                             line_result.cash_releasing_by_year, strict=True)
            ])
        db.session.add(benefit)
    db.session.flush()
    audit.record("benefit_calculation.baseline", baseline, actor=actor,
                 after={"application_id": application.id, "version": baseline.number})
    return baseline


def import_calculation(application: Application, project: Project | None, payload: dict,
                       actor=None) -> CalculationVersion:
    """Record an existing calculation: frozen as submitted and, with a project, its baseline."""
    parsed = parse(payload, application.programme)
    calc = calculation_of(application)
    if calc is None:
        calc = BenefitCalculation(application_id=application.id)
        db.session.add(calc)
        db.session.flush()
    version = _new_version(calc, CalculationVersionKind.AS_SUBMITTED, payload, parsed, actor,
                           frozen=True)
    if project is not None:
        return create_baseline(application, project, actor)
    return version


def add_re_estimate(project: Project, payload: dict, actor) -> CalculationVersion:
    """Record a re-estimate during the project; the baseline never changes."""
    application = db.session.get(Application, project.application_id)
    baseline = latest_version(application, CalculationVersionKind.BASELINE)
    if baseline is None:
        raise Conflict(_("The project has no baseline calculation to re-estimate."))
    held = actor.roles_for(project.programme_id)
    if not (Role.PROGRAMME_OFFICE in held or (
            Role.APPLICANT in held and actor.organisation_id == project.organisation_id)):
        raise Forbidden(_("Only the project's organisation or the programme office can "
                          "re-estimate."))
    parsed = parse(payload, application.programme)
    version = _new_version(baseline.calculation, CalculationVersionKind.RE_ESTIMATE, payload,
                           parsed, actor, frozen=True)
    audit.record("benefit_calculation.re_estimate", version, actor=actor,
                 after={"project_id": project.id, "version": version.number})
    return version


# ---- the register --------------------------------------------------------------------------

def update_benefit(benefit: Benefit, data: dict, actor) -> Benefit:
    """Set who owns a benefit and which indicator (with its baseline value) will show it."""
    if not can_record_realisation(actor, benefit):
        raise Forbidden(_("Only the benefit's owner, the project's organisation or the "
                          "programme office can change it."))
    before = {"indicator": benefit.indicator, "benefit_owner_name": benefit.benefit_owner_name}
    for field in ("indicator", "benefit_owner_name"):
        if field in data:
            setattr(benefit, field, (data[field] or "").strip())
    if "indicator_baseline" in data:
        benefit.indicator_baseline = data["indicator_baseline"]
    db.session.flush()
    audit.record("benefit.updated", benefit, actor=actor, before=before,
                 after={"indicator": benefit.indicator,
                        "benefit_owner_name": benefit.benefit_owner_name})
    return benefit


def record_realisation(benefit: Benefit, data: dict, actor) -> RealisationEntry:
    """Enter what a benefit actually gave in a year; a later entry for the year corrects it."""
    if not can_record_realisation(actor, benefit):
        raise Forbidden(_("Only the benefit's owner, the project's organisation or the "
                          "programme office can enter realised values."))
    years = [p.year for p in benefit.plan_years]
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not years or not (
            min(years) <= year <= max(years) + 5):
        raise InvalidInput(_("The year must be within the benefit's planned years (or up to "
                             "five years after)."), field="year")
    if year > clock.today().year:
        raise InvalidInput(_("A realised value for %(year)s can be recorded from %(date)s.",
                             year=year, date=periods.first_day_of_year(year).isoformat()),
                           field="year")
    amounts = {}
    for field in ("actual_sek", "actual_cash_releasing_sek"):
        value = data.get(field, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not (
                0 <= value <= 10**12):
            raise InvalidInput(_("Write the amount in whole kronor, 0 or more."), field=field)
        amounts[field] = value
    if amounts["actual_cash_releasing_sek"] > amounts["actual_sek"]:
        raise InvalidInput(_("The cash-releasing part cannot exceed the realised value."),
                           field="actual_cash_releasing_sek")
    previous = db.session.scalar(
        sa.select(RealisationEntry).where(RealisationEntry.benefit_id == benefit.id,
                                          RealisationEntry.year == year)
        .order_by(RealisationEntry.id.desc()).limit(1))
    entry = RealisationEntry(
        benefit_id=benefit.id, year=year, **amounts,
        indicator_value=data.get("indicator_value"),
        measured_by=(data.get("measured_by") or "").strip(),
        evidence=(data.get("evidence") or "").strip(),
        corrects_id=previous.id if previous else None, recorded_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("benefit.realised", benefit, actor=actor,
                 after={"year": year, **amounts, "corrects": entry.corrects_id})
    return entry


def register(up_to_year: int, organisation_id: int | None = None,
             project_id: int | None = None, on: date | None = None
             ) -> list[benefit_queries.RegisterRow]:
    """Every row of the register on `on` (default today), unscoped: for a page that has
    already checked access to the project, and for the write side's checks."""
    return benefit_queries.register_rows(benefit_queries.register_figures(
        up_to_year, on or clock.today(), organisation_id=organisation_id,
        project_id=project_id))
