"""Excel sheets of a scenario and of a comparison, through the shared workbook writer."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.exports import ExportColumn
from reports.xlsx import SEK

from .figures import kind_label, measure_label, stage_label

YES, NO = _l("In"), _l("Out")


def _in_or_out(selected) -> str:
    if selected is None:
        return "–"
    return str(YES if selected else NO)


def _forced(item) -> str:
    return {"in": _("Forced in"), "out": _("Forced out")}.get(item.get("forced") or "", "")


CANDIDATE_COLUMNS = (
    ExportColumn(_l("Candidate"), lambda i: i["title"]),
    ExportColumn(_l("Reference"), lambda i: i["reference"] or ""),
    ExportColumn(_l("Organisation"), lambda i: i["organisation"]),
    ExportColumn(_l("Kind"), lambda i: kind_label(i["kind"])),
    ExportColumn(_l("Stage"), lambda i: stage_label(i["stage"])),
    ExportColumn(_l("Requested (kr)"), lambda i: i["cost_sek"], SEK),
    ExportColumn(_l("Net present value (kr)"), lambda i: i["npv_sek"], SEK, total=False),
    ExportColumn(_l("Strategic score"),
                 lambda i: None if i["score"] is None else round(i["score"], 2), total=False),
    ExportColumn(_l("Value"), lambda i: round(i["value"], 4), total=False),
    ExportColumn(_l("In the selection"), lambda i: _in_or_out(i["selected"])),
    ExportColumn(_l("Forced"), _forced),
    ExportColumn(_l("Reason"), lambda i: i.get("reason") or ""),
)
PAIR_COLUMNS = (ExportColumn(_l("Item"), lambda p: p[0]),
                ExportColumn(_l("Figure"), lambda p: p[1], total=False))


def scenario_sheets(scenario, names: dict[str, str]) -> list:
    """The scenario's summary, its candidates, and the goals its selection covers."""
    result = scenario.result
    summary = [
        (str(_l("Scenario")), scenario.name),
        (str(_l("Value to maximise")), measure_label(scenario.value_measure)),
        (str(_l("As of")), result["as_of_on"]),
        (str(_l("Budget (kr)")), result["budget_sek"]),
        (str(_l("Total cost (kr)")), result["total_cost_sek"]),
        (str(_l("Total value")), round(result["total_value"], 4)),
        (str(_l("Left in the envelope (kr)")), result["left_in_envelope_sek"]),
        (str(_l("Consistency ratio")), "" if scenario.consistency_ratio is None
         else round(scenario.consistency_ratio, 3)),
        *((str(_l("Weight: %(criterion)s", criterion=names.get(key, key))), round(weight, 4))
          for key, weight in result["weights"].items() if weight),
    ]
    goals = [(names.get(key, key), round(value, 2))
             for key, value in result["goals_covered"].items() if result["weights"].get(key)]
    goal_columns = (ExportColumn(_l("Criterion"), lambda p: p[0]),
                    ExportColumn(_l("Goals covered (sum of weighted scores)"), lambda p: p[1]))
    return [(_l("Summary"), PAIR_COLUMNS, summary),
            (_l("Candidates"), CANDIDATE_COLUMNS, result["candidates"]),
            (_l("Goals covered"), goal_columns, goals)]


def comparison_sheets(comparison: dict, names: dict[str, str]) -> list:
    """In or out per candidate and scenario; then totals and goals covered per scenario."""
    scenarios = comparison["scenarios"]
    columns = [ExportColumn(_l("Candidate"), lambda r: r["title"]),
               ExportColumn(_l("Organisation"), lambda r: r["organisation"]),
               ExportColumn(_l("Requested (kr)"), lambda r: r["cost_sek"], SEK, total=False)]
    for index, scenario in enumerate(scenarios):
        columns.append(ExportColumn(scenario.name,
                                    lambda r, i=index: _in_or_out(r["in"][i])))
    measures = [(_("Total cost (kr)"), "total_cost_sek"), (_("Total value"), "total_value"),
                (_("Left in the envelope (kr)"), "left_in_envelope_sek")]
    rows = [[label, *(totals[key] for totals in comparison["totals"])]
            for label, key in measures]
    rows += [[_("Goals covered: %(criterion)s", criterion=names.get(key, key)),
              *(round(t["goals_covered"].get(key, 0.0), 2) for t in comparison["totals"])]
             for key in comparison["criteria"]]
    total_columns = [ExportColumn(_l("Item"), lambda r: r[0])]
    for index, scenario in enumerate(scenarios):
        total_columns.append(ExportColumn(scenario.name, lambda r, i=index: r[i + 1],
                                          total=False))
    return [(_l("Candidates"), columns, comparison["rows"]),
            (_l("Totals"), total_columns, rows)]
