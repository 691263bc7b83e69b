"""Evaluate many benefit calculations at once, as arrays: the same figures as `evaluate`.

Portfolio views and benchmarks evaluate every stored calculation; one at a time that is
Python arithmetic per line and year. Here every benefit line of every calculation is one row
of a matrix (years padded to the longest calculation, with discount factors of 0 past each
calculation's own end), so each figure is a handful of array operations. The arithmetic is
done in the same order as `calculation.evaluate`, so results agree to the krona.

NPV is linear in the calculation-level adoption target (every share is target × a ramp), so
the switching value is closed-form: NPV(τ) = NPV(0) + τ·PV(benefits at target 1 of the lines
that follow the calculation's adoption), and τ* = −NPV(0) / that slope when it lies in [0, 1].

Pure: numpy, the standard library and the calculation module only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.benefits.calculation import (
    ADOPTION_DEPENDENT_KINDS,
    CHANNEL_INDEX,
    Adoption,
    CalculationInput,
    Colour,
    round_sek,
)
from app.core.collector import without_collector
from app.core.enums import BenefitKind

_TOLERANCE = 1e-12


@dataclass(frozen=True)
class BatchResult:
    """Every figure of `len(calcs)` calculations; row i is calculation i, years padded."""

    calcs: tuple[CalculationInput, ...]
    benefits_by_year: np.ndarray
    costs_by_year: np.ndarray
    net_by_year: np.ndarray
    cash_releasing_by_year: np.ndarray
    pv_benefits: np.ndarray
    pv_costs: np.ndarray
    npv: np.ndarray
    bcr: np.ndarray
    payback_index: np.ndarray
    payback_years: np.ndarray
    discounted_payback_index: np.ndarray
    switching_adoption_target: np.ndarray
    sensitivity_npv: np.ndarray
    pv_green: np.ndarray
    qualitative_count: np.ndarray
    line_calc: np.ndarray
    line_by_year: np.ndarray
    line_cash_by_year: np.ndarray

    def __len__(self) -> int:
        return len(self.calcs)

    def result_dict(self, index: int) -> dict[str, Any]:
        """Calculation `index` in the public JSON form of `calculation.result_to_dict`."""
        calc = self.calcs[index]
        years = calc.years

        def sek(row) -> list[int]:
            return [round_sek(float(value)) for value in row[:years]]

        def optional(value: float, digits: int) -> float | None:
            return None if np.isnan(value) else round(float(value), digits)

        def year_of(position: int) -> int | None:
            return None if position < 0 else calc.start_year + int(position)

        rows = np.flatnonzero(self.line_calc == index)
        owners: dict[int, np.ndarray] = {}
        for row, line in zip(rows, calc.benefits, strict=True):
            if line.owner_organisation_id is not None:
                owners.setdefault(line.owner_organisation_id, []).append(
                    self.line_cash_by_year[row])
        pv_green = float(self.pv_green[index])
        return {
            "years": [calc.start_year + t for t in range(years)],
            "adoption_by_year": [round(share, 4) for share in calc.adoption.shares(years)],
            "benefits_by_year_sek": sek(self.benefits_by_year[index]),
            "costs_by_year_sek": sek(self.costs_by_year[index]),
            "net_by_year_sek": sek(self.net_by_year[index]),
            "cash_releasing_by_year_sek": sek(self.cash_releasing_by_year[index]),
            "cash_releasing_by_owner_sek": {
                str(owner): sek(_sequential_sum(series))
                for owner, series in sorted(owners.items())
            },
            "pv_benefits_sek": round_sek(float(self.pv_benefits[index])),
            "pv_costs_sek": round_sek(float(self.pv_costs[index])),
            "npv_sek": round_sek(float(self.npv[index])),
            "bcr": optional(self.bcr[index], 4),
            "payback_year": year_of(self.payback_index[index]),
            "payback_years": optional(self.payback_years[index], 2),
            "discounted_payback_year": year_of(self.discounted_payback_index[index]),
            "switching_adoption_target": optional(self.switching_adoption_target[index], 4),
            "sensitivity_npv_sek": round_sek(float(self.sensitivity_npv[index])),
            "pv_by_colour_sek": {
                Colour.GREEN.value: round_sek(pv_green),
                Colour.YELLOW.value: round_sek(float(self.pv_benefits[index]) - pv_green),
                Colour.BLUE.value: round_sek(float(self.pv_costs[index])),
            },
            "qualitative_count": int(self.qualitative_count[index]),
            "lines": [
                {"name": line.name, "kind": line.kind.value,
                 "by_year_sek": sek(self.line_by_year[row]),
                 "cash_releasing_by_year_sek": sek(self.line_cash_by_year[row])}
                for row, line in zip(rows, calc.benefits, strict=True)
            ],
        }


def _sequential_sum(series: list[np.ndarray]) -> np.ndarray:
    total = np.zeros_like(series[0])
    for row in series:
        total = total + row
    return total


def _padded(values, width: int) -> list[float]:
    return list(values) + [0.0] * (width - len(values))


def _ramp(target, go_live, ramp_years, t) -> np.ndarray:
    """`target × min((t − go_live + 1) / ramp_years, 1)` from go-live on, 0 before."""
    ramp = np.minimum((t - go_live[:, None] + 1) / ramp_years[:, None], 1.0)
    return np.where(t < go_live[:, None], 0.0, target[:, None] * ramp)


@dataclass
class _Lines:
    """Benefit lines flattened into columns, filled by one pass over the calculations."""

    calc: list[int]
    kind: list[int]
    volume: list[list[float]]
    unit_value: list[float]
    cash_share: list[float]
    explicit_shares: list[list[float]]
    ramp: list[tuple[float, float, float]]
    ramp_is_explicit: list[bool]
    follows_calc: list[bool]
    committed_hours: list[list[float]]
    hourly: list[float]
    fixed: list[list[float]]


_KIND_CODES = {kind: code for code, kind in enumerate(BenefitKind)}
_NO_ROWS = np.zeros((0, 1))
_STAFF = _KIND_CODES[BenefitKind.STAFF_TIME]
_FIXED = _KIND_CODES[BenefitKind.FIXED]
_QUALITATIVE = _KIND_CODES[BenefitKind.QUALITATIVE]


def _flatten(calcs: tuple[CalculationInput, ...], width: int) -> _Lines:
    lines = _Lines([], [], [], [], [], [], [], [], [], [], [], [])
    zeros = [0.0] * width
    for index, calc in enumerate(calcs):
        unit = calc.channel_unit_sek
        for line in calc.benefits:
            kind = line.kind
            lines.calc.append(index)
            lines.kind.append(_KIND_CODES[kind])
            lines.volume.append(_padded(line.volume_by_year or (), width))
            adoption: Adoption = line.adoption or calc.adoption
            lines.follows_calc.append(line.adoption is None
                                      and kind in ADOPTION_DEPENDENT_KINDS)
            lines.ramp_is_explicit.append(adoption.by_year is not None)
            lines.explicit_shares.append(_padded(adoption.by_year or (), width))
            lines.ramp.append((adoption.target, adoption.go_live_index, adoption.ramp_years))
            committed, hourly, fixed = zeros, 0.0, zeros
            if kind is BenefitKind.CHANNEL_SHIFT:
                baseline = sum(share * CHANNEL_INDEX[channel] * unit
                               for channel, share in line.channel_mix)
                value, cash = baseline - CHANNEL_INDEX["e_service"] * unit, \
                    line.cash_releasing_share
            elif kind is BenefitKind.STAFF_TIME:
                if line.hourly_cost_sek is not None:
                    hourly = line.hourly_cost_sek
                else:
                    oncost = calc.oncost_rate if line.oncost_rate is None else line.oncost_rate
                    hourly = (line.salary_sek or 0.0) * (1.0 + oncost) / calc.hours_per_fte
                value, cash = line.minutes_saved_per_case, 0.0
                committed = [fte * calc.hours_per_fte for fte in
                             _padded(line.committed_fte_by_year or (), width)]
            elif kind is BenefitKind.CITIZEN_TIME:
                value, cash = line.minutes_saved_per_case, 0.0
                hourly = line.value_per_hour_sek
            elif kind is BenefitKind.PER_CASE:
                value, cash = line.amount_sek, 1.0 if line.cash_releasing else 0.0
            elif kind is BenefitKind.FIXED:
                value, cash = 0.0, 1.0 if line.cash_releasing else 0.0
                fixed = _padded(line.by_year_sek or (), width)
            else:
                value, cash = 0.0, 0.0
            lines.unit_value.append(value)
            lines.cash_share.append(cash)
            lines.committed_hours.append(committed)
            lines.hourly.append(hourly)
            lines.fixed.append(fixed)
    return lines


@dataclass(frozen=True)
class Portfolio:
    """Calculations as arrays, built once by `prepare` and evaluated as often as needed."""

    calcs: tuple[CalculationInput, ...]
    width: int
    lengths: np.ndarray
    rates: np.ndarray
    explicit: np.ndarray
    benefits_change: np.ndarray
    costs_change: np.ndarray
    line_calc: np.ndarray
    kind: np.ndarray
    volume: np.ndarray
    unit_value: np.ndarray
    cash_share: np.ndarray
    explicit_shares: np.ndarray
    ramp: np.ndarray
    ramp_is_explicit: np.ndarray
    follows_calc: np.ndarray
    committed_hours: np.ndarray
    hourly: np.ndarray
    fixed: np.ndarray
    cost_rows: np.ndarray
    cost_calc: np.ndarray


@without_collector
def prepare(calcs) -> Portfolio:
    """Flatten parsed calculations into arrays (one pass of Python over every line; the lists
    it builds for 100 000 lines kept the cyclic collector scanning, so it is paused)."""
    calcs = tuple(calcs)
    count = len(calcs)
    width = max((calc.years for calc in calcs), default=1)
    lines = _flatten(calcs, width)
    lines_count = len(lines.calc)

    def matrix(rows) -> np.ndarray:
        return np.array(rows, dtype=float).reshape(len(rows), width)

    def vector(values, dtype=float) -> np.ndarray:
        return np.array(values, dtype=dtype).reshape(len(values))

    costs = [(index, cost.by_year_sek) for index, calc in enumerate(calcs)
             for cost in calc.costs]
    return Portfolio(
        calcs=calcs, width=width,
        lengths=vector([calc.years for calc in calcs], int),
        rates=vector([calc.discount_rate for calc in calcs]),
        explicit=vector([calc.adoption.is_explicit for calc in calcs], bool),
        benefits_change=vector([calc.sensitivity.benefits_change for calc in calcs]),
        costs_change=vector([calc.sensitivity.costs_change for calc in calcs]),
        line_calc=vector(lines.calc, int), kind=vector(lines.kind, int),
        volume=matrix(lines.volume), unit_value=vector(lines.unit_value),
        cash_share=vector(lines.cash_share), explicit_shares=matrix(lines.explicit_shares),
        ramp=np.array(lines.ramp, dtype=float).reshape(lines_count, 3),
        ramp_is_explicit=vector(lines.ramp_is_explicit, bool),
        follows_calc=vector(lines.follows_calc, bool),
        committed_hours=matrix(lines.committed_hours), hourly=vector(lines.hourly),
        fixed=matrix(lines.fixed),
        cost_rows=matrix([_padded(row, width) for _index, row in costs]),
        cost_calc=vector([index for index, _row in costs], int),
    ) if count else _EMPTY


def _line_values(lines: Portfolio, *, target_one: bool = False
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Each line's value and cash-releasing part per year (`calculation._line_by_year`)."""
    t = np.arange(lines.width)
    kind = lines.kind
    target = np.where(lines.follows_calc & target_one, 1.0, lines.ramp[:, 0])
    shares = np.where(lines.ramp_is_explicit[:, None], lines.explicit_shares,
                      _ramp(target, lines.ramp[:, 1], lines.ramp[:, 2], t))
    cases = lines.volume * shares
    unit_value = lines.unit_value[:, None]
    cash_share = lines.cash_share[:, None]
    hourly = lines.hourly[:, None]

    values = cases * unit_value
    cash = values * cash_share
    citizen = kind == _KIND_CODES[BenefitKind.CITIZEN_TIME]
    values[citizen] = (cases[citizen] * unit_value[citizen] / 60.0) * hourly[citizen]
    staff = kind == _STAFF
    hours = cases[staff] * unit_value[staff] / 60.0
    values[staff] = hours * hourly[staff]
    cash[staff] = np.minimum(lines.committed_hours[staff], hours) * hourly[staff]
    fixed = kind == _FIXED
    values[fixed] = lines.fixed[fixed]
    cash[fixed] = values[fixed] * cash_share[fixed]
    qualitative = kind == _QUALITATIVE
    values[qualitative] = 0.0
    cash[qualitative] = 0.0
    return values, cash


def _by_calc(rows: np.ndarray, owners: np.ndarray, count: int, width: int) -> np.ndarray:
    """Sum rows into their calculation's row, in row order (as Python's sum does)."""
    total = np.zeros((count, width))
    np.add.at(total, owners, rows)
    return total


def _first_non_negative(cumulative: np.ndarray, valid: np.ndarray) -> np.ndarray:
    reached = (cumulative >= 0) & valid
    return np.where(reached.any(axis=1), reached.argmax(axis=1), -1)


def evaluate_many(calcs) -> BatchResult:
    """Evaluate every calculation (or a prepared portfolio); figures equal `evaluate`'s."""
    portfolio = calcs if isinstance(calcs, Portfolio) else prepare(calcs)
    calcs, width, count = portfolio.calcs, portfolio.width, len(portfolio.calcs)
    t = np.arange(width)
    valid = t[None, :] < portfolio.lengths[:, None]
    factors = np.where(valid, (1.0 + portfolio.rates[:, None]) ** -t[None, :], 0.0)

    line_calc = portfolio.line_calc
    values, cash = _line_values(portfolio)
    benefits = _by_calc(values, line_calc, count, width)
    cash_releasing = _by_calc(cash, line_calc, count, width)
    costs = _by_calc(portfolio.cost_rows, portfolio.cost_calc, count, width)
    net = benefits - costs

    pv_benefits = (benefits * factors).sum(axis=1)
    pv_costs = (costs * factors).sum(axis=1)
    pv_green = (cash_releasing * factors).sum(axis=1)
    npv = pv_benefits - pv_costs

    cumulative = np.cumsum(net, axis=1)
    payback = _first_non_negative(cumulative, valid)
    rows = np.arange(count)
    at = np.maximum(payback, 0)
    previous = np.where(at > 0, cumulative[rows, np.maximum(at - 1, 0)], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        payback_years = np.where(payback < 0, np.nan, np.where(
            payback == 0, 0.0, (at - 1) + np.abs(previous) / net[rows, at]))
        bcr = np.where(pv_costs != 0, pv_benefits / np.where(pv_costs != 0, pv_costs, 1), np.nan)
    discounted = _first_non_negative(np.cumsum(net * factors, axis=1), valid)

    follows = portfolio.follows_calc[:, None]
    at_one, _cash = _line_values(portfolio, target_one=True)
    line_factors = factors[line_calc]
    slope = _by_calc(np.where(follows, at_one, 0.0) * line_factors, line_calc, count,
                     width).sum(axis=1)
    npv_at_zero = _by_calc(np.where(follows, 0.0, values) * line_factors, line_calc, count,
                           width).sum(axis=1) - pv_costs
    explicit = portfolio.explicit
    with np.errstate(divide="ignore", invalid="ignore"):
        target = -npv_at_zero / slope
    inside = (~explicit) & (slope > 0) & (target >= -_TOLERANCE) & (target <= 1 + _TOLERANCE)
    switching = np.where(inside, np.clip(target, 0.0, 1.0), np.nan)

    benefits_change, costs_change = portfolio.benefits_change, portfolio.costs_change
    qualitative = np.bincount(line_calc[portfolio.kind == _QUALITATIVE], minlength=count)
    return BatchResult(
        calcs=calcs, benefits_by_year=benefits, costs_by_year=costs, net_by_year=net,
        cash_releasing_by_year=cash_releasing, pv_benefits=pv_benefits, pv_costs=pv_costs,
        npv=npv, bcr=bcr, payback_index=payback, payback_years=payback_years,
        discounted_payback_index=discounted, switching_adoption_target=switching,
        sensitivity_npv=(1 + benefits_change) * pv_benefits - (1 + costs_change) * pv_costs,
        pv_green=pv_green, qualitative_count=qualitative, line_calc=line_calc,
        line_by_year=values, line_cash_by_year=cash,
    )


_EMPTY = Portfolio(
    calcs=(), width=1, lengths=np.zeros(0, int), rates=np.zeros(0), explicit=np.zeros(0, bool),
    benefits_change=np.zeros(0), costs_change=np.zeros(0), line_calc=np.zeros(0, int),
    kind=np.zeros(0, int), volume=_NO_ROWS, unit_value=np.zeros(0), cash_share=np.zeros(0),
    explicit_shares=_NO_ROWS, ramp=np.zeros((0, 3)), ramp_is_explicit=np.zeros(0, bool),
    follows_calc=np.zeros(0, bool), committed_hours=_NO_ROWS, hourly=np.zeros(0),
    fixed=_NO_ROWS, cost_rows=_NO_ROWS, cost_calc=np.zeros(0, int))
