"""Words and figures for the prioritisation pages: labels, Swedish numbers, the frontier chart."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.enums import ApplicationKind, ApplicationState
from app.core.labels import APPLICATION_KIND, APPLICATION_STATE
from reports.dashboard_figures import Chart
from reports.prioritisation_figures import frontier_chart

from .models import PrioritisationScenario
from .queries import IDEA
from .rules import FrontierPoint, ValueMeasure

MEASURES = {
    ValueMeasure.SCORE: _l("Strategic score"),
    ValueMeasure.NPV: _l("Net present value"),
    ValueMeasure.BLEND: _l("Blend of score and net present value"),
}


def format_number(value, decimals: int = 1) -> str:
    """A value the Swedish way: decimal comma, spaces between thousands (53,3; 1 200 000,0)."""
    if value is None:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def kind_label(kind: str) -> str:
    if kind == IDEA:
        return _("Approved idea")
    return str(APPLICATION_KIND.get(ApplicationKind(kind), kind))


def stage_label(stage: str) -> str:
    if stage in tuple(ApplicationState):
        return str(APPLICATION_STATE[ApplicationState(stage)])
    return _("Approved to apply")


def measure_label(measure) -> str:
    return str(MEASURES.get(ValueMeasure(str(measure)), measure))


@dataclass(frozen=True)
class ChartView:
    """What the page's chart section needs: a name for ids, a title, a summary, the chart."""

    name: str
    title: str
    summary: str
    chart: Chart


def frontier_view(scenario: PrioritisationScenario, points: list[FrontierPoint]) -> ChartView:
    result = scenario.result
    labels = {"budget": _("Budget (kr)"), "value": _("Best value"),
              "frontier": _("Efficient frontier"), "selection": _("This scenario's selection"),
              "envelope": _("Left in the envelope"), "count": _("Candidates chosen")}
    chart = frontier_chart([(p.budget_sek, p.value, len(p.selected)) for p in points],
                           selection=(result["total_cost_sek"], result["total_value"]),
                           envelope_sek=max(result["remaining_envelope_sek"], 0), labels=labels)
    summary = _("The best total value (%(measure)s) reachable at each budget, from nothing to "
                "everything requested. The diamond is this scenario's selection; the dashed "
                "line is what is left in the envelope.",
                measure=measure_label(scenario.value_measure))
    return ChartView("frontier", _("Efficient frontier"), summary, chart)
