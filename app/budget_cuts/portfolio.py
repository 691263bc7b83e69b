"""A programme's portfolio for budget cuts: every benefit's planned and realised savings."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.benefits import queries as benefit_queries
from app.benefits.models import Benefit, BenefitLine, CalculationVersion, RealisationEntry
from app.core.enums import CostKind
from app.extensions import db
from app.programmes.models import Programme
from app.projects import queries as project_queries
from app.projects.models import Project

from . import rules


@dataclass
class Portfolio:
    """Every benefit of a programme's projects, loaded once: plans, running costs, realised."""

    programme: Programme
    projects: dict[int, Project] = field(default_factory=dict)
    benefits: dict[int, Benefit] = field(default_factory=dict)
    versions: dict[int, CalculationVersion] = field(default_factory=dict)
    lines: tuple[rules.SavingLine, ...] = ()
    realised: dict[tuple[int, int], int] = field(default_factory=dict)
    _lines_by_benefit: dict = field(default_factory=dict)
    _realised_by_owner: dict = field(default_factory=dict)
    _proposals: dict = field(default_factory=dict)

    @classmethod
    def load(cls, programme: Programme, on: date | None = None) -> "Portfolio":
        """Load the projects decided by `on` and the realisations recorded by it (None: all)."""
        portfolio = cls(programme)
        projects = sa.select(Project).where(Project.programme_id == programme.id)
        if on is not None:
            projects = projects.where(project_queries.exists_on(on))
        portfolio.projects = {p.id: p for p in db.session.scalars(projects)}
        benefits = db.session.scalars(
            sa.select(Benefit).where(Benefit.project_id.in_(list(portfolio.projects)))
            .options(selectinload(Benefit.plan_years)).order_by(Benefit.project_id, Benefit.id))
        portfolio.benefits = {b.id: b for b in benefits}
        version_of = {line_id: version_id for line_id, version_id in db.session.execute(
            sa.select(BenefitLine.id, BenefitLine.version_id).where(
                BenefitLine.id.in_([b.baseline_line_id for b in portfolio.benefits.values()])))}
        portfolio.versions = {v.id: v for v in db.session.scalars(
            sa.select(CalculationVersion).where(CalculationVersion.id.in_(set(version_of.values())))
            .options(selectinload(CalculationVersion.cost_lines)))}
        portfolio.lines = portfolio._saving_lines(version_of)
        portfolio._lines_by_benefit = {(line.benefit_id, line.saving_year): line
                                       for line in portfolio.lines}
        for benefit_id, year, amount in db.session.execute(
                sa.select(RealisationEntry.benefit_id, RealisationEntry.year,
                          RealisationEntry.actual_cash_releasing_sek)
                .where(RealisationEntry.benefit_id.in_(list(portfolio.benefits)),
                       benefit_queries.effective_entry(on))):
            portfolio.realised[(benefit_id, year)] = amount
            key = (portfolio.benefits[benefit_id].owner_organisation_id, year)
            portfolio._realised_by_owner[key] = portfolio._realised_by_owner.get(key, 0) + amount
        return portfolio

    def _running_cost(self, version: CalculationVersion, year: int) -> int:
        return rules.running_cost_sek(
            [c.by_year_sek for c in version.cost_lines if c.kind == CostKind.RUNNING],
            version.start_year, year)

    def _saving_lines(self, version_of: Mapping[int, int]) -> tuple[rules.SavingLine, ...]:
        """One line per benefit and planned year; each project-year's running cost pro rata."""
        raw: dict[tuple[int, int], list[tuple[Benefit, int, int]]] = {}
        for benefit in self.benefits.values():
            version_id = version_of[benefit.baseline_line_id]
            for plan in benefit.plan_years:
                raw.setdefault((benefit.project_id, plan.year), []).append(
                    (benefit, version_id, plan.planned_cash_releasing_sek))
        lines = []
        for (project_id, year), group in sorted(raw.items()):
            version = self.versions[group[0][1]]
            running = rules.allocate_sek(self._running_cost(version, year),
                                         [cash for _b, _v, cash in group])
            for (benefit, version_id, cash), cost in zip(group, running, strict=True):
                lines.append(rules.SavingLine(
                    organisation_id=benefit.owner_organisation_id, project_id=project_id,
                    benefit_id=benefit.id, calculation_version_id=version_id, saving_year=year,
                    cash_releasing_sek=cash, running_cost_sek=cost,
                    go_live_on=self.projects[project_id].go_live_on))
        return tuple(lines)

    def saving_line(self, benefit_id: int | None, year: int) -> rules.SavingLine | None:
        return self._lines_by_benefit.get((benefit_id, year))

    def realised_sek(self, organisation_id: int, year: int) -> int:
        """Return the realised cash-releasing savings of an organisation's benefits in a year."""
        return self._realised_by_owner.get((organisation_id, year), 0)

    def realising_organisations(self, year: int) -> set[int]:
        return {org for (org, y), amount in self._realised_by_owner.items() if y == year and amount}

    def proposal(self, policy: rules.Policy, budget_year: int,
                 previous: rules.Policy | None = None) -> rules.Proposal:
        key = (policy, budget_year, previous)
        if key not in self._proposals:
            self._proposals[key] = rules.propose(self.lines, policy, budget_year, previous)
        return self._proposals[key]

