"""Read programme.yaml and organisations.yaml into specs: all that `seed_reference` needs."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.applications.rules import PIPELINE_STAGES
from app.core.enums import OrganisationKind
from app.programmes import rules as delegation
from app.seed.fields import DEFAULT_DATA_DIR, _Fields, _read_yaml, _unique


@dataclass(frozen=True)
class AreaSpec:
    key: str
    name: str
    estimate_sek: int


@dataclass(frozen=True)
class RuleSpec:
    authority_key: str
    authority_name: str
    limit_sek: int | None
    valid_from: date
    valid_to: date | None
    source: str
    reason: str = ""


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    short_name: str | None
    kind: OrganisationKind
    area: str | None


@dataclass(frozen=True)
class ReferenceData:
    """The programme with its settings, goals, areas and delegation, and the organisations."""

    programme: dict
    goals: tuple[dict, ...]
    areas: tuple[AreaSpec, ...]
    rules: tuple[RuleSpec, ...]
    organisations: tuple[OrganisationSpec, ...]

    def in_period(self, item: _Fields, key: str, day: date | None) -> None:
        """Refuse a date outside the programme period, naming the field."""
        if day is not None and not self.programme["starts_on"] <= day <= self.programme["ends_on"]:
            raise item.error(
                f"'{key}' {day.isoformat()} is outside the programme period "
                f"{self.programme['starts_on'].isoformat()}–{self.programme['ends_on'].isoformat()}"
            )

    def route(self, amount_sek: int, on: date) -> RuleSpec:
        """Route a decision with the file's delegation table (ids are list positions)."""
        rules = [_rule(index, rule) for index, rule in enumerate(self.rules)]
        return self.rules[delegation.route_decision(rules, amount_sek, on).rule_id]


def _rule(rule_id: int, rule) -> delegation.DelegationRule:
    """Build the pure routing rule from a file row or a DelegationRule row."""
    return delegation.DelegationRule(
        rule_id=rule_id, authority_key=rule.authority_key, limit_sek=rule.limit_sek,
        valid_from=rule.valid_from, valid_to=rule.valid_to, source=rule.source,
    )


def load_reference(data_dir: Path | None = None) -> ReferenceData:
    """Read and validate programme.yaml and organisations.yaml."""
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    root = _read_yaml(data_dir, "programme.yaml")
    item = root.section("programme")
    settings = item.section("settings")
    programme = {
        "name": item.text("name"),
        "description": item.text("description", required=False) or "",
        "starts_on": item.day("starts_on"),
        "ends_on": item.day("ends_on"),
        "diary_number_format": settings.text("diary_number_format"),
        "calculation_years": settings.whole("calculation_years", minimum=1),
        "discount_rate": settings.number("discount_rate"),
        "hours_per_fte": settings.whole("hours_per_fte", minimum=1),
        "oncost_rate": settings.number("oncost_rate"),
        "channel_unit_sek": settings.whole("channel_unit_sek"),
        "stage_service_days": _service_days(settings.section("stage_service_days")),
        "idea_idle_days": settings.whole("idea_idle_days"),
        "report_due_after_days": settings.whole("report_due_after_days"),
        "schedule_tolerance_days": settings.whole("schedule_tolerance_days"),
        "decision_backdating_days": settings.whole("decision_backdating_days",
                                                   required=False) or 0,
    }
    if programme["ends_on"] < programme["starts_on"]:
        raise item.error("'ends_on' is before 'starts_on'")
    try:
        programme["diary_number_format"].format(year=2008, seq=1)
    except (KeyError, IndexError, ValueError):
        raise settings.error("'diary_number_format' may use only {year} and {seq}") from None
    if programme["decision_backdating_days"] > delegation.MAX_BACKDATING_DAYS:
        raise settings.error(f"'decision_backdating_days' must be at most "
                             f"{delegation.MAX_BACKDATING_DAYS}")
    for key in ("discount_rate", "oncost_rate"):
        if not 0 <= programme[key] < 1:
            raise settings.error(f"'{key}' must be a share from 0 up to 1")

    goals = tuple(
        {"number": goal.whole("number", minimum=1), "title": goal.text("title"),
         "description": goal.text("description", required=False) or ""}
        for goal in root.items("goals", "goal", "title")
    )
    _unique((g["number"] for g in goals), "programme.yaml", "goal number")
    areas = tuple(
        AreaSpec(area.text("key"), area.text("name"), area.whole("estimate_sek"))
        for area in root.items("areas", "area", "key")
    )
    _unique((a.key for a in areas), "programme.yaml", "area key")
    rules = tuple(_delegation_rules(root))

    organisations = []
    area_keys = {a.key for a in areas}
    for org in _read_yaml(data_dir, "organisations.yaml").items(
        "organisations", "organisation", "name"
    ):
        spec = OrganisationSpec(
            name=org.text("name"), short_name=org.text("short_name", required=False),
            kind=org.choice("kind", OrganisationKind), area=org.text("area", required=False),
        )
        if spec.area is not None and spec.area not in area_keys:
            raise org.error(f"unknown area {spec.area!r}; use one of {sorted(area_keys)}")
        organisations.append(spec)
    _unique((o.name for o in organisations), "organisations.yaml", "organisation")
    return ReferenceData(programme, goals, areas, rules, tuple(organisations))


def _service_days(section: _Fields) -> dict[str, int]:
    """Read the per-stage service days: every pipeline stage, nothing else."""
    days = {stage.value: section.whole(stage.value) for stage in PIPELINE_STAGES}
    extra = set(section.keys()) - set(days)
    if extra:
        raise section.error(f"unknown stages {sorted(extra)}; use {sorted(days)}")
    return days


def _delegation_rules(root: _Fields):
    """Read each delegation regime and check it as the regime service and the router would.

    Regimes come in date order, each with a reason; a regime's `valid_to`, when given, is the
    day before the next one starts (the last may end with the programme).
    """
    regimes = list(root.items("delegation", "regime", "source"))
    starts = [regime.day("valid_from") for regime in regimes]
    if starts != sorted(set(starts)):
        raise root.error("delegation regimes must come in date order, each from its own date")
    ends = delegation.regime_ends(starts)
    for regime, valid_from in zip(regimes, starts, strict=True):
        source, reason = regime.text("source"), regime.text("reason")
        valid_to = regime.day("valid_to", required=False)
        if ends[valid_from] is not None and valid_to not in (None, ends[valid_from]):
            raise regime.error(f"'valid_to' must be {ends[valid_from].isoformat()}, the day "
                               "before the next regime starts")
        specs = []
        for rule in regime.items("rules", "rule", "authority_key"):
            spec = RuleSpec(
                authority_key=rule.text("authority_key"),
                authority_name=rule.text("authority_name"),
                limit_sek=rule.whole("limit_sek", required=False, minimum=1),
                valid_from=valid_from, valid_to=valid_to or ends[valid_from], source=source,
                reason=reason,
            )
            try:
                _rule(0, spec)
            except (TypeError, ValueError) as error:
                raise rule.error(f"in regime {source!r}: {error}") from None
            specs.append(spec)
        issues = delegation.rule_problems([
            delegation.RuleDraft(s.authority_key, s.authority_name, s.limit_sek, s.source)
            for s in specs])
        if issues:
            raise regime.error(f"in regime {source!r}: " + "; ".join(
                f"{issue.code.value} (row {issue.row}, {issue.params})" for issue in issues))
        yield from specs
