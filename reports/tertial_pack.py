"""The finance committee's tertial report pack: one workbook from a frozen tertial snapshot.

Pure: standard library, openpyxl and `reports.xlsx` only. The snapshot is the plain JSON of
`TertialReport.snapshot` (schema 1, see the interfaces contract); every cell goes through
the one safe writer, so names typed by users stay text. Sheets: Sammanfattning (envelope,
key figures, a note on booked against reported spending, adherence shares, summary text,
committee minute), Projekt, Områden (with a native bar chart of granted money and reported
cost per area), Förvaltningar, Nyttor (planned vs realised per benefit line),
Nyttor per år and Nyttohemtagning (budget cuts). Table sheets
have a frozen header, an auto-filter and a totals row of SUM formulas; the key figures on
Sammanfattning are formulas over those totals, so the pack recomputes in Excel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from reports.xlsx import (
    DATE,
    INT,
    MSEK_FORMAT,
    PERCENT,
    PERCENT_FORMAT,
    SEK,
    SEK_FORMAT,
    SEK_PER_MSEK,
    Column,
    SheetSpec,
    add_table_sheet,
    set_safe_value,
    set_up_printing,
    workbook_bytes,
)

__all__ = [
    "SHEET_AREAS",
    "SHEET_BENEFITS",
    "SHEET_BENEFITS_BY_YEAR",
    "SHEET_BUDGET_CUTS",
    "SHEET_CHANGES",
    "SHEET_LATE_CHANGES",
    "SHEET_NETWORK",
    "SHEET_ORGANISATIONS",
    "SHEET_PROJECTS",
    "SHEET_SUMMARY",
    "SPENDING_NOTE",
    "build_tertial_pack",
    "pack_filename",
]

SHEET_SUMMARY = "Sammanfattning"
SHEET_PROJECTS = "Projekt"
SHEET_AREAS = "Områden"
SHEET_ORGANISATIONS = "Förvaltningar"
SHEET_BENEFITS = "Nyttor"
SHEET_BENEFITS_BY_YEAR = "Nyttor per år"
SHEET_BUDGET_CUTS = "Nyttohemtagning"
SHEET_NETWORK = "Nyttokarta"
SHEET_CHANGES = "Förändringar"
SHEET_LATE_CHANGES = "Försenade förändringar"
KIND_LABELS = {"enabler": "Möjliggörare", "enabling_change": "Möjliggörande förändring",
               "business_change": "Verksamhetsförändring", "benefit": "Nytta", "goal": "Mål"}
CHANGE_STATE_LABELS = {"planned": "Planerad", "under_way": "Pågår", "done": "Genomförd"}

TERTIAL_MONTHS = {1: "januari–april", 2: "maj–augusti", 3: "september–december"}
STATE_LABELS = {"active": "Pågående", "closed": "Avslutat"}
RAG_LABELS = {"green": "Grön", "amber": "Gul", "red": "Röd"}
YES_NO = {True: "Ja", False: "Nej"}
NOT_ASSESSED = "Ej bedömt"
NO_AREA = "Utan område"
BOOKED_SPENDING = "Förbrukat enligt huvudboken"
REPORTED_IN_PERIOD = "Upparbetat under perioden"
REPORTED_TO_DATE = "Upparbetat totalt"
SPENDING_NOTE = (
    "Förbrukat enligt huvudboken är det som bokförts i programmets huvudbok. Upparbetat är "
    "den kostnad som projekten själva har rapporterat i sin senaste sexveckorsrapport. "
    "Beloppen skiljer sig eftersom bokföringen i huvudboken ligger efter projektens egna "
    "rapporter."
)

_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _money(name: str) -> Column:
    return Column(name, SEK)


PROJECT_COLUMNS = (
    Column("Projekt-id", INT, total=False),
    Column("Projekt"),
    Column("Förvaltning"),
    Column("Område"),
    Column("Läge"),
    Column("Diarienummer"),
    _money("Beviljat"),
    _money(REPORTED_IN_PERIOD),
    _money(REPORTED_TO_DATE),
    _money("Prognos"),
    Column("Helhetsstatus"),
    Column("Kostnad"),
    Column("Tidplan"),
    Column("Planerat slut", DATE),
    Column("Prognos slut", DATE),
    Column("Driftstart", DATE),
    Column("Höll budget"),
    Column("Höll tidplan"),
    Column("Avvikelser", width=50),
)
GROUP_MONEY_COLUMNS = (
    Column("Antal projekt", INT),
    _money("Beviljat"),
    _money(REPORTED_IN_PERIOD),
    _money(REPORTED_TO_DATE),
    _money("Prognos"),
)
BENEFIT_COLUMNS = (
    Column("Nytto-id", INT, total=False),
    Column("Projekt"),
    Column("Förvaltning"),
    Column("Nytta"),
    _money("Planerat"),
    _money("Realiserat"),
    _money("Avvikelse"),
    Column("Realiseringsgrad", PERCENT),
)
BENEFIT_YEAR_COLUMNS = (
    Column("År", INT, total=False),
    _money("Planerat"),
    _money("Realiserat"),
    _money("Avvikelse"),
    Column("Realiseringsgrad", PERCENT),
)
BUDGET_CUT_COLUMNS = (
    Column("Förvaltning"),
    Column("Budgetår", INT, total=False),
    _money("Föreslaget"),
    _money("Beslutat"),
    _money("Realiserat"),
)


@dataclass(frozen=True)
class _Table:
    """Where a table sheet's data and totals rows are, to refer to them in formulas."""

    ws: Worksheet
    first_row: int
    last_row: int

    @property
    def totals_row(self) -> int:
        return self.last_row + 1

    def total_ref(self, header: str) -> str:
        """Return an absolute reference to `header`'s cell in the totals row."""
        column = self.column_letter(header)
        return f"{quote_sheetname(self.ws.title)}!${column}${self.totals_row}"

    def column_letter(self, header: str) -> str:
        for cell in self.ws[1]:
            if cell.value == header:
                return get_column_letter(cell.column)
        raise KeyError(header)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _share(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _rate(realised: int, planned: int) -> Decimal | None:
    """Return realised / planned to four places, None when nothing was planned."""
    return (Decimal(realised) / Decimal(planned)).quantize(Decimal("0.0001")) if planned else None


def _label(labels: Mapping[Any, str], value: Any) -> str:
    return labels.get(value, NOT_ASSESSED) if value is not None else NOT_ASSESSED


def period_label(snapshot: Mapping[str, Any]) -> str:
    """Name the period the way the committee does, e.g. "Tertial 1 2010 (januari–april)"."""
    tertial = int(snapshot["tertial"])
    return f"Tertial {tertial} {snapshot['year']} ({TERTIAL_MONTHS.get(tertial, '')})"


def pack_filename(title: str, snapshot: Mapping[str, Any]) -> str:
    """Name the download after the report and its period."""
    return f"{title} T{snapshot['tertial']} {snapshot['year']}.xlsx"


def _project_rows(projects: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [
            p["project_id"],
            p["title"],
            p["organisation"],
            p.get("area") or NO_AREA,
            STATE_LABELS.get(p["state"], p["state"]),
            "; ".join(p.get("decision_references") or []),
            p["granted_sek"],
            p["spent_in_period_sek"],
            p["spent_to_date_sek"],
            p.get("forecast_sek"),
            _label(RAG_LABELS, p.get("overall_status")),
            _label(RAG_LABELS, p.get("cost_status")),
            _label(RAG_LABELS, p.get("schedule_status")),
            _day(p.get("baseline_end_on")),
            _day(p.get("forecast_end_on")),
            _day(p.get("go_live_on")),
            _label(YES_NO, p.get("kept_budget")),
            _label(YES_NO, p.get("kept_schedule")),
            p.get("deviation_explanation") or "",
        ]
        for p in projects
    ]


def _group_rows(groups: Sequence[Mapping[str, Any]], name_key: str) -> list[list[Any]]:
    return [
        [
            g.get(name_key) or NO_AREA,
            g["projects"],
            g["granted_sek"],
            g["spent_in_period_sek"],
            g["spent_to_date_sek"],
            g["forecast_sek"],
        ]
        for g in groups
    ]


def _benefit_rows(lines: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [
            line["benefit_id"],
            line["project"],
            line["organisation"],
            line["name"],
            line["planned_sek"],
            line["realised_sek"],
            line["realised_sek"] - line["planned_sek"],
            _rate(line["realised_sek"], line["planned_sek"]),
        ]
        for line in lines
    ]


def _benefit_year_rows(years: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [
            y["year"],
            y["planned_sek"],
            y["realised_sek"],
            y["realised_sek"] - y["planned_sek"],
            _rate(y["realised_sek"], y["planned_sek"]),
        ]
        for y in years
    ]


def _budget_cut_rows(cuts: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [c["organisation"], c["year"], c["proposed_sek"], c["adopted_sek"], c["realised_sek"]]
        for c in cuts
    ]


NETWORK_COLUMNS = (
    Column("Från"),
    Column("Från (typ)"),
    Column("Till"),
    Column("Till (typ)"),
    Column("Projekt"),
    Column("I riskzon"),
)
CHANGE_COLUMNS = (
    Column("Förändring", width=40),
    Column("Typ"),
    Column("Projekt"),
    Column("Ansvarig förvaltning"),
    Column("Ansvarig person"),
    Column("Klar senast", DATE),
    Column("Läge"),
    Column("Genomförd", DATE),
    Column("Belägg", width=40),
    Column("Försenad"),
    Column("Nyttor i riskzon", width=40),
)


def _network_rows(network: Mapping[str, Any]) -> list[list[Any]]:
    nodes = {node["id"]: node for node in network.get("nodes", [])}
    rows = []
    for edge in network.get("edges", []):
        source, target = nodes.get(edge["from"]), nodes.get(edge["to"])
        if source is None or target is None:
            continue
        rows.append([source["label"], KIND_LABELS.get(source["kind"], source["kind"]),
                     target["label"], KIND_LABELS.get(target["kind"], target["kind"]),
                     source.get("project") or target.get("project") or "",
                     YES_NO[bool(target.get("at_risk"))]])
    return rows


def _change_rows(changes: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    return [[change["label"], KIND_LABELS.get(change["kind"], change["kind"]),
             change.get("project") or "", change.get("organisation") or "",
             change.get("responsible_name") or "", _day(change.get("due_on")),
             CHANGE_STATE_LABELS.get(change.get("state"), change.get("state") or ""),
             _day(change.get("done_on")), change.get("evidence") or "",
             YES_NO[bool(change.get("is_late"))], ", ".join(change.get("benefits_at_risk", []))]
            for change in changes]


def _add_table(
    workbook: Workbook,
    title: str,
    columns: Sequence[Column],
    rows: list[list[Any]],
    print_header: str,
    print_footer: str,
) -> _Table:
    ws = add_table_sheet(
        workbook,
        SheetSpec(
            title,
            columns,
            rows,
            totals=True,
            print_header=print_header,
            print_footer=print_footer,
        ),
    )
    return _Table(ws, 2, len(rows) + 1)


def _rate_total(table: _Table, planned: str, realised: str, rate: str) -> None:
    """Give the totals row a realisation rate recomputed from its own sums."""
    row = table.totals_row
    planned_cell = f"{table.column_letter(planned)}{row}"
    realised_cell = f"{table.column_letter(realised)}{row}"
    cell = table.ws[f"{table.column_letter(rate)}{row}"]
    cell.value = f'=IF({planned_cell}=0,"",{realised_cell}/{planned_cell})'
    cell.number_format = PERCENT_FORMAT
    cell.font = _BOLD


def _add_area_chart(table: _Table) -> None:
    """Chart granted money and the cost reported to date per area beside the Områden table."""
    if table.last_row < table.first_row:
        return
    ws = table.ws
    chart = BarChart()
    chart.type = "col"
    chart.title = "Beviljat och upparbetat per område"
    chart.y_axis.title = "kr"
    chart.y_axis.numFmt = SEK_FORMAT
    chart.x_axis.title = "Område"
    granted = table.column_letter("Beviljat")
    reported = table.column_letter(REPORTED_TO_DATE)
    for letter in (granted, reported):
        column = ws[f"{letter}1"].column
        data = Reference(ws, min_col=column, min_row=1, max_row=table.last_row)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=table.last_row))
    chart.width, chart.height = 22, 11
    ws.add_chart(chart, f"A{table.totals_row + 3}")


class _Summary:
    """Write the Sammanfattning sheet row by row: label in A, value in B, mnkr in C."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 0

    def line(self, label: str, value: Any = None, number_format: str | None = None) -> int:
        self.row += 1
        set_safe_value(self.ws.cell(row=self.row, column=1), label)
        if value is not None:
            set_safe_value(self.ws.cell(row=self.row, column=2), value, number_format)
        return self.row

    def money(self, label: str, value: int | None = None, *, formula: str = "") -> int:
        """Write kronor in B (a number, or a formula we built) and the same in mnkr in C."""
        row = self.line(label, value, SEK_FORMAT)
        if formula:
            _formula(self.ws, row, 2, formula, SEK_FORMAT)
        _formula(self.ws, row, 3, f"=B{row}/{SEK_PER_MSEK}", MSEK_FORMAT)
        return row

    def heading(self, text: str) -> None:
        self.row += 1
        self.line(text)
        self.ws.cell(row=self.row, column=1).font = _BOLD

    def text(self, label: str, text: str) -> None:
        row = self.line(label, text or "–")
        self.ws.cell(row=row, column=2).alignment = _WRAP
        self.ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
        lines = sum(max(1, len(part) // 90 + 1) for part in (text or "–").split("\n"))
        self.ws.row_dimensions[row].height = min(409, 15 * lines)


def _write_summary(
    ws: Worksheet,
    snapshot: Mapping[str, Any],
    *,
    title: str,
    summary: str,
    presented_on: date | None,
    committee_minute: str,
    tables: Mapping[str, _Table],
) -> None:
    sheet = _Summary(ws)
    sheet.line(title)
    ws["A1"].font = _TITLE_FONT
    sheet.line("Program", snapshot["programme"]["name"])
    sheet.line("Period", period_label(snapshot))
    sheet.line("Per", _day(snapshot["as_of"]))
    sheet.line("Periodens första dag", _day(snapshot["period_starts_on"]))
    sheet.line("Periodens sista dag", _day(snapshot["period_ends_on"]))
    sheet.line("Presenterad för ekonomiutskottet", presented_on or "Ej presenterad")
    sheet.line("Sammanställd", _moment(snapshot.get("generated_at")))

    envelope = snapshot["envelope"]
    sheet.heading("Programmets ram")
    header = sheet.line("Belopp", "kr")
    set_safe_value(ws.cell(row=header, column=3), "mnkr")
    for column in (1, 2, 3):
        ws.cell(row=header, column=column).font = _BOLD
    sheet.money("Avsatt", envelope["reserved_sek"])
    sheet.money("Beslutat (åtaget)", envelope["committed_sek"])
    sheet.money(BOOKED_SPENDING, envelope["spent_sek"])
    sheet.money("Kvar att besluta", envelope["left_sek"])

    projects = tables[SHEET_PROJECTS]
    sheet.heading("Nyckeltal")
    benefits = tables[SHEET_BENEFITS_BY_YEAR]
    cuts = tables[SHEET_BUDGET_CUTS]
    for label, table, header in (
        ("Beviljat till projekten", projects, "Beviljat"),
        (REPORTED_IN_PERIOD, projects, REPORTED_IN_PERIOD),
        (REPORTED_TO_DATE, projects, REPORTED_TO_DATE),
        ("Prognos", projects, "Prognos"),
        ("Planerad nytta", benefits, "Planerat"),
        ("Realiserad nytta", benefits, "Realiserat"),
        ("Nyttohemtagning, beslutad", cuts, "Beslutat"),
    ):
        sheet.money(label, formula=f"={table.total_ref(header)}")
    sheet.text("Förbrukat och upparbetat", SPENDING_NOTE)

    adherence = snapshot["adherence"]
    sheet.heading("Följsamhet")
    sheet.line("Projekt", adherence["projects"])
    sheet.line("Bedömda projekt", adherence["assessed"])
    sheet.line("Höll inte budget", adherence["not_kept_budget"])
    sheet.line("Höll inte tidplan", adherence["not_kept_schedule"])
    for label, key in (
        ("Andel som inte höll budget", "not_kept_budget_share"),
        ("Andel som inte höll tidplan", "not_kept_schedule_share"),
    ):
        share = _share(adherence.get(key))
        sheet.line(label, NOT_ASSESSED if share is None else share, PERCENT_FORMAT)

    sheet.heading("Sammanfattning")
    sheet.text("Sammanfattning", summary)
    sheet.text("Protokollsutdrag", committee_minute)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 16


def _formula(ws: Worksheet, row: int, column: int, formula: str, number_format: str) -> None:
    cell = ws.cell(row=row, column=column)
    cell.value = formula
    cell.number_format = number_format


def build_tertial_pack(
    snapshot: Mapping,
    *,
    title: str,
    summary: str,
    presented_on: date | None,
    committee_minute: str = "",
) -> bytes:
    """Build the finance committee's Excel pack of a tertial report from its frozen snapshot."""
    report_date = presented_on or _day(snapshot["as_of"])
    print_header = f"{title} – {period_label(snapshot)}"
    print_footer = f"{title} {report_date.isoformat() if report_date else ''}".strip()

    workbook = Workbook()
    summary_ws = workbook.active
    summary_ws.title = SHEET_SUMMARY

    def table(name: str, columns: Sequence[Column], rows: list[list[Any]]) -> _Table:
        return _add_table(workbook, name, columns, rows, print_header, print_footer)

    tables = {
        SHEET_PROJECTS: table(SHEET_PROJECTS, PROJECT_COLUMNS, _project_rows(snapshot["projects"])),
        SHEET_AREAS: table(
            SHEET_AREAS,
            (Column("Område"), *GROUP_MONEY_COLUMNS),
            _group_rows(snapshot["by_area"], "area"),
        ),
        SHEET_ORGANISATIONS: table(
            SHEET_ORGANISATIONS,
            (Column("Förvaltning"), *GROUP_MONEY_COLUMNS),
            _group_rows(snapshot["by_organisation"], "organisation"),
        ),
        SHEET_BENEFITS: table(
            SHEET_BENEFITS, BENEFIT_COLUMNS, _benefit_rows(snapshot.get("benefit_lines", []))
        ),
        SHEET_BENEFITS_BY_YEAR: table(
            SHEET_BENEFITS_BY_YEAR,
            BENEFIT_YEAR_COLUMNS,
            _benefit_year_rows(snapshot.get("benefits", [])),
        ),
        SHEET_BUDGET_CUTS: table(
            SHEET_BUDGET_CUTS, BUDGET_CUT_COLUMNS, _budget_cut_rows(snapshot.get("budget_cuts", []))
        ),
    }
    if "benefit_map" in snapshot:
        network = snapshot["benefit_map"]
        changes = network.get("changes", [])
        table(SHEET_NETWORK, NETWORK_COLUMNS, _network_rows(network))
        table(SHEET_CHANGES, CHANGE_COLUMNS, _change_rows(changes))
        table(SHEET_LATE_CHANGES, CHANGE_COLUMNS,
              _change_rows([c for c in changes if c.get("is_late")]))
    for name in (SHEET_BENEFITS, SHEET_BENEFITS_BY_YEAR):
        _rate_total(tables[name], "Planerat", "Realiserat", "Realiseringsgrad")
    _add_area_chart(tables[SHEET_AREAS])

    _write_summary(
        summary_ws,
        snapshot,
        title=title,
        summary=summary,
        presented_on=presented_on,
        committee_minute=committee_minute,
        tables=tables,
    )
    set_up_printing(
        summary_ws, print_header=print_header, print_footer=print_footer, title_rows=None
    )
    workbook.properties.title = title
    return workbook_bytes(workbook)
