"""The calculation engine's refusals, said in Swedish at the workbook's cell.

The workbook is Swedish by design, so it words each `EngineCode` itself, in terms of cells
and the template's lists, rather than through the app's translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.benefits.calculation import CalculationInputError, EngineCode, EngineProblem

from .layout import CHANGE, FLAG, KIND, KIND_LABELS, NUMBER, RECIPIENT, SHARE
from .problems import _Problems
from .reader import _CHOICE_HELP, _Locator, _Where


def _sv_number(value: object) -> str:
    """Write a number's decimal point as a Swedish decimal comma."""
    return str(value).replace(".", ",")


def _sv_bound(value: float) -> str:
    """Write a bound the short way (1, not 1.0) with a decimal comma."""
    return _sv_number(f"{value:g}")


def _kind_label(code: str) -> str:
    """Return a kind's Swedish label, or the code if unknown."""
    return KIND_LABELS[code][0] if code in KIND_LABELS else code


_SHARE_HINT = {
    SHARE: " – skriv andelen som decimaltal (0,5) eller i procent (50 %)",
    CHANGE: " – skriv ändringen som decimaltal (−0,2) eller i procent (−20 %)",
}
_NEW_TEMPLATE = "kan inte läsas – ladda ner en ny mall och flytta över dina värden"

# Each code's words after the field's name; they get the problem's values and the cell type.
_WORDS: Mapping[EngineCode, Callable[[Mapping, str], str]] = {
    EngineCode.UNKNOWN_FIELD: lambda p, t: "har ett fält som mallen inte känner till – ladda "
                                           "ner en ny mall och flytta över dina värden",
    EngineCode.NOT_A_NUMBER: lambda p, t: "är inget tal",
    EngineCode.BETWEEN: lambda p, t: f"måste ligga mellan {_sv_bound(p['minimum'])} och "
                                     f"{_sv_bound(p['maximum'])} (nu {_sv_number(p['value'])})"
                                     f"{_SHARE_HINT.get(t, '')}",
    EngineCode.GREATER_THAN: lambda p, t: f"måste vara större än {_sv_bound(p['minimum'])} "
                                          f"(nu {_sv_number(p['value'])})",
    EngineCode.NOT_NEGATIVE: lambda p, t: f"får inte vara negativ (nu {_sv_number(p['value'])}) "
                                          "– skriv 0 eller mer",
    EngineCode.AT_LEAST: lambda p, t: f"måste vara minst {_sv_bound(p['minimum'])} "
                                      f"(nu {_sv_number(p['value'])})",
    EngineCode.AT_MOST: lambda p, t: f"får vara högst {_sv_bound(p['maximum'])} "
                                     f"(nu {_sv_number(p['value'])})",
    EngineCode.NOT_A_WHOLE_NUMBER: lambda p, t: "måste vara ett heltal, t.ex. 3",
    EngineCode.WHOLE_NUMBER_RANGE: lambda p, t: f"måste vara ett heltal från {p['minimum']} "
                                                f"till {p['maximum']} "
                                                f"(nu {_sv_number(p['value'])})",
    EngineCode.TEXT_REQUIRED: lambda p, t: "saknas – fyll i en text",
    EngineCode.NOT_TRUE_OR_FALSE: lambda p, t: "är varken ja eller nej – " + _CHOICE_HELP[FLAG],
    EngineCode.NOT_A_LIST: lambda p, t: "måste ha ett värde för varje år",
    EngineCode.VALUES_PER_YEAR: lambda p, t: f"måste ha {p['years']} värden, ett per år "
                                             f"(nu {p['count']})",
    EngineCode.PAYLOAD_SHAPE: lambda p, t: _NEW_TEMPLATE,
    EngineCode.START_YEAR_REQUIRED: lambda p, t: "saknas – skriv beslutsåret, t.ex. 2010",
    EngineCode.ADOPTION_REQUIRED: lambda p, t: "saknas – fyll i införandegrad (A), "
                                               "upptrappningstid (R) och driftstart (g)",
    EngineCode.ADOPTION_SHAPE: lambda p, t: "måste vara införandegrad (A), upptrappningstid (R) "
                                            "och driftstart (g), eller en andel per år",
    EngineCode.REQUIRED_FOR_RAMP: lambda p, t: "saknas – införandegrad, upptrappningstid och "
                                               "driftstart hör ihop",
    EngineCode.BENEFITS_SHAPE: lambda p, t: _NEW_TEMPLATE,
    EngineCode.BENEFIT_LINE_SHAPE: lambda p, t: _NEW_TEMPLATE,
    EngineCode.KIND_REQUIRED: lambda p, t: "saknas – " + _CHOICE_HELP[KIND],
    EngineCode.UNKNOWN_KIND: lambda p, t: "är ingen känd typ – " + _CHOICE_HELP[KIND],
    EngineCode.REQUIRED_FOR_KIND: lambda p, t: "saknas – den behövs för typen "
                                               + _kind_label(p["kind"]),
    EngineCode.RECIPIENT_REQUIRED: lambda p, t: "saknas – " + _CHOICE_HELP[RECIPIENT],
    EngineCode.UNKNOWN_RECIPIENT: lambda p, t: "är ingen känd mottagare – "
                                               + _CHOICE_HELP[RECIPIENT],
    EngineCode.CITIZEN_TIME_RECIPIENT: lambda p, t: "måste vara Medborgare eller Företag för "
                                                    "Medborgartid – använd Personaltid för "
                                                    "organisationens egen tid",
    EngineCode.STAFF_TIME_RECIPIENT: lambda p, t: "måste vara Organisationen för Personaltid – "
                                                  "använd Medborgartid för medborgares eller "
                                                  "företags tid",
    EngineCode.CITIZEN_TIME_CASH: lambda p, t: "kan inte anges för Medborgartid: tid som "
                                               "medborgare eller företag sparar frigör aldrig "
                                               "pengar – töm cellen",
    EngineCode.OWNER_NEEDS_ORGANISATION: lambda p, t: "får bara fyllas i när mottagaren är "
                                                      "Organisationen – töm cellen",
    EngineCode.CASH_NEEDS_ORGANISATION: lambda p, t: "kan bara vara ja när mottagaren är "
                                                     "Organisationen – välj nej",
    EngineCode.CASH_SHARE_NEEDS_ORGANISATION: lambda p, t: "måste vara 0 när mottagaren inte "
                                                           "är Organisationen",
    EngineCode.CHANNEL_MIX_SHAPE: lambda p, t: "saknas – fyll i andelar för telefon, e-post, "
                                               "brev och besök som tillsammans blir 100 %",
    EngineCode.UNKNOWN_CHANNEL: lambda p, t: "är ingen känd kanal – fyll i andelar för "
                                             "telefon, e-post, brev och besök",
    EngineCode.SHARES_SUM: lambda p, t: "för telefon, e-post, brev och besök måste "
                                        "tillsammans bli 1 (100 %) – nu blir de "
                                        + _sv_number(f"{p['total']:.4g}"),
    EngineCode.HOURLY_OR_SALARY: lambda p, t: "och Årslön är båda ifyllda – fyll i bara den ena",
    EngineCode.HOURLY_COST_REQUIRED: lambda p, t: "saknas – fyll i timkostnad (kr/timme) eller "
                                                  "årslön (kr/år)",
    EngineCode.ONCOST_NEEDS_SALARY: lambda p, t: "gäller bara tillsammans med årslön; "
                                                 "timkostnaden innehåller redan PO – töm cellen",
    EngineCode.COSTS_SHAPE: lambda p, t: _NEW_TEMPLATE,
    EngineCode.COST_LINE_SHAPE: lambda p, t: _NEW_TEMPLATE,
    EngineCode.REQUIRED_FOR_COST_LINE: lambda p, t: "saknas – fyll i den för varje kostnadsrad",
    EngineCode.UNKNOWN_COST_KIND: lambda p, t: "är ingen känd kostnadstyp – välj Investering "
                                               "eller Drift i listan",
    EngineCode.SENSITIVITY_SHAPE: lambda p, t: "måste vara en ändring av nyttorna och en av "
                                               "kostnaderna, t.ex. −0,2 och 0,2",
}


def _in_swedish(problem: EngineProblem, where: _Where | None) -> str:
    """Say an engine problem in Swedish, led by the field's name (or by "Kalkylen")."""
    text = _WORDS[problem.code](problem.params, where.type if where else NUMBER)
    return f"{where.label} {text}." if where else f"Kalkylen: {text}."


def _engine_problems(error: CalculationInputError, locator: _Locator,
                     problems: _Problems) -> None:
    """Add the engine's problems at their sheet and cell, skipping cells already reported."""
    for problem in error.problems:
        where = locator.find(problem.field)
        if where is None:
            problems.add(None, [], _in_swedish(problem, None))
            continue
        if problems.covers(where.sheet, where.cells):
            continue
        problems.add(where.sheet, list(where.cells), _in_swedish(problem, where))
