"""The template's contract: sheet names, field rows, labels, formats and setting specs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openpyxl.styles import Alignment, Font, PatternFill

from app.benefits.calculation import (
    BASELINE_CHANNELS,
    BenefitKind,
    CostKind,
    Recipient,
)
from reports.xlsx import (
    INT_FORMAT,
    PERCENT_FORMAT,
    SEK_FORMAT,
)

SHEET_INSTRUCTIONS = "Instruktioner"
SHEET_SETTINGS = "Inställningar"
SHEET_BENEFITS = "Nyttor"
SHEET_COSTS = "Kostnader"
SHEET_EXPORT = "Kalkyl"
REQUIRED_SHEETS = (SHEET_SETTINGS, SHEET_BENEFITS, SHEET_COSTS)
LANGUAGES = ("sv", "en")

FIELD_ROW = 2
FIRST_LINE_ROW = 3
MAX_LINES = 200
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_SCANNED_COLUMNS = 250
MAX_SETTINGS_ROWS = 100
MAX_PROBLEMS = 100
NOT_XLSX = ("Filen är ingen Excel-arbetsbok (.xlsx) – ladda ner mallen, fyll i den och spara "
            "som .xlsx.")
DAMAGED = ("Filen är skadad eller ingen riktig Excel-arbetsbok (.xlsx) – öppna den i Excel, "
           "spara som .xlsx och försök igen.")
SETTING_VALUE_COLUMN = 2
SETTING_KEY_COLUMN = 5

VOLUME_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
HOURS_FORMAT = "#,##0.0"
RATIO_FORMAT = "0.0000"

KIND, RECIPIENT, COST_KIND, FLAG, TEXT, NUMBER, SHARE, CHANGE, INTEGER = (
    "kind", "recipient", "cost_kind", "flag", "text", "number", "share", "change", "integer"
)

KIND_LABELS: Mapping[str, tuple[str, str]] = {
    BenefitKind.CHANNEL_SHIFT: ("Kanalbyte", "Channel shift"),
    BenefitKind.STAFF_TIME: ("Personaltid", "Staff time"),
    BenefitKind.CITIZEN_TIME: ("Medborgartid", "Citizen time"),
    BenefitKind.PER_CASE: ("Per ärende", "Per case"),
    BenefitKind.FIXED: ("Fast belopp", "Fixed amount"),
    BenefitKind.QUALITATIVE: ("Kvalitativ", "Qualitative"),
}
RECIPIENT_LABELS: Mapping[str, tuple[str, str]] = {
    Recipient.ORGANISATION: ("Organisationen", "Organisation"),
    Recipient.CITIZENS: ("Medborgare", "Citizens"),
    Recipient.BUSINESSES: ("Företag", "Businesses"),
}
COST_KIND_LABELS: Mapping[str, tuple[str, str]] = {
    CostKind.INVESTMENT: ("Investering", "Investment"),
    CostKind.RUNNING: ("Drift", "Running"),
}
FLAG_LABELS: Mapping[bool, tuple[str, str]] = {True: ("ja", "yes"), False: ("nej", "no")}
CHANNEL_LABELS: Mapping[str, tuple[str, str]] = {
    "e_service": ("e-tjänst", "e-service"),
    "phone": ("telefon", "phone"),
    "email": ("e-post", "email"),
    "letter": ("brev", "letter"),
    "visit": ("besök", "visit"),
}
KIND_DESCRIPTIONS: Mapping[str, tuple[str, str]] = {
    BenefitKind.CHANNEL_SHIFT: (
        "Ärenden flyttar från telefon, e-post, brev och besök till e-tjänst. Värde = volym · "
        "införandegrad · (Σ andel · kanalindex · u − 1 · u). Andelarna ska bli 100 %.",
        "Cases move from phone, email, letter and visit to the e-service. Value = volume · "
        "adoption · (Σ share · channel index · u − 1 · u). The shares must add up to 100 %.",
    ),
    BenefitKind.STAFF_TIME: (
        "Handläggarnas sparade tid. Timmar = volym · införandegrad · minuter / 60; värde = "
        "timmar · timkostnad (eller årslön · (1 + PO) / timmar per årsarbetare). "
        "Kostnadsfrigörande del från åtagna årsarbetare.",
        "Staff time saved. Hours = volume · adoption · minutes / 60; value = hours · hourly "
        "cost (or salary · (1 + on-cost) / hours per FTE). The cash-releasing part comes "
        "from the FTEs the benefit owner commits to remove.",
    ),
    BenefitKind.CITIZEN_TIME: (
        "Tid som medborgare eller företag sparar, värderad per timme. Aldrig "
        "kostnadsfrigörande.",
        "Time citizens or businesses save, valued per hour. Never cash releasing.",
    ),
    BenefitKind.PER_CASE: (
        "Kronor sparade per digitalt ärende (porto, tryck). Kostnadsfrigörande som standard "
        "för Organisationen.",
        "SEK saved per digital case (postage, printing). Cash releasing by default for the "
        "organisation.",
    ),
    BenefitKind.FIXED: (
        "Ett fast belopp per år, t.ex. en licens som sägs upp.",
        "A fixed amount per year, e.g. a licence switched off.",
    ),
    BenefitKind.QUALITATIVE: (
        "Värderas inte i kronor: ange målet nyttan stödjer och indikatorn som visar den.",
        "Not valued in SEK: give the goal it serves and the indicator that will show it.",
    ),
}

_YELLOW = PatternFill("solid", fgColor="FFF2A8")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_KEY_FONT = Font(italic=True, size=8, color="808080")
_NOTE_FONT = Font(italic=True, color="595959")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class _Field:
    """One column of a line sheet: its JSON key, headers, unit, cell type and an example."""

    key: str
    sv: str
    en: str
    unit_sv: str = ""
    unit_en: str = ""
    type: str = NUMBER
    example: str = "12"
    per_year: bool = False
    number_format: str | None = None
    width: int = 14

    def header(self, language: str, year: int | None = None) -> str:
        """Return the column header with its unit, e.g. "Volym 2010 (ärenden)"."""
        name, unit = (self.sv, self.unit_sv) if language == "sv" else (self.en, self.unit_en)
        if year is not None:
            name = f"{name} {year}"
        return f"{name} ({unit})" if unit else name

    def label(self, t: int | None = None, start_year: int | None = None) -> str:
        """Return the short Swedish name used in error messages, e.g. "Volym 2012"."""
        if t is None:
            return self.sv
        return f"{self.sv} {start_year + t}" if start_year is not None else f"{self.sv} år {t}"

    def keys(self, years: int) -> list[str]:
        """Return the row-2 field keys of this column, one per year for yearly fields."""
        return [f"{self.key}[{t}]" for t in range(years)] if self.per_year else [self.key]


BENEFIT_FIELDS: tuple[_Field, ...] = (
    _Field("kind", "Typ", "Kind", type=KIND, example="Kanalbyte", width=16),
    _Field("name", "Namn", "Name", type=TEXT, example="Färre samtal", width=28),
    _Field("recipient", "Mottagare", "Recipient", type=RECIPIENT, example="Organisationen",
           width=16),
    _Field("owner_organisation_id", "Ägande organisation", "Owner organisation", "id", "id",
           INTEGER, "12", number_format=INT_FORMAT),
    _Field("cash_releasing", "Kostnadsfrigörande", "Cash releasing", "ja/nej", "yes/no",
           FLAG, "ja"),
    _Field("cash_releasing_share", "Kostnadsfrigörande andel", "Cash-releasing share",
           "0–1", "0–1", SHARE, "0,25", number_format=PERCENT_FORMAT),
    _Field("volume_per_year", "Volym", "Volume", "ärenden", "cases", NUMBER, "10000",
           per_year=True, number_format=VOLUME_FORMAT),
    *(
        _Field(f"channel_mix.{channel}", f"Andel {CHANNEL_LABELS[channel][0]}",
               f"Share {CHANNEL_LABELS[channel][1]}", "0–1", "0–1", SHARE, "0,5",
               number_format=PERCENT_FORMAT)
        for channel in BASELINE_CHANNELS
    ),
    _Field("minutes_saved_per_case", "Minuter sparade per ärende", "Minutes saved per case",
           "min", "min", NUMBER, "12", number_format=HOURS_FORMAT, width=16),
    _Field("hourly_cost_sek", "Timkostnad", "Hourly cost", "kr/timme", "SEK/hour", NUMBER,
           "450", number_format=SEK_FORMAT),
    _Field("salary_sek", "Årslön", "Annual salary", "kr/år", "SEK/year", NUMBER, "420000",
           number_format=SEK_FORMAT),
    _Field("oncost_rate", "Eget PO-pålägg", "Own on-cost rate", "0–1, valfritt",
           "0–1, optional", SHARE, "0,54", number_format=PERCENT_FORMAT),
    _Field("committed_fte_by_year", "Åtagna årsarbetare", "Committed FTE", "åa", "FTE",
           NUMBER, "0,5", per_year=True, number_format=DECIMAL_FORMAT),
    _Field("value_per_hour_sek", "Värde per timme", "Value per hour", "kr/timme", "SEK/hour",
           NUMBER, "150", number_format=SEK_FORMAT),
    _Field("amount_sek", "Belopp per ärende", "Amount per case", "kr", "SEK", NUMBER, "12",
           number_format=SEK_FORMAT),
    _Field("by_year_sek", "Fast belopp", "Fixed amount", "kr", "SEK", NUMBER, "50000",
           per_year=True, number_format=SEK_FORMAT),
    _Field("goal", "Mål", "Goal", "nr", "no.", INTEGER, "1", number_format=INT_FORMAT),
    _Field("indicator", "Indikator", "Indicator", type=TEXT, example="Nöjd-kund-index",
           width=24),
)
COST_FIELDS: tuple[_Field, ...] = (
    _Field("name", "Namn", "Name", type=TEXT, example="Utveckling", width=28),
    _Field("kind", "Typ", "Kind", type=COST_KIND, example="Investering", width=14),
    _Field("by_year_sek", "Kostnad", "Cost", "kr", "SEK", NUMBER, "150000", per_year=True,
           number_format=SEK_FORMAT, width=16),
)


@dataclass(frozen=True)
class _Setting:
    """One row of the settings sheet: JSON key, name, unit, explanation, type and example."""

    key: str
    sv: str
    en: str
    unit_sv: str
    unit_en: str
    help_sv: str
    help_en: str
    type: str
    example: str
    number_format: str | None = None


SETTINGS: tuple[_Setting, ...] = (
    _Setting("start_year", "Startår", "Start year", "år", "year",
             "År 0, beslutsåret; diskonteras inte. Bestämmer årskolumnerna: ladda ner en ny "
             "mall om du vill byta.",
             "Year 0, the decision year; not discounted. Sets the year columns: download a "
             "new template to change it.", INTEGER, "2010", INT_FORMAT),
    _Setting("years", "Antal år (N)", "Number of years (N)", "år", "years",
             "Kalkylperiodens längd; måste stämma med mallens årskolumner.",
             "Length of the calculation; must match the template's year columns.",
             INTEGER, "5", INT_FORMAT),
    _Setting("discount_rate", "Kalkylränta (r)", "Discount rate (r)", "andel per år",
             "share per year", "Real ränta; 3,5 % skrivs 0,035 eller 3,5 %.",
             "Real rate; 3.5 % is written 0.035 or 3.5 %.", SHARE, "0,035",
             PERCENT_FORMAT),
    _Setting("channel_unit_sek", "Kanalenhet (u)", "Channel unit (u)", "kr per indexpoäng",
             "SEK per index point",
             "Kronor per kanalindexpoäng (e-tjänst 1, telefon 50, e-post 70, brev 90, "
             "besök 110).",
             "SEK per channel index point (e-service 1, phone 50, email 70, letter 90, "
             "visit 110).", NUMBER, "2", SEK_FORMAT),
    _Setting("hours_per_fte", "Timmar per årsarbetare", "Hours per FTE", "timmar/år",
             "hours/year", "Arbetade timmar per årsarbetare och år.",
             "Hours worked per full-time equivalent and year.", NUMBER, "1700",
             VOLUME_FORMAT),
    _Setting("oncost_rate", "PO-pålägg", "On-cost rate", "andel av lönen", "share of salary",
             "Personalomkostnader ovanpå lönen; används när en rad anger årslön.",
             "Payroll on-costs on top of salary; used when a line gives a salary.",
             SHARE, "0,54", PERCENT_FORMAT),
    _Setting("adoption.target", "Införandegrad, mål (A)", "Adoption target (A)", "andel",
             "share", "Andelen ärenden som till slut går via e-tjänsten.",
             "The share of cases that finally go through the e-service.", SHARE, "0,6",
             PERCENT_FORMAT),
    _Setting("adoption.ramp_years", "Upptrappningstid (R)", "Ramp length (R)", "år", "years",
             "Antal år från driftstart tills målet nås.",
             "Years from go-live until the target is reached.", INTEGER, "3", INT_FORMAT),
    _Setting("adoption.go_live_index", "Driftstart (g)", "Go-live index (g)",
             "år efter startåret", "years after the start year",
             "0 = startåret, 1 = året efter, …", "0 = the start year, 1 = the year after, …",
             INTEGER, "1", INT_FORMAT),
    _Setting("sensitivity.benefits_change", "Känslighet: ändring av nyttor",
             "Sensitivity: change in benefits", "andel", "share",
             "Känslighetsscenario; −20 % skrivs −0,2 eller −20 %.",
             "Sensitivity scenario; −20 % is written −0.2 or −20 %.", CHANGE, "-0,2",
             PERCENT_FORMAT),
    _Setting("sensitivity.costs_change", "Känslighet: ändring av kostnader",
             "Sensitivity: change in costs", "andel", "share",
             "Känslighetsscenario; +20 % skrivs 0,2 eller 20 %.",
             "Sensitivity scenario; +20 % is written 0.2 or 20 %.", CHANGE, "0,2",
             PERCENT_FORMAT),
)
SETTINGS_BY_KEY: Mapping[str, _Setting] = {setting.key: setting for setting in SETTINGS}
