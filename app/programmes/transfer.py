"""Copy a programme's set-up (not its cases) between environments as YAML (issue 17).

`export_setup` turns a programme into plain data; `read_setup` checks such data and says,
key by key, what is wrong before anything is written; `import_setup` writes it (flushes,
never commits). Organisations and areas are shared: areas are matched by key.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
import yaml

from app.accounts.models import Area
from app.core import audit
from app.core.enums import LedgerEntryKind
from app.projects import rules as phase_rules
from app.projects.models import ProgrammePhase

from . import ledger, regimes, rules
from .models import AreaEstimate, EnvelopeEntry, Goal, Programme

SETTINGS = ("diary_number_format", "calculation_years", "discount_rate", "hours_per_fte",
            "oncost_rate", "channel_unit_sek", "stage_service_days", "idea_idle_days",
            "schedule_tolerance_days", "decision_backdating_days")
DECIMAL_SETTINGS = ("discount_rate", "oncost_rate")
CALENDAR = ("six_weekly_period_days", "report_due_after_days", "report_early_days",
            "tertial_due_after_days")
CALENDAR_DEFAULTS = {"six_weekly_period_days": 42, "report_due_after_days": 10,
                     "report_early_days": 0, "tertial_due_after_days": 15}


class SetupFileError(ValueError):
    """The file cannot be imported; `problems` names each key and what is wrong."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# --- export ---


def _delegation_regimes(programme: Programme) -> list[dict]:
    """The programme's delegation regimes in start order, each with its reason and rules."""
    return [{
        "valid_from": regime.valid_from, "reason": regime.reason, "source": regime.source,
        "rules": [{"authority_key": r.authority_key, "authority_name": r.authority_name,
                   "limit_sek": r.limit_sek, "source": r.source} for r in regime.rules]}
        for regime in regimes.regimes_of(programme)]


def export_setup(programme: Programme, session) -> dict:
    """Everything that sets a programme up, as plain data in a fixed order."""
    from app.budget_cuts.models import BudgetCutPolicy

    settings = {}
    for name in SETTINGS:
        value = getattr(programme, name)
        settings[name] = str(Decimal(value).normalize()) if name in DECIMAL_SETTINGS else value
    settings["stage_service_days"] = dict(sorted((programme.stage_service_days or {}).items()))
    entries = session.scalars(
        sa.select(EnvelopeEntry).where(EnvelopeEntry.programme_id == programme.id,
                                       EnvelopeEntry.kind == LedgerEntryKind.RESERVATION)
        .order_by(EnvelopeEntry.booked_on, EnvelopeEntry.id)).all()
    position = {entry.id: index for index, entry in enumerate(entries)}
    estimates = session.scalars(
        sa.select(AreaEstimate).join(Area, Area.id == AreaEstimate.area_id)
        .where(AreaEstimate.programme_id == programme.id).order_by(Area.key)).all()
    policies = session.scalars(
        sa.select(BudgetCutPolicy).where(BudgetCutPolicy.programme_id == programme.id)
        .order_by(BudgetCutPolicy.valid_from_year, BudgetCutPolicy.id)).all()
    from app.applications.services import REQUIREMENTS

    return {
        "programme": {
            "name": programme.name, "description": programme.description,
            "starts_on": programme.starts_on, "ends_on": programme.ends_on,
            "settings": settings,
            "calendar": {name: getattr(programme, name) for name in CALENDAR},
        },
        "goals": [{"number": g.number, "title": g.title, "description": g.description}
                  for g in programme.goals],
        "requirements": list(REQUIREMENTS),
        "areas": [{"key": e.area.key, "name": e.area.name, "estimate_sek": e.estimate_sek}
                  for e in estimates],
        "reservations": [
            {"booked_on": e.booked_on, "amount_sek": e.amount_sek, "description": e.description,
             **({"corrects": position[e.corrects_id]} if e.corrects_id in position else {})}
            for e in entries],
        "budget_cut_policies": [
            {"valid_from_year": p.valid_from_year, "share": str(Decimal(p.share).normalize()),
             "lag_years": p.lag_years, "net_running_costs": p.net_running_costs,
             "allow_before_go_live": p.allow_before_go_live} for p in policies],
        "delegation_regimes": _delegation_regimes(programme),
        "phases": [{"key": phase.key, "name": phase.name,
                    "requirements": list(phase.requirements or [])}
                   for phase in session.scalars(
                       sa.select(ProgrammePhase).where(ProgrammePhase.programme_id == programme.id)
                       .order_by(ProgrammePhase.position))],
    }


def dump_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


# --- reading and checking ---


@dataclass
class _Reader:
    """Reads values out of nested data, collecting every problem with its key path."""

    problems: list[str] = field(default_factory=list)

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def mappings(self, items: list, key: str):
        """Each entry of a list section that is a mapping, with its key path; the rest fail."""
        for index, item in enumerate(items):
            path = f"{key}[{index}]"
            if isinstance(item, dict):
                yield path, item
            else:
                self.fail(path, "must be a mapping")

    def section(self, data, key: str, kind=dict, required: bool = True):
        value = data.get(key.rsplit(".", 1)[-1]) if isinstance(data, dict) else None
        if value is None:
            if required:
                self.fail(key, "is missing")
            return kind()
        if not isinstance(value, kind):
            self.fail(key, f"must be a {'mapping' if kind is dict else 'list'}")
            return kind()
        return value

    def text(self, data, key: str, path: str, *, required: bool = True, max_length: int = 500,
             default: str = "") -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(path, "is missing")
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(path, "must be a non-empty text")
            return default
        if len(value) > max_length:
            self.fail(path, f"must be at most {max_length} characters")
        return value.strip() if key != "description" else value

    def whole(self, data, key: str, path: str, *, low: int = 0, high: int = rules.MAX_AMOUNT_SEK,
              required: bool = True, default: int | None = None, allow_none: bool = False):
        if key not in data or (data[key] is None and not allow_none):
            if required:
                self.fail(path, "is missing")
            return default
        value = data[key]
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(path, f"must be a whole number from {low} to {high}")
            return default
        return value

    def day(self, data, key: str, path: str, *, required: bool = True) -> date | None:
        value = data.get(key)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                pass
        if value is None and not required:
            return None
        if not isinstance(value, date):
            self.fail(path, "must be a date (YYYY-MM-DD)")
            return None
        return value

    def number(self, data, key: str, path: str, low: Decimal, high: Decimal) -> Decimal | None:
        try:
            value = Decimal(str(data[key]))
        except (KeyError, InvalidOperation):
            self.fail(path, "must be a number")
            return None
        if not value.is_finite() or not low <= value < high:
            self.fail(path, f"must be from {low} to below {high}")
            return None
        return value


def read_setup(data, *, name: str | None = None, existing_names=()) -> dict:
    """Check a whole set-up file and return the values to write; raise SetupFileError naming
    every key that is wrong (nothing is written on any problem)."""
    reader = _Reader()
    if not isinstance(data, dict):
        raise SetupFileError(["(file): must be a YAML mapping with a 'programme' key"])
    head = reader.section(data, "programme")
    programme = {
        "name": (name or "").strip() or reader.text(head, "name", "programme.name",
                                                    max_length=200),
        "description": reader.text(head, "description", "programme.description",
                                   required=False, max_length=20000),
        "starts_on": reader.day(head, "starts_on", "programme.starts_on"),
        "ends_on": reader.day(head, "ends_on", "programme.ends_on"),
    }
    issue = rules.name_problem(programme["name"], existing_names)
    if issue is not None:
        reader.fail("programme.name", f"'{programme['name']}' is empty or already taken "
                                      "(import under another name with --name)")
    if programme["starts_on"] and programme["ends_on"] and rules.period_problem(
            programme["starts_on"], programme["ends_on"], None, None):
        reader.fail("programme.ends_on", "is before programme.starts_on")
    settings = reader.section(head, "programme.settings")
    programme.update(_read_settings(reader, settings))
    calendar = reader.section(head, "programme.calendar", required=False)
    for key in CALENDAR:
        fallback = settings.get(key, CALENDAR_DEFAULTS[key])
        programme[key] = reader.whole({key: calendar.get(key, fallback)}, key,
                                      f"programme.calendar.{key}", high=rules.MAX_PERIOD_DAYS)
    if all(isinstance(programme[k], int) for k in CALENDAR):
        for problem in rules.calendar_problems(rules.CalendarSettings(
                **{k: programme[k] for k in CALENDAR})):
            reader.fail(f"programme.calendar.{problem.field}",
                        "is out of range or makes reporting periods overlap")
    result = {
        "programme": programme,
        "goals": _read_goals(reader, reader.section(data, "goals", list)),
        "areas": _read_areas(reader, reader.section(data, "areas", list, required=False)),
        "reservations": _read_reservations(
            reader, reader.section(data, "reservations", list, required=False)),
        "budget_cut_policies": _read_policies(
            reader, reader.section(data, "budget_cut_policies", list, required=False)),
        "delegation_regimes": _read_regimes(
            reader, reader.section(data, "delegation_regimes", list, required=False)),
        "phases": _read_phases(reader, reader.section(data, "phases", list, required=False)),
    }
    _read_requirements(reader, data.get("requirements"))
    if reader.problems:
        raise SetupFileError(reader.problems)
    return result


def _read_settings(reader: _Reader, settings: dict) -> dict:
    values = {
        "diary_number_format": reader.text(settings, "diary_number_format",
                                           "programme.settings.diary_number_format",
                                           max_length=60),
        "calculation_years": reader.whole(settings, "calculation_years",
                                          "programme.settings.calculation_years", low=1,
                                          high=50),
        "discount_rate": reader.number(settings, "discount_rate",
                                       "programme.settings.discount_rate", Decimal(0),
                                       Decimal(1)),
        "hours_per_fte": reader.whole(settings, "hours_per_fte",
                                      "programme.settings.hours_per_fte", low=1, high=8784),
        "oncost_rate": reader.number(settings, "oncost_rate", "programme.settings.oncost_rate",
                                     Decimal(0), Decimal(10)),
        "channel_unit_sek": reader.whole(settings, "channel_unit_sek",
                                         "programme.settings.channel_unit_sek"),
        "idea_idle_days": reader.whole(settings, "idea_idle_days",
                                       "programme.settings.idea_idle_days",
                                       high=rules.MAX_DUE_DAYS),
        "schedule_tolerance_days": reader.whole(settings, "schedule_tolerance_days",
                                                "programme.settings.schedule_tolerance_days",
                                                high=rules.MAX_DUE_DAYS),
        "decision_backdating_days": reader.whole(settings, "decision_backdating_days",
                                                 "programme.settings.decision_backdating_days",
                                                 high=rules.MAX_BACKDATING_DAYS),
    }
    try:
        values["diary_number_format"].format(year=2008, seq=1)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        reader.fail("programme.settings.diary_number_format", "may use only {year} and {seq}")
    stages = reader.section(settings, "programme.settings.stage_service_days", required=False)
    values["stage_service_days"] = {}
    for stage in stages:
        path = f"programme.settings.stage_service_days.{stage}"
        if stage not in STAGES:
            reader.fail(path, f"is not a stage ({', '.join(STAGES)})")
            continue
        values["stage_service_days"][stage] = reader.whole(stages, stage, path,
                                                           high=rules.MAX_DUE_DAYS)
    return values


STAGES = ("submitted", "in_preparation", "advisory_opinion", "quality_check",
          "awaiting_decision")


def _read_goals(reader: _Reader, items: list) -> list[dict]:
    goals = []
    for path, item in reader.mappings(items, "goals"):
        goals.append({"number": reader.whole(item, "number", f"{path}.number", low=1, high=999),
                      "title": reader.text(item, "title", f"{path}.title", max_length=300),
                      "description": reader.text(item, "description", f"{path}.description",
                                                 required=False, max_length=5000)})
    numbers = [g["number"] for g in goals]
    if len(set(numbers)) != len(numbers):
        reader.fail("goals", "two goals have the same number")
    return goals


def _read_requirements(reader: _Reader, requirements) -> None:
    """Requirements are the same for every programme today: a file may only repeat them."""
    from app.applications.services import REQUIREMENTS

    if requirements is not None and list(requirements) != list(REQUIREMENTS):
        reader.fail("requirements", f"must be {list(REQUIREMENTS)} (they are not yet "
                                    "programme data)")


def _read_areas(reader: _Reader, items: list) -> list[dict]:
    areas = []
    for path, item in reader.mappings(items, "areas"):
        areas.append({"key": reader.text(item, "key", f"{path}.key", max_length=40).lower(),
                      "name": reader.text(item, "name", f"{path}.name", max_length=200),
                      "estimate_sek": reader.whole(item, "estimate_sek",
                                                   f"{path}.estimate_sek")})
    keys = [a["key"] for a in areas]
    if len(set(keys)) != len(keys):
        reader.fail("areas", "two areas have the same key")
    return areas


def _read_reservations(reader: _Reader, items: list) -> list[dict]:
    entries = []
    balance = {}
    for path, item in reader.mappings(items, "reservations"):
        entry = {
            "booked_on": reader.day(item, "booked_on", f"{path}.booked_on"),
            "amount_sek": reader.whole(item, "amount_sek", f"{path}.amount_sek",
                                       low=-rules.MAX_AMOUNT_SEK),
            "description": reader.text(item, "description", f"{path}.description"),
            "corrects": item.get("corrects"),
        }
        amount = entry["amount_sek"]
        if amount == 0:
            reader.fail(f"{path}.amount_sek", "must not be zero")
        elif isinstance(amount, int) and amount < 0:
            corrects = entry["corrects"]
            if not isinstance(corrects, int) or corrects not in balance:
                reader.fail(f"{path}.corrects", "a withdrawal names an earlier reservation "
                                                "by its place in this list")
            elif balance[corrects] + amount < 0:
                reader.fail(f"{path}.amount_sek", "withdraws more than the reservation holds")
            else:
                balance[corrects] += amount
        elif isinstance(amount, int):
            balance[len(entries)] = amount
            entry["corrects"] = None
        entries.append(entry)
    return entries


def _read_policies(reader: _Reader, items: list) -> list[dict]:
    policies = []
    for path, item in reader.mappings(items, "budget_cut_policies"):
        flags = {}
        for flag in ("net_running_costs", "allow_before_go_live"):
            value = item.get(flag, False)
            if not isinstance(value, bool):
                reader.fail(f"{path}.{flag}", "must be true or false")
            flags[flag] = bool(value)
        share = reader.number(item, "share", f"{path}.share", Decimal(0), Decimal("1.0001"))
        policies.append({
            "valid_from_year": reader.whole(item, "valid_from_year", f"{path}.valid_from_year",
                                            low=1900, high=2200),
            "share": share, "lag_years": reader.whole(item, "lag_years", f"{path}.lag_years",
                                                      high=50, required=False, default=1),
            **flags})
    return policies


def _read_phases(reader: _Reader, items: list) -> list[dict]:
    """The project model's phases in order, each gate's requirements from the known ones."""
    phases = []
    for path, item in reader.mappings(items, "phases"):
        requirements = item.get("requirements") or []
        if not isinstance(requirements, list) or not set(requirements) <= set(
                phase_rules.REQUIREMENTS):
            reader.fail(f"{path}.requirements",
                        f"must be a list of: {', '.join(phase_rules.REQUIREMENTS)}")
            requirements = []
        phases.append({
            "key": reader.text(item, "key", f"{path}.key", max_length=phase_rules.MAX_KEY_LENGTH),
            "name": reader.text(item, "name", f"{path}.name",
                                max_length=phase_rules.MAX_NAME_LENGTH),
            "requirements": [str(key) for key in requirements]})
    try:
        phase_rules.check_phases([phase_rules.Phase(p["key"], frozenset(p["requirements"]))
                                  for p in phases])
    except ValueError as problem:
        reader.fail("phases", str(problem))
    return phases


def _read_regimes(reader: _Reader, items: list) -> list[dict]:
    regimes = []
    for path, item in reader.mappings(items, "delegation_regimes"):
        regime = {"valid_from": reader.day(item, "valid_from", f"{path}.valid_from"),
                  "reason": reader.text(item, "reason", f"{path}.reason", max_length=2000),
                  "source": reader.text(item, "source", f"{path}.source", max_length=300),
                  "rules": []}
        for number, rule in enumerate(reader.section(item, f"{path}.rules", list)):
            rule_path = f"{path}.rules[{number}]"
            if not isinstance(rule, dict):
                reader.fail(rule_path, "must be a mapping")
                continue
            regime["rules"].append({
                "authority_key": reader.text(rule, "authority_key", f"{rule_path}.authority_key",
                                             max_length=60),
                "authority_name": reader.text(rule, "authority_name",
                                              f"{rule_path}.authority_name", max_length=200),
                "limit_sek": reader.whole(rule, "limit_sek", f"{rule_path}.limit_sek", low=1,
                                          required=False, allow_none=True),
                "source": reader.text(rule, "source", f"{rule_path}.source", required=False,
                                      max_length=300, default=regime["source"]) or
                regime["source"]})
        unlimited = [r for r in regime["rules"] if r["limit_sek"] is None]
        if regime["rules"] and len(unlimited) != 1:
            reader.fail(f"{path}.rules", "needs exactly one authority without a limit")
        regimes.append(regime)
    starts = [r["valid_from"] for r in regimes]
    if None not in starts and starts != sorted(set(starts)):
        reader.fail("delegation_regimes", "must start on different dates, in order")
    return regimes


# --- writing ---


def import_setup(values: dict, session, actor=None) -> Programme:
    """Write a checked set-up as a new programme; flushes, never commits."""
    from app.budget_cuts.models import BudgetCutPolicy

    programme = Programme(**values["programme"])
    session.add(programme)
    session.flush()
    for goal in values["goals"]:
        session.add(Goal(programme_id=programme.id, **goal))
    for spec in values["areas"]:
        area = session.scalar(sa.select(Area).where(Area.key == spec["key"]))
        if area is None:
            area = Area(key=spec["key"], name=spec["name"])
            session.add(area)
            session.flush()
        session.add(AreaEstimate(programme_id=programme.id, area_id=area.id,
                                 estimate_sek=spec["estimate_sek"]))
    written = []
    for spec in values["reservations"]:
        written.append(ledger.book(
            programme.id, LedgerEntryKind.RESERVATION, spec["amount_sek"], spec["booked_on"],
            spec["description"], actor=actor,
            corrects_id=written[spec["corrects"]].id if spec["corrects"] is not None else None))
    for spec in values["budget_cut_policies"]:
        session.add(BudgetCutPolicy(programme_id=programme.id,
                                    created_by_id=getattr(actor, "id", None), **spec))
    _write_regimes(programme, values["delegation_regimes"], actor)
    for position, spec in enumerate(values["phases"], start=1):
        session.add(ProgrammePhase(programme_id=programme.id, position=position, **spec))
    session.flush()
    session.refresh(programme)
    audit.record("programme.imported", programme, actor=actor,
                 after={"name": programme.name, "goals": len(values["goals"]),
                        "areas": len(values["areas"]),
                        "reservations": len(values["reservations"]),
                        "delegation_regimes": len(values["delegation_regimes"])})
    return programme


def _write_regimes(programme: Programme, regime_specs: list[dict], actor) -> None:
    """Add each regime as the seed does: a record of regimes, the dates not bound to today."""
    for spec in regime_specs:
        regimes.add_regime(programme, spec, actor, history=True)
