"""The audit export: the calculation as live Excel formulas beside the engine's figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.benefits.calculation import (
    BASELINE_CHANNELS,
    CHANNEL_INDEX,
    BenefitKind,
    BenefitLine,
    CalculationDefaults,
    CalculationInput,
    parse_calculation,
)
from reports.xlsx import (
    INT_FORMAT,
    PERCENT_FORMAT,
    SEK_FORMAT,
    set_safe_value,
    workbook_bytes,
)

from .layout import (
    _BOLD,
    _NOTE_FONT,
    _TITLE,
    _YELLOW,
    CHANNEL_LABELS,
    COST_KIND_LABELS,
    DECIMAL_FORMAT,
    HOURS_FORMAT,
    KIND_LABELS,
    RATIO_FORMAT,
    RECIPIENT_LABELS,
    SHEET_EXPORT,
    VOLUME_FORMAT,
)
from .template import _header


@dataclass(frozen=True)
class _ResultRow:
    """One row of the export's result block: result key, label, unit and number format."""

    key: str
    label: str
    unit: str
    number_format: str


RESULT_ROWS: tuple[_ResultRow, ...] = (
    _ResultRow("pv_benefits_sek", "Nuvärde nyttor PV(B)", "kr", SEK_FORMAT),
    _ResultRow("pv_costs_sek", "Nuvärde kostnader PV(C)", "kr", SEK_FORMAT),
    _ResultRow("npv_sek", "Nettonuvärde NPV = Σ (B_t − C_t) · DF_t", "kr", SEK_FORMAT),
    _ResultRow("bcr", "Nyttokostnadskvot BCR = PV(B) / PV(C)", "kvot", RATIO_FORMAT),
    _ResultRow("sensitivity_npv_sek", "Nettonuvärde i känslighetsscenariot", "kr",
               SEK_FORMAT),
    _ResultRow("pv_by_colour_sek.green", "Nuvärde kostnadsfrigörande nyttor (grön)", "kr",
               SEK_FORMAT),
    _ResultRow("pv_by_colour_sek.yellow", "Nuvärde övriga värderade nyttor (gul)", "kr",
               SEK_FORMAT),
    _ResultRow("payback_year", "Återbetalningsår (ackumulerat netto ≥ 0)", "år", INT_FORMAT),
    _ResultRow("payback_years", "Återbetalningstid", "år", "0.00"),
    _ResultRow("discounted_payback_year", "Återbetalningsår, diskonterat", "år", INT_FORMAT),
    _ResultRow("switching_adoption_target", "Brytpunkt: införandegrad A där NPV = 0", "andel",
               PERCENT_FORMAT),
    _ResultRow("qualitative_count", "Kvalitativa nyttor (räknas, värderas inte)", "st",
               INT_FORMAT),
)
RESULT_HEADER_ROW = 5
FIRST_RESULT_ROW = RESULT_HEADER_ROW + 1
EXPORT_RESULT_CELLS: Mapping[str, str] = {
    row.key: f"C{FIRST_RESULT_ROW + index}" for index, row in enumerate(RESULT_ROWS)
}
EXPORT_ENGINE_CELLS: Mapping[str, str] = {
    row.key: f"D{FIRST_RESULT_ROW + index}" for index, row in enumerate(RESULT_ROWS)
}
FIRST_BODY_ROW = FIRST_RESULT_ROW + len(RESULT_ROWS) + 1
LABEL_COL, UNIT_COL, VALUE_COL, ENGINE_COL, FIRST_YEAR_COL = 1, 2, 3, 4, 5
ENGINE_LABEL = "Beräknat av systemet"
MAX_SUM_ARGUMENTS = 200


def _engine_series(result: Mapping[str, Any] | None, key: str) -> Sequence[Any] | None:
    """Return one of the engine's per-year series, or None when no result was given."""
    return None if result is None else result.get(key)


def _engine_value(result: Mapping[str, Any], key: str) -> Any:
    """Look up `a.b` in the engine's result dict."""
    value: Any = result
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


class _ExportSheet:
    """Write the audit sheet top to bottom, remembering where each input and row went."""

    def __init__(self, ws: Worksheet, calc: CalculationInput):
        """Start below the reserved result block."""
        self.ws = ws
        self.calc = calc
        self.row = FIRST_BODY_ROW
        self.refs: dict[str, str] = {}

    def col(self, t: int) -> str:
        """Return the column letter of year index `t`."""
        return get_column_letter(FIRST_YEAR_COL + t)

    def span(self, row: int) -> str:
        """Return the year range of a row, e.g. "E40:I40"."""
        return f"{self.col(0)}{row}:{self.col(self.calc.years - 1)}{row}"

    def next_row(self) -> int:
        """Take the next row."""
        row = self.row
        self.row += 1
        return row

    def section(self, title: str, *, with_years: bool = False) -> None:
        """Write a bold section heading after a blank row, with the years repeated if asked."""
        self.row += 1
        row = self.next_row()
        cell = self.ws.cell(row=row, column=LABEL_COL)
        set_safe_value(cell, title)
        cell.font = _BOLD
        if with_years:
            for t in range(self.calc.years):
                self.formula(row, FIRST_YEAR_COL + t, f"={self.col(t)}${self.refs['year_row']}",
                             INT_FORMAT)
                self.ws.cell(row=row, column=FIRST_YEAR_COL + t).font = _BOLD

    def label(self, row: int, text: str, unit: str = "", *, bold: bool = False) -> None:
        """Write a row's label and unit."""
        cell = set_safe_value(self.ws.cell(row=row, column=LABEL_COL), text)
        if bold:
            cell.font = _BOLD
        if unit:
            set_safe_value(self.ws.cell(row=row, column=UNIT_COL), unit)

    def value(self, row: int, col: int, value: Any, number_format: str | None,
              *, is_input: bool = True) -> str:
        """Write a plain value (yellow when it is an input) and return its absolute address."""
        cell = self.ws.cell(row=row, column=col)
        set_safe_value(cell, value, number_format)
        if is_input:
            cell.fill = _YELLOW
        return f"${get_column_letter(col)}${row}"

    def formula(self, row: int, col: int, text: str, number_format: str | None) -> str:
        """Write a formula built here from cell references and return its absolute address."""
        cell = self.ws.cell(row=row, column=col)
        cell.value = text
        if number_format:
            cell.number_format = number_format
        return f"${get_column_letter(col)}${row}"

    def scalar(self, text: str, unit: str, value: Any, number_format: str | None,
               *, is_input: bool = True) -> str:
        """Write a labelled value in column C and return its absolute address."""
        row = self.next_row()
        self.label(row, text, unit)
        return self.value(row, VALUE_COL, value, number_format, is_input=is_input)

    def scalar_formula(self, text: str, unit: str, formula: str,
                       number_format: str | None) -> str:
        """Write a labelled formula in column C and return its absolute address."""
        row = self.next_row()
        self.label(row, text, unit)
        return self.formula(row, VALUE_COL, formula, number_format)

    def yearly_values(self, text: str, unit: str, values: Sequence[Any],
                      number_format: str | None, *, is_input: bool = True) -> int:
        """Write one value per year and return the row."""
        row = self.next_row()
        self.label(row, text, unit)
        for t, value in enumerate(values):
            self.value(row, FIRST_YEAR_COL + t, value, number_format, is_input=is_input)
        return row

    def yearly_formula(self, text: str, unit: str, build: Callable[[int, str], str],
                       number_format: str | None) -> int:
        """Write a formula per year, `build(t, column_letter)`, and return the row."""
        row = self.next_row()
        self.label(row, text, unit)
        for t in range(self.calc.years):
            self.formula(row, FIRST_YEAR_COL + t, build(t, self.col(t)), number_format)
        return row

    def engine_row(self, text: str, values: Sequence[Any] | None) -> None:
        """Write the engine's own figures for a row as plain grey values, for comparison."""
        if values is None:
            return
        row = self.yearly_values(f"{text} – {ENGINE_LABEL}", "kr", values, SEK_FORMAT,
                                 is_input=False)
        for col in range(LABEL_COL, FIRST_YEAR_COL + self.calc.years):
            self.ws.cell(row=row, column=col).font = _NOTE_FONT


def _adoption_formula(t_row: int, col: str, target: str, ramp: str, go_live: str) -> str:
    """Build a_t = 0 before go-live, else A · min((t − g + 1) / R, 1)."""
    t = f"{col}${t_row}"
    return f"=IF({t}<{go_live},0,{target}*MIN(({t}-{go_live}+1)/{ramp},1))"


def _sum_of(cells: Sequence[str]) -> str:
    """Add cells in SUMs of at most 200 arguments, inside Excel's 255-argument limit."""
    if not cells:
        return "=0"
    chunks = [cells[i:i + MAX_SUM_ARGUMENTS] for i in range(0, len(cells), MAX_SUM_ARGUMENTS)]
    return "=" + "+".join("SUM(" + ",".join(chunk) + ")" for chunk in chunks)


def _write_settings(sheet: _ExportSheet) -> None:
    """Write the calculation's settings, channel indices and the year rows."""
    calc = sheet.calc
    refs = sheet.refs
    sheet.section("Inställningar (gula celler är indata)")
    refs["start"] = sheet.scalar("Startår (år 0, diskonteras inte)", "år", calc.start_year,
                                 INT_FORMAT)
    sheet.scalar("Antal år (N)", "år", calc.years, INT_FORMAT, is_input=False)
    refs["rate"] = sheet.scalar("Kalkylränta (r)", "andel per år", calc.discount_rate,
                                PERCENT_FORMAT)
    refs["unit"] = sheet.scalar("Kanalenhet (u)", "kr per indexpoäng", calc.channel_unit_sek,
                                SEK_FORMAT)
    refs["hours"] = sheet.scalar("Timmar per årsarbetare", "timmar/år", calc.hours_per_fte,
                                 VOLUME_FORMAT)
    refs["oncost"] = sheet.scalar("PO-pålägg", "andel av lönen", calc.oncost_rate,
                                  PERCENT_FORMAT)
    adoption = calc.adoption
    if not adoption.is_explicit:
        refs["target"] = sheet.scalar("Införandegrad, mål (A)", "andel", adoption.target,
                                      PERCENT_FORMAT)
        refs["ramp"] = sheet.scalar("Upptrappningstid (R)", "år", adoption.ramp_years,
                                    INT_FORMAT)
        refs["go_live"] = sheet.scalar("Driftstart (g)", "år efter startåret",
                                       adoption.go_live_index, INT_FORMAT)
    refs["benefits_change"] = sheet.scalar("Känslighet: ändring av nyttor", "andel",
                                           calc.sensitivity.benefits_change, PERCENT_FORMAT)
    refs["costs_change"] = sheet.scalar("Känslighet: ändring av kostnader", "andel",
                                        calc.sensitivity.costs_change, PERCENT_FORMAT)
    sheet.section("Kanalindex (metodens konstanter)")
    for channel, index in CHANNEL_INDEX.items():
        refs[f"index.{channel}"] = sheet.scalar(f"Kanalindex {CHANNEL_LABELS[channel][0]}",
                                                "indexpoäng", index, INT_FORMAT, is_input=False)
    sheet.section("Tidslinje och diskontering")
    year_row = sheet.next_row()
    sheet.label(year_row, "År", "år", bold=True)
    for t in range(calc.years):
        text = f"={refs['start']}" if t == 0 else f"={sheet.col(t - 1)}{year_row}+1"
        sheet.formula(year_row, FIRST_YEAR_COL + t, text, INT_FORMAT)
        sheet.ws.cell(row=year_row, column=FIRST_YEAR_COL + t).font = _BOLD
    refs["year_row"] = str(year_row)
    t_row = sheet.yearly_formula("t (år efter startåret)", "år",
                                 lambda t, c: f"={c}${year_row}-{refs['start']}", INT_FORMAT)
    refs["t_row"] = str(t_row)
    if adoption.is_explicit:
        adoption_row = sheet.yearly_values("Införandegrad a_t (angiven per år)", "andel",
                                           list(adoption.by_year or ()), PERCENT_FORMAT)
    else:
        adoption_row = sheet.yearly_formula(
            "Införandegrad a_t = 0 före g, sedan A · min((t − g + 1) / R; 1)", "andel",
            lambda t, c: _adoption_formula(t_row, c, refs["target"], refs["ramp"],
                                           refs["go_live"]),
            PERCENT_FORMAT,
        )
    refs["adoption_row"] = str(adoption_row)
    refs["df_row"] = str(sheet.yearly_formula(
        "Diskonteringsfaktor DF_t = 1 / (1 + r)^t", "faktor",
        lambda t, c: f"=1/(1+{refs['rate']})^{c}${t_row}", RATIO_FORMAT,
    ))


def _line_adoption_row(sheet: _ExportSheet, line: BenefitLine) -> int:
    """Write the line's adoption row: the calculation's, or the line's own ramp or values."""
    refs = sheet.refs
    own = line.adoption
    if own is None:
        return sheet.yearly_formula("Införandegrad (kalkylens)", "andel",
                                    lambda t, c: f"={c}${refs['adoption_row']}", PERCENT_FORMAT)
    if own.is_explicit:
        return sheet.yearly_values("Införandegrad (radens egen, per år)", "andel",
                                   list(own.by_year or ()), PERCENT_FORMAT)
    target = sheet.scalar("Radens införandegrad, mål (A)", "andel", own.target, PERCENT_FORMAT)
    ramp = sheet.scalar("Radens upptrappningstid (R)", "år", own.ramp_years, INT_FORMAT)
    go_live = sheet.scalar("Radens driftstart (g)", "år efter startåret", own.go_live_index,
                           INT_FORMAT)
    t_row = int(refs["t_row"])
    return sheet.yearly_formula(
        "Införandegrad (radens egen ramp)", "andel",
        lambda t, c: _adoption_formula(t_row, c, target, ramp, go_live), PERCENT_FORMAT,
    )


def _volume_and_adoption(sheet: _ExportSheet, line: BenefitLine) -> tuple[int, int]:
    """Write the volume and adoption rows an adoption-dependent line starts with."""
    volume = sheet.yearly_values("Volym V_t", "ärenden/år",
                                 list(line.volume_by_year or (0,) * sheet.calc.years),
                                 VOLUME_FORMAT)
    return volume, _line_adoption_row(sheet, line)


def _write_line(sheet: _ExportSheet, index: int, line: BenefitLine,
                engine_line: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """Write one benefit line's block; return its value and cash-releasing rows if valued."""
    kind = line.kind
    sheet.row += 1
    head = sheet.next_row()
    name_cell = sheet.ws.cell(row=head, column=LABEL_COL)
    set_safe_value(name_cell, line.name)
    name_cell.font = _BOLD
    recipient = RECIPIENT_LABELS[line.recipient][0] if line.recipient else "–"
    set_safe_value(sheet.ws.cell(row=head, column=UNIT_COL),
                   f"Nytta {index + 1}: {KIND_LABELS[kind][0]}, {recipient}")
    if line.owner_organisation_id is not None:
        sheet.scalar("Ägande organisation (id)", "id", line.owner_organisation_id, INT_FORMAT)
    if kind is BenefitKind.QUALITATIVE:
        sheet.scalar("Mål", "nr", line.goal, INT_FORMAT)
        sheet.scalar("Indikator", "", line.indicator, None)
        sheet.label(sheet.next_row(), "Räknas men värderas inte i kronor (röd).")
        return None
    if kind is BenefitKind.FIXED:
        amounts = sheet.yearly_values("Fast belopp", "kr", list(line.by_year_sek or ()),
                                      SEK_FORMAT)
        flag = sheet.scalar("Kostnadsfrigörande (1 = ja, 0 = nej)", "1/0",
                            int(line.cash_releasing), INT_FORMAT)
        value = sheet.yearly_formula("Värde", "kr", lambda t, c: f"={c}{amounts}", SEK_FORMAT)
        cash = sheet.yearly_formula("Varav kostnadsfrigörande", "kr",
                                    lambda t, c: f"={c}{value}*{flag}", SEK_FORMAT)
    else:
        volume, adoption = _volume_and_adoption(sheet, line)
        cases = f"{{c}}{volume}*{{c}}{adoption}"
        if kind is BenefitKind.CHANNEL_SHIFT:
            value, cash = _write_channel_shift(sheet, line, cases)
        elif kind is BenefitKind.STAFF_TIME:
            value, cash = _write_staff_time(sheet, line, cases)
        elif kind is BenefitKind.CITIZEN_TIME:
            minutes = sheet.scalar("Minuter sparade per ärende m", "min",
                                   line.minutes_saved_per_case, HOURS_FORMAT)
            per_hour = sheet.scalar("Värde per timme", "kr/timme", line.value_per_hour_sek,
                                    SEK_FORMAT)
            value = sheet.yearly_formula(
                "Värde = V_t · a_t · m / 60 · värde per timme", "kr",
                lambda t, c: "=" + cases.format(c=c) + f"*{minutes}/60*{per_hour}", SEK_FORMAT,
            )
            cash = sheet.yearly_formula("Varav kostnadsfrigörande (aldrig för medborgartid)",
                                        "kr", lambda t, c: "=0", SEK_FORMAT)
        else:
            amount = sheet.scalar("Belopp per ärende", "kr", line.amount_sek, SEK_FORMAT)
            flag = sheet.scalar("Kostnadsfrigörande (1 = ja, 0 = nej)", "1/0",
                                int(line.cash_releasing), INT_FORMAT)
            value = sheet.yearly_formula(
                "Värde = V_t · a_t · belopp", "kr",
                lambda t, c: "=" + cases.format(c=c) + f"*{amount}", SEK_FORMAT,
            )
            cash = sheet.yearly_formula("Varav kostnadsfrigörande", "kr",
                                        lambda t, c: f"={c}{value}*{flag}", SEK_FORMAT)
    if engine_line is not None:
        sheet.engine_row("Värde", engine_line.get("by_year_sek"))
    return value, cash


def _write_channel_shift(sheet: _ExportSheet, line: BenefitLine, cases: str) -> tuple[int, int]:
    """Write the channel mix, the saving per case and the channel-shift value rows."""
    refs = sheet.refs
    mix = dict(line.channel_mix)
    terms = []
    for channel in BASELINE_CHANNELS:
        share = sheet.scalar(f"Andel {CHANNEL_LABELS[channel][0]} s_c", "andel",
                             mix.get(channel, 0), PERCENT_FORMAT)
        terms.append(f"{share}*{refs[f'index.{channel}']}")
    saving = sheet.scalar_formula(
        "Besparing per ärende = Σ s_c · k_c · u − k_e-tjänst · u", "kr/ärende",
        f"=({'+'.join(terms)})*{refs['unit']}-{refs['index.e_service']}*{refs['unit']}",
        SEK_FORMAT,
    )
    share = sheet.scalar("Kostnadsfrigörande andel", "andel", line.cash_releasing_share,
                         PERCENT_FORMAT)
    value = sheet.yearly_formula("Värde = V_t · a_t · besparing per ärende", "kr",
                                 lambda t, c: "=" + cases.format(c=c) + f"*{saving}",
                                 SEK_FORMAT)
    cash = sheet.yearly_formula("Varav kostnadsfrigörande", "kr",
                                lambda t, c: f"={c}{value}*{share}", SEK_FORMAT)
    return value, cash


def _write_staff_time(sheet: _ExportSheet, line: BenefitLine, cases: str) -> tuple[int, int]:
    """Write minutes, hourly cost, hours, committed FTEs and the staff-time value rows."""
    refs = sheet.refs
    minutes = sheet.scalar("Minuter sparade per ärende m", "min", line.minutes_saved_per_case,
                           HOURS_FORMAT)
    if line.hourly_cost_sek is not None:
        hourly = sheet.scalar("Timkostnad h", "kr/timme", line.hourly_cost_sek, SEK_FORMAT)
    else:
        salary = sheet.scalar("Årslön", "kr/år", line.salary_sek, SEK_FORMAT)
        if line.oncost_rate is None:
            oncost = sheet.scalar_formula("PO-pålägg (kalkylens)", "andel",
                                          f"={refs['oncost']}", PERCENT_FORMAT)
        else:
            oncost = sheet.scalar("PO-pålägg (radens eget)", "andel", line.oncost_rate,
                                  PERCENT_FORMAT)
        hourly = sheet.scalar_formula(
            "Timkostnad h = årslön · (1 + PO) / timmar per årsarbetare", "kr/timme",
            f"={salary}*(1+{oncost})/{refs['hours']}", SEK_FORMAT,
        )
    hours = sheet.yearly_formula("Sparade timmar = V_t · a_t · m / 60", "timmar",
                                 lambda t, c: "=" + cases.format(c=c) + f"*{minutes}/60",
                                 HOURS_FORMAT)
    fte = sheet.yearly_values("Åtagna årsarbetare", "åa",
                              list(line.committed_fte_by_year or (0,) * sheet.calc.years),
                              DECIMAL_FORMAT)
    value = sheet.yearly_formula("Värde = timmar · h", "kr",
                                 lambda t, c: f"={c}{hours}*{hourly}", SEK_FORMAT)
    cash = sheet.yearly_formula(
        "Varav kostnadsfrigörande = min(åa · timmar per åa; timmar) · h", "kr",
        lambda t, c: f"=MIN({c}{fte}*{refs['hours']},{c}{hours})*{hourly}", SEK_FORMAT,
    )
    return value, cash


def _write_totals(sheet: _ExportSheet, value_rows: Sequence[int], cash_rows: Sequence[int],
                  cost_rows: Sequence[int], result: Mapping[str, Any] | None) -> dict[str, int]:
    """Write the yearly totals, cumulative and discounted net and the payback helpers."""
    sheet.section("Summering per år", with_years=True)
    df = sheet.refs["df_row"]
    rows: dict[str, int] = {}
    rows["benefits"] = sheet.yearly_formula(
        "Nyttor B_t", "kr", lambda t, c: _sum_of([f"{c}{r}" for r in value_rows]), SEK_FORMAT)
    sheet.engine_row("Nyttor", _engine_series(result, "benefits_by_year_sek"))
    if cost_rows:
        first, last = min(cost_rows), max(cost_rows)
        rows["costs"] = sheet.yearly_formula("Kostnader C_t", "kr",
                                             lambda t, c: f"=SUM({c}{first}:{c}{last})",
                                             SEK_FORMAT)
    else:
        rows["costs"] = sheet.yearly_formula("Kostnader C_t", "kr", lambda t, c: "=0",
                                             SEK_FORMAT)
    sheet.engine_row("Kostnader", _engine_series(result, "costs_by_year_sek"))
    rows["net"] = sheet.yearly_formula(
        "Netto B_t − C_t", "kr", lambda t, c: f"={c}{rows['benefits']}-{c}{rows['costs']}",
        SEK_FORMAT)
    sheet.engine_row("Netto", _engine_series(result, "net_by_year_sek"))
    rows["cash"] = sheet.yearly_formula(
        "Kostnadsfrigörande nyttor", "kr", lambda t, c: _sum_of([f"{c}{r}" for r in cash_rows]),
        SEK_FORMAT)
    sheet.engine_row("Kostnadsfrigörande", _engine_series(result, "cash_releasing_by_year_sek"))
    rows["discounted"] = sheet.yearly_formula(
        "Diskonterat netto (B_t − C_t) · DF_t", "kr",
        lambda t, c: f"={c}{rows['net']}*{c}{df}", SEK_FORMAT)
    for name, source, text in (("cum", "net", "Ackumulerat netto"),
                               ("dcum", "discounted", "Ackumulerat diskonterat netto")):
        own, added = sheet.row, rows[source]
        rows[name] = sheet.yearly_formula(
            text, "kr",
            lambda t, c, own=own, added=added: (f"={c}{added}" if t == 0 else
                                                f"={sheet.col(t - 1)}{own}+{c}{added}"),
            SEK_FORMAT)
    for name, source, text in (("paid", "cum", "Återbetald (1 = ackumulerat netto ≥ 0)"),
                               ("dpaid", "dcum", "Återbetald diskonterat (1 = ja)")):
        rows[name] = sheet.yearly_formula(
            text, "1/0", lambda t, c, s=source: f"=IF({c}{rows[s]}>=0,1,0)", INT_FORMAT)
    return rows


def _write_results(sheet: _ExportSheet, rows: Mapping[str, int],
                   result: Mapping[str, Any] | None) -> None:
    """Fill the reserved result block: formulas in C, the engine's figures in D."""
    ws, span, refs = sheet.ws, sheet.span, sheet.refs
    df = span(int(refs["df_row"]))
    cell = {row.key: f"${EXPORT_RESULT_CELLS[row.key][0]}${EXPORT_RESULT_CELLS[row.key][1:]}"
            for row in RESULT_ROWS}
    years = span(int(refs["year_row"]))

    def payback(flags: str, cum: str, net: str) -> tuple[str, str]:
        """Build the payback year and fractional payback formulas from 1/0 flags."""
        m = f"MATCH(1,{flags},0)"
        year = f'=IFERROR(INDEX({years},{m}),"aldrig")'
        fraction = (f'=IFERROR(IF({m}=1,0,{m}-2+ABS(INDEX({cum},{m}-1))/INDEX({net},{m})),'
                    '"aldrig")')
        return year, fraction

    payback_year, payback_years = payback(span(rows["paid"]), span(rows["cum"]),
                                          span(rows["net"]))
    discounted_year, _ = payback(span(rows["dpaid"]), span(rows["dcum"]),
                                 span(rows["discounted"]))
    formulas = {
        "pv_benefits_sek": f"=SUMPRODUCT({span(rows['benefits'])},{df})",
        "pv_costs_sek": f"=SUMPRODUCT({span(rows['costs'])},{df})",
        "npv_sek": f"=SUMPRODUCT({span(rows['benefits'])}-{span(rows['costs'])},{df})",
        "bcr": f'=IF({cell["pv_costs_sek"]}=0,"–",{cell["pv_benefits_sek"]}'
               f'/{cell["pv_costs_sek"]})',
        "sensitivity_npv_sek": f"=(1+{refs['benefits_change']})*{cell['pv_benefits_sek']}"
                               f"-(1+{refs['costs_change']})*{cell['pv_costs_sek']}",
        "pv_by_colour_sek.green": f"=SUMPRODUCT({span(rows['cash'])},{df})",
        "pv_by_colour_sek.yellow": f"={cell['pv_benefits_sek']}"
                                   f"-{cell['pv_by_colour_sek.green']}",
        "payback_year": payback_year,
        "payback_years": payback_years,
        "discounted_payback_year": discounted_year,
    }
    for header, col in (("Resultat", LABEL_COL), ("Enhet", UNIT_COL),
                        ("Formel i arbetsboken", VALUE_COL), (ENGINE_LABEL, ENGINE_COL)):
        if col == ENGINE_COL and result is None:
            continue
        _header(ws.cell(row=RESULT_HEADER_ROW, column=col), header)
    for index, spec in enumerate(RESULT_ROWS):
        row = FIRST_RESULT_ROW + index
        sheet.label(row, spec.label, spec.unit)
        if spec.key in formulas:
            sheet.formula(row, VALUE_COL, formulas[spec.key], spec.number_format)
            ws.cell(row=row, column=VALUE_COL).font = _BOLD
        elif spec.key == "qualitative_count":
            count = sum(1 for line in sheet.calc.benefits
                        if line.kind is BenefitKind.QUALITATIVE)
            sheet.value(row, VALUE_COL, count, spec.number_format, is_input=False)
        else:
            set_safe_value(ws.cell(row=row, column=VALUE_COL), "beräknas av systemet")
        if result is not None:
            engine = _engine_value(result, spec.key)
            set_safe_value(ws.cell(row=row, column=ENGINE_COL),
                           "–" if engine is None else engine, spec.number_format)
    note = ws.cell(row=FIRST_RESULT_ROW + len(RESULT_ROWS), column=LABEL_COL)
    set_safe_value(note, "Obs: år 0 (startåret) diskonteras inte, så NPV räknas som "
                         "SUMPRODUCT((B_t − C_t); DF_t) med DF_t = 1/(1 + r)^t. Excels "
                         "NPV()-funktion diskonterar även första året och ger för lågt värde – "
                         "den klassiska missen; använd den inte här.")
    note.font = _NOTE_FONT


def export_workbook(payload: Mapping[str, Any], result: Mapping[str, Any] | None = None,
                    title: str = "Nyttokalkyl",
                    defaults: CalculationDefaults | None = None) -> bytes:
    """Export a calculation whose results are Excel formulas over its inputs, for auditing."""
    calc = parse_calculation(dict(payload), defaults)
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET_EXPORT
    title_cell = set_safe_value(ws.cell(row=1, column=LABEL_COL), title)
    title_cell.font = _TITLE
    intro_text = ("Gula celler är indata; övriga tal är formler över dem, så kalkylen kan "
                  "granskas och räknas om.")
    if result is not None:
        intro_text += f" Kolumnen och raderna '{ENGINE_LABEL}' visar systemets egna, avrundade "
        intro_text += "värden att jämföra med."
    intro = set_safe_value(ws.cell(row=2, column=LABEL_COL), intro_text)
    intro.font = _NOTE_FONT
    sheet = _ExportSheet(ws, calc)
    _write_settings(sheet)
    sheet.section("Nyttor", with_years=True)
    engine_lines = list(result.get("lines", [])) if result is not None else []
    value_rows, cash_rows = [], []
    for index, line in enumerate(calc.benefits):
        engine_line = engine_lines[index] if index < len(engine_lines) else None
        rows = _write_line(sheet, index, line, engine_line)
        if rows is not None:
            value_rows.append(rows[0])
            cash_rows.append(rows[1])
    sheet.section("Kostnader", with_years=True)
    cost_rows = []
    for line in calc.costs:
        row = sheet.next_row()
        sheet.label(row, line.name, COST_KIND_LABELS[line.kind][0])
        for t, amount in enumerate(line.by_year_sek):
            sheet.value(row, FIRST_YEAR_COL + t, amount, SEK_FORMAT)
        cost_rows.append(row)
    rows = _write_totals(sheet, value_rows, cash_rows, cost_rows, result)
    _write_results(sheet, rows, result)
    for letter, width in zip("ABCD", (58, 26, 18, 22), strict=True):
        ws.column_dimensions[letter].width = width
    for t in range(calc.years):
        ws.column_dimensions[sheet.col(t)].width = 15
    return workbook_bytes(workbook)
