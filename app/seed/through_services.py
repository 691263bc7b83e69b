"""Load calculations, budget cuts and benefit maps straight through their domain services."""

from datetime import date
from pathlib import Path

import sqlalchemy as sa
import yaml

from app.accounts.models import Organisation, User
from app.applications.models import Application
from app.core.enums import Role
from app.core.errors import DomainError
from app.extensions import db
from app.programmes.models import Programme
from app.projects.models import Project
from app.seed.fields import _Fields
from app.seed.rows import SeedReport, _at, _find


def _insert_calculations(data_dir: Path, report: SeedReport) -> None:
    """Load calculations.yaml: baseline calculations, register entries and realisations."""
    from app.benefits import services as benefit_services
    from app.benefits.models import Benefit, RealisationEntry

    path = data_dir / "calculations.yaml"
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("calculations", [])
    for index, entry in enumerate(entries):
        where = f"calculations.yaml, calculation {index + 1} ({entry.get('project')})"
        project = _find(Project, title=entry.get("project"))
        if project is None or project.application_id is None:
            raise ValueError(f"{where}: there is no funded project with that title.")
        application = db.session.get(Application, project.application_id)
        if benefit_services.calculation_of(application) is None:
            try:
                benefit_services.import_calculation(application, project, entry["calculation"])
            except DomainError as invalid:
                raise ValueError(f"{where}: {invalid.detail}") from None
            report.add("benefit_calculations")
        benefits = {b.name: b for b in db.session.scalars(
            sa.select(Benefit).where(Benefit.project_id == project.id))}
        for number, realised in enumerate(entry.get("realisations", []), start=1):
            benefit = benefits.get(realised.get("benefit"))
            if benefit is None:
                raise ValueError(f"{where}: no valued benefit line is called "
                                 f"{realised.get('benefit')!r}.")
            recorded_on = _recorded_on(_Fields(realised, f"{where}, realisation {number}"),
                                       project)
            if _find(RealisationEntry, benefit_id=benefit.id, year=realised["year"]) is None:
                db.session.add(RealisationEntry(
                    benefit_id=benefit.id, year=realised["year"],
                    actual_sek=int(realised["actual_sek"]),
                    actual_cash_releasing_sek=int(realised.get("actual_cash_releasing_sek", 0)),
                    measured_by=realised.get("measured_by", ""),
                    evidence=realised.get("evidence", ""), recorded_at=_at(recorded_on)))
                report.add("realisations")


def _insert_benefit_maps(data_dir: Path, report: SeedReport) -> None:
    """Load benefit_maps.yaml through the network's services (so every rule checks the demo)."""
    from app.accounts.models import RoleAssignment
    from app.benefit_map import services as network

    path = data_dir / "benefit_maps.yaml"
    if not path.exists():
        return
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("benefit_maps", [])
    office = db.session.scalar(
        sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.PROGRAMME_OFFICE).order_by(User.id).limit(1))
    for index, entry in enumerate(entries):
        where = f"benefit_maps.yaml, map {index + 1} ({entry.get('project')})"
        project = _find(Project, title=entry.get("project"))
        if project is None or project.application_id is None:
            raise ValueError(f"{where}: there is no funded project with that title.")
        application = db.session.get(Application, project.application_id)
        calc = network.calculation_for(application)
        if network.nodes_of(calc.id):
            continue
        created_on = _Fields(entry, where).day("created_on")
        keys: dict[str, str] = {}
        try:
            for spec in entry.get("nodes", []):
                data = {"kind": spec["kind"], "label": spec.get("label", ""),
                        "responsible_name": spec.get("responsible", ""),
                        "due_on": spec.get("due_on"), "state": spec.get("state"),
                        "evidence": spec.get("evidence", ""), "done_on": spec.get("done_on")}
                if spec.get("organisation"):
                    organisation = _find(Organisation, name=spec["organisation"])
                    if organisation is None:
                        raise ValueError(f"{where}: no organisation {spec['organisation']!r}.")
                    data["organisation_id"] = organisation.id
                if spec.get("prerequisite"):
                    prerequisite = _find(Project, title=spec["prerequisite"])
                    if prerequisite is None:
                        raise ValueError(f"{where}: no project {spec['prerequisite']!r}.")
                    data["prerequisite_project_id"] = prerequisite.id
                node = network.add_node(application, data, office)
                node.created_on = created_on
                keys[spec["key"]] = network.node_key(node)
                report.add("benefit_map_nodes")
            ends = dict(keys)
            ends.update({f"benefit:{line.name}": network.benefit_key(line)
                         for line in network.current_lines(application)})
            ends.update({f"goal:{goal.number}": network.goal_key(goal)
                         for goal in application.programme.goals})
            for source, target in entry.get("links", []):
                missing = [name for name in (source, target) if name not in ends]
                if missing:
                    raise ValueError(f"{where}: no node, benefit line or goal {missing[0]!r}.")
                network.add_link(application, {"from": ends[source], "to": ends[target]},
                                 office)
                report.add("benefit_map_links")
        except DomainError as invalid:
            raise ValueError(f"{where}: {invalid.detail}") from None
        db.session.flush()


def _recorded_on(item: _Fields, project: Project) -> date:
    """The day a realisation was entered: within its year or after, once the project was funded."""
    recorded_on = item.day("recorded_on")
    year = item.whole("year", minimum=1)
    earliest = max(date(year, 1, 1), project.created_at.date())
    if recorded_on < earliest:
        raise item.error(f"'recorded_on' {recorded_on.isoformat()} is before "
                         f"{earliest.isoformat()}, when year {year} could first be measured")
    return recorded_on


def _insert_budget_cuts(data_dir: Path, programme: Programme, report: SeedReport) -> None:
    """Load budget_cuts.yaml: the policy and the council's adopted cuts, through the services."""
    from decimal import Decimal

    from app.accounts.models import RoleAssignment
    from app.budget_cuts import queries as cut_queries
    from app.budget_cuts import services as cuts

    data = yaml.safe_load((data_dir / "budget_cuts.yaml").read_text(encoding="utf-8")) or {}
    office = db.session.scalar(
        sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.PROGRAMME_OFFICE).order_by(User.id).limit(1))
    policies, years = [], []
    for number, policy in enumerate(data.get("policies", []), start=1):
        item = _Fields(policy, f"budget_cuts.yaml, policy {number}")
        policies.append((policy, _decided_on(item, programme)))
    for year in data.get("adopted", []):
        item = _Fields(year, f"budget_cuts.yaml, budget year {year.get('budget_year')}")
        decided_on = _decided_on(item, programme, item.whole("budget_year", minimum=1))
        proposed_on = item.day("proposed_on")
        if not programme.starts_on <= proposed_on <= decided_on:
            raise item.error(f"'proposed_on' {proposed_on.isoformat()} is not between the "
                             f"programme's start and the council's decision "
                             f"{decided_on.isoformat()}")
        years.append((year, (proposed_on, decided_on)))
    known_years = {p.valid_from_year for p in cut_queries.policies(programme)}
    for policy, decided_on in policies:
        if policy["valid_from_year"] not in known_years:
            values = {k: v for k, v in policy.items() if k != "decided_on"}
            row = cuts.create_policy(programme, {**values, "share": Decimal(str(policy["share"]))},
                                     office)
            row.created_at = _at(decided_on)
            report.add("budget_cut_policies")
    for year, days in years:
        _adopt_year(programme, year, days, office, report)
    db.session.flush()


# The council may round the figure the lines give, or change it by its own decision; the
# difference must be small (at most this share of the lines' figure) and give its reason.
MAX_COUNCIL_DIFFERENCE_SHARE = 0.02


def _adopt_year(programme: Programme, year: dict, days: tuple[date, date], office: User,
                report: SeedReport) -> None:
    """Propose a budget year's cuts from the lines as of `proposed_on`, then record what the
    council adopted on `decided_on`: each cut rests on its organisation's benefit lines."""
    from app.budget_cuts import queries as cut_queries
    from app.budget_cuts import services as cuts

    proposed_on, decided_on = days
    where = f"budget_cuts.yaml, budget year {year['budget_year']}"
    total = sum(cut["amount_sek"] for cut in year["cuts"])
    if total != year["total_sek"]:
        raise ValueError(f"{where}: the cuts add up to {total}, not the stated total "
                         f"{year['total_sek']}.")
    rows = cut_queries.entries(programme, budget_year=year["budget_year"])
    if rows:
        return
    proposals = {entry.organisation_id: entry for entry in cuts.propose_budget_cuts(
        programme, year["budget_year"], office, on=proposed_on)}
    for entry in proposals.values():
        entry.created_at = _at(proposed_on)
    listed = set()
    for number, cut in enumerate(year["cuts"], start=1):
        row = f"{where}, cut {number} ({cut.get('organisation')})"
        organisation = _find(Organisation, name=cut["organisation"])
        if organisation is None:
            raise ValueError(f"{row}: there is no organisation {cut['organisation']!r}.")
        listed.add(organisation.id)
        proposal = proposals.get(organisation.id)
        lines_sek = proposal.amount_sek if proposal is not None else 0
        if lines_sek == 0 and cut["amount_sek"] > 0:
            raise ValueError(f"{row}: the organisation owns no cash-releasing benefit line of a "
                             f"project decided by {proposed_on.isoformat()} that can back a cut "
                             f"for {year['budget_year']}.")
        if cut.get("lines_sek") != lines_sek:
            raise ValueError(f"{row}: the benefit lines give {lines_sek} SEK, not the stated "
                             f"lines_sek {cut.get('lines_sek')}.")
        difference = cut["amount_sek"] - lines_sek
        reason = (cut.get("reason") or "").strip()
        if difference and not reason:
            raise ValueError(f"{row}: the adopted {cut['amount_sek']} SEK differs from the "
                             f"lines' {lines_sek} SEK; give the reason.")
        if abs(difference) > MAX_COUNCIL_DIFFERENCE_SHARE * lines_sek:
            raise ValueError(f"{row}: the adopted {cut['amount_sek']} SEK differs from the "
                             f"lines' {lines_sek} SEK by more than "
                             f"{MAX_COUNCIL_DIFFERENCE_SHARE:.0%}.")
        entry = cuts.adopt_budget_cut(programme, organisation, year["budget_year"],
                                      int(cut["amount_sek"]), year["council_decision_ref"],
                                      reason, office)
        entry.created_at = _at(decided_on)
        report.add("adopted_budget_cuts")
    unlisted = sorted(_name(Organisation, org) for org, entry in proposals.items()
                      if org not in listed and entry.amount_sek)
    if unlisted:
        raise ValueError(f"{where}: the benefit lines propose a cut for {', '.join(unlisted)}, "
                         f"which the council's cuts do not list.")


def _name(model, row_id: int) -> str:
    return db.session.get(model, row_id).name


def _decided_on(item: _Fields, programme: Programme, budget_year: int | None = None) -> date:
    """The day a policy or the council's budget was decided: in the programme, before its year."""
    decided_on = item.day("decided_on")
    if not programme.starts_on <= decided_on <= programme.ends_on:
        raise item.error(f"'decided_on' {decided_on.isoformat()} is outside the programme period "
                         f"{programme.starts_on.isoformat()}–{programme.ends_on.isoformat()}")
    if budget_year is not None and decided_on >= date(budget_year, 1, 1):
        raise item.error(f"'decided_on' {decided_on.isoformat()} is not before budget year "
                         f"{budget_year} begins")
    return decided_on
