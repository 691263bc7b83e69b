"""The calculation engine's refusals, said in Swedish at the workbook's cell."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.benefits.calculation import (
    CalculationInputError,
)

from .layout import CHANGE, KIND_LABELS, NUMBER, RECIPIENT, SHARE
from .problems import _Problems
from .reader import _CHOICE_HELP, _Locator, _Where


def _sv_number(text: str) -> str:
    """Write decimal points in numbers as Swedish decimal commas."""
    return re.sub(r"(?<=\d)\.(?=\d)", ",", text)


def _kind_label(code: str) -> str:
    """Return a kind's Swedish label, or the code if unknown."""
    return KIND_LABELS[code][0] if code in KIND_LABELS else code


_SHARE_HINT = {
    SHARE: " – skriv andelen som decimaltal (0,5) eller i procent (50 %)",
    CHANGE: " – skriv ändringen som decimaltal (−0,2) eller i procent (−20 %)",
}
_TRANSLATIONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], str]], ...] = tuple(
    (re.compile(pattern), render) for pattern, render in (
        (r"^must be a number", lambda m, t: "är inget tal"),
        (r"^must be a whole number, e\.g\.", lambda m, t: "måste vara ett heltal, t.ex. 3"),
        (r"^must be a whole number from (\S+) to (\S+) \(got (.*)\)$",
         lambda m, t: f"måste vara ett heltal från {m[1]} till {m[2]} "
                      f"(nu {_sv_number(m[3])})"),
        (r"^must not be negative \(got (.*)\)$",
         lambda m, t: f"får inte vara negativ (nu {_sv_number(m[1])}) – skriv 0 eller mer"),
        (r"^must be between (\S+) and (\S+) \(got (.*)\)$",
         lambda m, t: f"måste ligga mellan {_sv_number(m[1])} och {_sv_number(m[2])} "
                      f"(nu {_sv_number(m[3])}){_SHARE_HINT.get(t, '')}"),
        (r"^must be greater than (\S+) \(got (.*)\)$",
         lambda m, t: f"måste vara större än {_sv_number(m[1])} (nu {_sv_number(m[2])})"),
        (r"^must be at least (\S+) \(got (.*)\)$",
         lambda m, t: f"måste vara minst {_sv_number(m[1])} (nu {_sv_number(m[2])})"),
        (r"^must be at most (\S+) \(got (.*)\)$",
         lambda m, t: f"får vara högst {_sv_number(m[1])} (nu {_sv_number(m[2])})"),
        (r"^shares must add up to 1 \(they add up to (.*)\)$",
         lambda m, t: "för telefon, e-post, brev och besök måste tillsammans bli 1 (100 %) – "
                      f"nu blir de {_sv_number(m[1])}"),
        (r"^must be an object of shares",
         lambda m, t: "saknas – fyll i andelar för telefon, e-post, brev och besök som "
                      "tillsammans blir 100 %"),
        (r"^is required for a cost line",
         lambda m, t: "saknas – fyll i den för varje kostnadsrad"),
        (r"^is required for a (\w+) line",
         lambda m, t: f"saknas – den behövs för typen {_kind_label(m[1])}"),
        (r"^is required: organisation, citizens or businesses",
         lambda m, t: "saknas – " + _CHOICE_HELP[RECIPIENT]),
        (r"^must be citizens or businesses for citizen_time",
         lambda m, t: "måste vara Medborgare eller Företag för Medborgartid – använd "
                      "Personaltid för organisationens egen tid"),
        (r"^must be organisation for staff_time",
         lambda m, t: "måste vara Organisationen för Personaltid – använd Medborgartid för "
                      "medborgares eller företags tid"),
        (r"^can only be given when the recipient is organisation",
         lambda m, t: "får bara fyllas i när mottagaren är Organisationen – töm cellen"),
        (r"^give either hourly_cost_sek or salary_sek, not both",
         lambda m, t: "och Årslön är båda ifyllda – fyll i bara den ena"),
        (r"^is required for staff_time unless salary_sek is given",
         lambda m, t: "saknas – fyll i timkostnad (kr/timme) eller årslön (kr/år)"),
        (r"^only applies with salary_sek",
         lambda m, t: "gäller bara tillsammans med årslön; timkostnaden innehåller redan PO – "
                      "töm cellen"),
        (r"^cannot be set on citizen_time",
         lambda m, t: "kan inte anges för Medborgartid: tid som medborgare eller företag "
                      "sparar frigör aldrig pengar – töm cellen"),
        (r"^must be false unless the recipient is organisation",
         lambda m, t: "kan bara vara ja när mottagaren är Organisationen – välj nej"),
        (r"^must be 0 unless the recipient is organisation",
         lambda m, t: "måste vara 0 när mottagaren inte är Organisationen"),
        (r"^must be a non-empty text", lambda m, t: "saknas – fyll i en text"),
        (r"^is required: the calendar year",
         lambda m, t: "saknas – skriv beslutsåret, t.ex. 2010"),
        (r"^is required for an adoption ramp",
         lambda m, t: "saknas – införandegrad, upptrappningstid och driftstart hör ihop"),
        (r"^is required: \{target",
         lambda m, t: "saknas – fyll i införandegrad (A), upptrappningstid (R) och "
                      "driftstart (g)"),
    )
)


def _translate(message: str, where: _Where | None) -> str:
    """Say an engine message in Swedish, led by the field's name."""
    kind = where.type if where else NUMBER
    for pattern, render in _TRANSLATIONS:
        match = pattern.search(message)
        if match:
            text = render(match, kind)
            break
    else:
        text = f"kontrollera värdet ({message})"
    return f"{where.label} {text}." if where else f"Kalkylen: {text}."


def _engine_problems(error: CalculationInputError, locator: _Locator,
                     problems: _Problems) -> None:
    """Add the engine's errors at their sheet and cell, skipping cells already reported."""
    for path, message in error.errors:
        where = locator.find(path)
        if where is None:
            problems.add(None, [], _translate(message, None))
            continue
        if problems.covers(where.sheet, where.cells):
            continue
        problems.add(where.sheet, list(where.cells), _translate(message, where))
