"""The finance committee's tertial pack: sheets, typed cells, formulas that recompute, safe text."""

import io
from datetime import date, datetime
from decimal import Decimal

import formulas
import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart

from reports.tertial_pack import SPENDING_NOTE, build_tertial_pack, pack_filename, period_label
from reports.xlsx import DATE_FORMAT, MSEK_FORMAT, PERCENT_FORMAT, SEK_FORMAT

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]
CONTROL_NAME = "Bygg\x00lov\x07\x1f"


def _project(n, **overrides):
    project = {
        "project_id": n,
        "title": f"Projekt {n}",
        "organisation_id": 10 + n % 2,
        "organisation": "Stadsbyggnadskontoret" if n % 2 else "Utbildningsförvaltningen",
        "area": "Bygga och bo" if n % 2 else "Skola",
        "state": "active",
        "decision_references": [f"SLK 2008/{n:04d}", f"SLK 2009/{n:04d}"],
        "granted_sek": 1_000_000 * n,
        "spent_in_period_sek": 100_000 * n,
        "spent_to_date_sek": 400_000 * n,
        "forecast_sek": 900_000 * n,
        "overall_status": "green",
        "cost_status": "amber",
        "schedule_status": "red",
        "deviation_explanation": "Upphandlingen försenad",
        "baseline_end_on": "2010-12-31",
        "forecast_end_on": "2011-03-31",
        "go_live_on": "2010-02-01",
        "kept_budget": True,
        "kept_schedule": False,
    }
    project.update(overrides)
    return project


def snapshot_example():
    """A snapshot in the agreed schema 1 with hostile names among the projects."""
    projects = [_project(n) for n in range(1, 5)]
    projects += [
        _project(5 + i, title=name, organisation=name, area=None, state="closed",
                 forecast_sek=None, overall_status=None, cost_status=None,
                 schedule_status=None, forecast_end_on=None, go_live_on=None,
                 kept_budget=None, kept_schedule=None, deviation_explanation=name)
        for i, name in enumerate([*HOSTILE, CONTROL_NAME])
    ]
    return {
        "schema": 1,
        "programme": {"id": 1, "name": "E-tjänsteprogrammet"},
        "year": 2010,
        "tertial": 1,
        "period_starts_on": "2010-01-01",
        "period_ends_on": "2010-04-30",
        "as_of": "2010-04-30",
        "generated_at": "2010-05-03T08:15:00+00:00",
        "envelope": {"reserved_sek": 650_000_000, "committed_sek": 310_500_000,
                     "spent_sek": 120_250_000, "left_sek": 339_500_000},
        "projects": projects,
        "by_area": [
            {"area": "Bygga och bo", "projects": 2, "granted_sek": 4_000_000,
             "spent_in_period_sek": 400_000, "spent_to_date_sek": 1_600_000,
             "forecast_sek": 3_600_000},
            {"area": "=HYPERLINK(\"http://x\",\"y\")", "projects": 2, "granted_sek": 6_000_000,
             "spent_in_period_sek": 600_000, "spent_to_date_sek": 2_400_000,
             "forecast_sek": 5_400_000},
            {"area": None, "projects": 7, "granted_sek": 56_000_000,
             "spent_in_period_sek": 5_600_000, "spent_to_date_sek": 22_400_000,
             "forecast_sek": 0},
        ],
        "by_organisation": [
            {"organisation_id": 11, "organisation": "Stadsbyggnadskontoret", "projects": 2,
             "granted_sek": 4_000_000, "spent_in_period_sek": 400_000,
             "spent_to_date_sek": 1_600_000, "forecast_sek": 3_600_000},
            {"organisation_id": 12, "organisation": "-2+3", "projects": 2,
             "granted_sek": 6_000_000, "spent_in_period_sek": 600_000,
             "spent_to_date_sek": 2_400_000, "forecast_sek": 5_400_000},
        ],
        "adherence": {"projects": 11, "assessed": 4, "not_kept_budget": 0,
                      "not_kept_schedule": 4, "not_kept_budget_share": "0.0000",
                      "not_kept_schedule_share": "0.3077"},
        "benefits": [
            {"year": 2009, "planned_sek": 1_000_000, "realised_sek": 750_000},
            {"year": 2010, "planned_sek": 2_000_000, "realised_sek": 0},
            {"year": 2011, "planned_sek": 0, "realised_sek": 0},
        ],
        "benefit_lines": [
            {"benefit_id": 1, "project": "Projekt 1", "organisation": "Stadsbyggnadskontoret",
             "name": "Färre samtal", "planned_sek": 2_000_000, "realised_sek": 500_000},
            {"benefit_id": 2, "project": "@SUM(A1)", "organisation": "+1",
             "name": CONTROL_NAME, "planned_sek": 1_000_000, "realised_sek": 250_000},
        ],
        "budget_cuts": [
            {"organisation": "Stadsbyggnadskontoret", "year": 2010, "proposed_sek": 300_000,
             "adopted_sek": 250_000, "realised_sek": 200_000},
            {"organisation": "=1+1", "year": 2011, "proposed_sek": 100_000,
             "adopted_sek": 100_000, "realised_sek": 0},
        ],
    }


TITLE = "Tertialrapport 1 2010 & bilagor"


@pytest.fixture(scope="module")
def pack():
    return build_tertial_pack(snapshot_example(), title=TITLE,
                              summary='=HYPERLINK("http://x","y")\nProgrammet går enligt plan.',
                              presented_on=date(2010, 5, 20),
                              committee_minute="EU 2010-05-20 § 7")


@pytest.fixture(scope="module")
def workbook(pack):
    return load_workbook(io.BytesIO(pack))


@pytest.fixture(scope="module")
def recomputed(pack, tmp_path_factory):
    """Recompute every formula of the pack with the `formulas` package; return a reader."""
    path = tmp_path_factory.mktemp("pack") / "pack.xlsx"
    path.write_bytes(pack)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()

    def value(sheet, cell):
        result = solution[f"'[pack.xlsx]{sheet.upper()}'!{cell}"].value[0][0]
        return result if isinstance(result, str) else float(result)

    return value


def rows_of(ws):
    return [[cell.value for cell in row] for row in ws.iter_rows(min_row=2)]


def header_index(ws):
    return {cell.value: cell.column_letter for cell in ws[1]}


def test_pack_has_the_committee_sheets_in_order(workbook):
    assert workbook.sheetnames == ["Sammanfattning", "Projekt", "Områden", "Förvaltningar",
                                   "Nyttor", "Nyttor per år", "Nyttohemtagning"]


def test_projects_sheet_has_one_typed_row_per_project(workbook):
    ws = workbook["Projekt"]
    columns = header_index(ws)
    snapshot = snapshot_example()

    assert ws.max_row == len(snapshot["projects"]) + 2  # header, rows, totals
    assert [ws[f"A{r}"].value for r in range(2, ws.max_row)] == [
        p["project_id"] for p in snapshot["projects"]]
    granted = ws[f"{columns['Beviljat']}2"]
    assert (granted.value, granted.data_type, granted.number_format) == (1_000_000, "n",
                                                                          SEK_FORMAT)
    go_live = ws[f"{columns['Driftstart']}2"]
    assert go_live.is_date and go_live.value == datetime(2010, 2, 1)
    assert go_live.number_format == DATE_FORMAT
    assert ws[f"{columns['Diarienummer']}2"].value == "SLK 2008/0001; SLK 2009/0001"
    assert ws[f"{columns['Helhetsstatus']}2"].value == "Grön"
    assert ws[f"{columns['Höll tidplan']}2"].value == "Nej"
    assert ws[f"{columns['Läge']}6"].value == "Avslutat"
    assert ws[f"{columns['Område']}6"].value == "Utan område"
    assert ws[f"{columns['Helhetsstatus']}6"].value == "Ej bedömt"
    assert ws[f"{columns['Prognos']}6"].value is None


@pytest.mark.parametrize("sheet", ["Projekt", "Områden", "Förvaltningar", "Nyttor",
                                   "Nyttor per år", "Nyttohemtagning"])
def test_table_sheets_freeze_filter_and_print(workbook, sheet):
    ws = workbook[sheet]

    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=ws.max_column).column_letter}" \
                                 f"{ws.max_row - 1}"
    assert all(cell.font.b for cell in ws[1])
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.oddHeader.center.text == "Tertialrapport 1 2010 && bilagor – Tertial 1 2010 " \
                                       "(januari–april)"
    assert ws.oddFooter.left.text == "Tertialrapport 1 2010 && bilagor 2010-05-20"
    widths = [ws.column_dimensions[cell.column_letter].width for cell in ws[1]]
    assert all(8 <= width <= 60 for width in widths)


def test_summary_sheet_prints_landscape_with_the_report_name(workbook):
    ws = workbook["Sammanfattning"]

    assert ws.page_setup.orientation == "landscape"
    assert ws.oddFooter.left.text.endswith("2010-05-20")
    assert ws["A1"].value == TITLE and ws["A1"].font.b


def summary_values(ws):
    return {ws[f"A{r}"].value: ws[f"B{r}"] for r in range(1, ws.max_row + 1)
            if ws[f"A{r}"].value}


def test_summary_has_envelope_in_kronor_and_millions(workbook, recomputed):
    ws = workbook["Sammanfattning"]
    cells = summary_values(ws)

    reserved = cells["Avsatt"]
    assert (reserved.value, reserved.number_format) == (650_000_000, SEK_FORMAT)
    assert ws[f"C{reserved.row}"].number_format == MSEK_FORMAT
    assert recomputed("Sammanfattning", f"C{reserved.row}") == 650.0
    assert cells["Kvar att besluta"].value == 339_500_000
    assert cells["Per"].is_date and cells["Per"].value == datetime(2010, 4, 30)
    assert cells["Presenterad för ekonomiutskottet"].value == datetime(2010, 5, 20)
    assert cells["Sammanställd"].value == datetime(2010, 5, 3, 8, 15)
    assert cells["Period"].value == "Tertial 1 2010 (januari–april)"


def test_booked_spending_and_reported_cost_are_named_apart(workbook, recomputed):
    snapshot = snapshot_example()
    ws = workbook["Sammanfattning"]
    cells = summary_values(ws)

    assert "Förbrukat" not in cells
    assert cells["Förbrukat enligt huvudboken"].value == snapshot["envelope"]["spent_sek"]
    assert figure_of(recomputed, cells, "Upparbetat under perioden") == sum(
        p["spent_in_period_sek"] for p in snapshot["projects"])
    note = cells["Förbrukat och upparbetat"]
    assert note.value == SPENDING_NOTE and note.data_type == "s"
    assert "huvudboken" in note.value and "sexveckorsrapport" in note.value
    assert note.row > cells["Upparbetat totalt"].row > cells["Förbrukat enligt huvudboken"].row
    for sheet in ("Projekt", "Områden", "Förvaltningar"):
        headers = header_index(workbook[sheet])
        assert {"Upparbetat under perioden", "Upparbetat totalt"} <= set(headers)
        assert not any(header.startswith("Förbrukat") for header in headers)
    title = workbook["Områden"]._charts[0].title.tx.rich.p[0].r[0].t
    assert title == "Beviljat och upparbetat per område"


def figure_of(recomputed, cells, label):
    return recomputed("Sammanfattning", f"B{cells[label].row}")


def test_adherence_shares_are_percentages(workbook):
    cells = summary_values(workbook["Sammanfattning"])

    schedule = cells["Andel som inte höll tidplan"]
    assert (schedule.value, schedule.number_format) == (0.3077, PERCENT_FORMAT)
    assert schedule.data_type == "n"
    assert cells["Andel som inte höll budget"].value == 0
    assert cells["Bedömda projekt"].value == 4


def test_missing_share_says_not_assessed():
    snapshot = snapshot_example()
    snapshot["adherence"]["not_kept_budget_share"] = None
    ws = load_workbook(io.BytesIO(build_tertial_pack(
        snapshot, title="T", summary="", presented_on=None)))["Sammanfattning"]

    assert summary_values(ws)["Andel som inte höll budget"].value == "Ej bedömt"
    assert summary_values(ws)["Presenterad för ekonomiutskottet"].value == "Ej presenterad"
    assert ws.oddFooter.left.text == "T 2010-04-30"


def test_summary_text_and_minute_are_plain_text(workbook):
    cells = summary_values(workbook["Sammanfattning"])

    text = [c for label, c in cells.items() if label == "Sammanfattning"][-1]
    assert text.value.startswith("=HYPERLINK") and text.data_type == "s"
    assert cells["Protokollsutdrag"].value == "EU 2010-05-20 § 7"


@pytest.mark.parametrize(
    ("sheet", "columns"),
    [("Projekt", ["Beviljat", "Upparbetat under perioden", "Upparbetat totalt", "Prognos"]),
     ("Områden", ["Antal projekt", "Beviljat", "Upparbetat totalt", "Prognos"]),
     ("Förvaltningar", ["Antal projekt", "Beviljat", "Upparbetat under perioden"]),
     ("Nyttor", ["Planerat", "Realiserat", "Avvikelse"]),
     ("Nyttor per år", ["Planerat", "Realiserat"]),
     ("Nyttohemtagning", ["Föreslaget", "Beslutat", "Realiserat"])],
)
def test_totals_are_sum_formulas_that_recompute_to_the_snapshot(workbook, recomputed, sheet,
                                                                  columns):
    ws = workbook[sheet]
    letters = header_index(ws)
    totals_row = ws.max_row
    assert ws[f"A{totals_row}"].value == "Summa" or ws[f"A{totals_row}"].value is None
    for header in columns:
        letter = letters[header]
        cell = ws[f"{letter}{totals_row}"]
        assert cell.value == f"=SUM({letter}2:{letter}{totals_row - 1})"
        expected = sum(ws[f"{letter}{r}"].value or 0 for r in range(2, totals_row))
        assert recomputed(sheet, f"{letter}{totals_row}") == expected


def test_recomputed_totals_equal_the_snapshot_figures(workbook, recomputed):
    snapshot = snapshot_example()
    cells = summary_values(workbook["Sammanfattning"])

    def figure(label):
        return recomputed("Sammanfattning", f"B{cells[label].row}")

    assert figure("Beviljat till projekten") == sum(p["granted_sek"]
                                                    for p in snapshot["projects"])
    assert figure("Upparbetat totalt") == sum(p["spent_to_date_sek"] for p in snapshot["projects"])
    assert figure("Prognos") == sum(p["forecast_sek"] or 0 for p in snapshot["projects"])
    assert figure("Planerad nytta") == 3_000_000
    assert figure("Realiserad nytta") == 750_000
    assert figure("Nyttohemtagning, beslutad") == 350_000
    areas = workbook["Områden"]
    assert recomputed("Områden", f"C{areas.max_row}") == sum(
        a["granted_sek"] for a in snapshot["by_area"])


def test_realisation_rates_are_percentages_with_a_recomputed_total(workbook, recomputed):
    ws = workbook["Nyttor per år"]

    assert (ws["E2"].value, ws["E2"].number_format) == (0.75, PERCENT_FORMAT)
    assert ws["E4"].value is None  # nothing planned: no rate
    assert ws["E5"].value == '=IF(B5=0,"",C5/B5)'
    assert recomputed("Nyttor per år", "E5") == pytest.approx(0.25)
    assert workbook["Nyttor"]["H2"].value == 0.25


def test_one_native_bar_chart_of_money_per_area(workbook):
    charts = [chart for ws in workbook.worksheets for chart in ws._charts]

    assert len(charts) == 1
    chart = charts[0]
    assert isinstance(chart, BarChart)
    assert len(chart.series) == 2
    refs = [s.val.numRef.f for s in chart.series]
    assert refs == ["'Områden'!$C$2:$C$4", "'Områden'!$E$2:$E$4"]
    categories = chart.series[0].cat
    assert (categories.strRef or categories.numRef).f == "'Områden'!$A$2:$A$4"


def test_no_chart_when_there_are_no_areas():
    snapshot = snapshot_example()
    snapshot["by_area"] = []
    wb = load_workbook(io.BytesIO(build_tertial_pack(snapshot, title="T", summary="",
                                                     presented_on=None)))

    assert not wb["Områden"]._charts
    assert wb["Områden"]["B2"].value == 0  # the empty table still totals


def all_text_cells(workbook):
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row
            if isinstance(cell.value, str)]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_come_out_as_plain_text(workbook, name):
    expected = name.replace("\r", "\n")
    cells = [cell for cell in all_text_cells(workbook) if cell.value == expected]

    assert cells, name
    assert all(cell.data_type == "s" for cell in cells)
    assert all(cell.quotePrefix == (expected[0] in "=+-@\t\n") for cell in cells)


def test_only_formulas_built_by_the_pack_are_formulas(workbook):
    formulas_found = [cell.value for cell in all_text_cells(workbook) if cell.data_type == "f"]

    assert formulas_found
    assert all(f.startswith(("=SUM(", "=IF(", "='", "=B")) for f in formulas_found)
    assert not any("HYPERLINK" in f for f in formulas_found)


def test_control_characters_are_removed(workbook):
    values = [cell.value for cell in all_text_cells(workbook)]

    assert "Bygglov" in values
    assert not any(ch in value for value in values for ch in "\x00\x07\x1f")


def test_pack_filename_names_the_period():
    assert pack_filename("Tertialrapport", snapshot_example()) == "Tertialrapport T1 2010.xlsx"
    assert period_label({"year": 2011, "tertial": 3}) == "Tertial 3 2011 (september–december)"


def test_shares_are_written_from_decimal_strings_exactly(workbook):
    cell = summary_values(workbook["Sammanfattning"])["Andel som inte höll tidplan"]

    assert Decimal(str(cell.value)) == Decimal("0.3077")
