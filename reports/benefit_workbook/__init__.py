"""Round-trip a benefit calculation (nyttokalkyl) through Excel: template, import and audit export.

Pure: standard library, openpyxl and `app.benefits.calculation` only. Every text or number
cell is written through `reports.xlsx.set_safe_value`; the only formulas written are built
here from cell references, never from anything a user typed.

Template (`template_workbook`); sheet names and each table's row 2 are the file's contract,
the same in both languages ("sv" or "en", or a locale such as "en_GB"), which only change
headers, list entries and which instructions come first.

* Instruktioner: what each sheet is for, units, adoption, an example (Swedish and English).
* Inställningar: from row 2 one row per setting: A name, B value (yellow, default filled
  in), C unit, D explanation, E the JSON field it becomes (`discount_rate`,
  `adoption.target`, ...). The reader finds a setting by column E, not by its row.
* Nyttor: row 1 headers with units, row 2 the JSON field of each column, from row 3 one
  benefit line per row (at most 200). Input columns are yellow and number-formatted as
  column styles, with drop-down lists and number checks on rows 3-202. For N years the
  columns are: A kind, B name, C recipient, D owner organisation id, E cash releasing
  (ja/nej), F cash-releasing share, N volume columns `volume_per_year[t]`, the baseline
  channel shares phone, email, letter, visit, minutes saved per case, hourly cost, salary,
  own on-cost rate, N committed-FTE columns, value per hour, amount per case, N fixed-amount
  columns `by_year_sek[t]`, goal and indicator (N = 5: G-K volume, L-O shares, P minutes,
  Q hourly cost, R salary, S on-cost, T-X FTE, Y value per hour, Z amount, AA-AE fixed,
  AF goal, AG indicator). A column the line's kind does not use must stay empty.
* Kostnader: the same two header rows; from row 3 A name, B kind (Investering/Drift),
  then N columns of SEK per year (an empty year is 0).

Import (`read_workbook`) checks size, zip, sheets, column fields and every cell, then the
engine's own validation, and raises one `WorkbookError` listing every problem in Swedish
with sheet and cell. It returns exactly the public JSON contract of `parse_calculation`.

Export (`export_workbook`) writes one sheet "Kalkyl": the results at the top (column C the
Excel formula, D the engine's figure "Beräknat av systemet"; `EXPORT_RESULT_CELLS` names
them), then settings and channel indices (inputs in column C), the year rows from column E
(year, t, adoption a_t, DF_t = 1/(1+r)^t), one block per benefit line whose yearly values
are formulas over its inputs, the cost lines and the yearly totals with payback helpers.

The package's modules follow these seams: `layout` (the contract: sheets, fields, labels),
`template`, `reader` (cells and sheets), `engine_messages` (the engine's refusals worded at
their cell), `importer` (`read_workbook`), `problems` and `export`.
"""

from .export import EXPORT_ENGINE_CELLS, EXPORT_RESULT_CELLS, export_workbook
from .importer import read_workbook
from .layout import LANGUAGES, MAX_LINES, MAX_UPLOAD_BYTES
from .problems import WorkbookError, WorkbookProblem
from .reader import MAX_SHEET_ROWS, WORKBOOK_REFUSALS, workbook_limits
from .template import template_workbook

__all__ = [
    "EXPORT_ENGINE_CELLS",
    "EXPORT_RESULT_CELLS",
    "LANGUAGES",
    "MAX_LINES",
    "MAX_SHEET_ROWS",
    "MAX_UPLOAD_BYTES",
    "WORKBOOK_REFUSALS",
    "WorkbookError",
    "WorkbookProblem",
    "export_workbook",
    "read_workbook",
    "template_workbook",
    "workbook_limits",
]
