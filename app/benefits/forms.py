"""Forms of the calculation editor, the Excel upload and the benefit register, with their labels.

Every input of a calculation form carries `data-key` (its place in the engine's JSON payload)
and `data-type`. `CalculationForm.payload_part` builds the JSON from them exactly as
`app/static/js/benefits.js` does while the user types, so saved and live figures share one
mapping, and `field_for_path` finds the input behind an engine error such as
`benefits[1].channel_mix.phone`.
"""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from app.accounts.forms import select_choices, strip_whitespace
from app.benefits.calculation import BASELINE_CHANNELS, MAX_START_YEAR, MAX_YEARS, MIN_START_YEAR
from app.core import labels
from app.core.enums import BenefitKind, CostKind, Recipient

KIND_LABELS = {
    BenefitKind.CHANNEL_SHIFT: _l("Channel shift (cases move to the e-service)"),
    BenefitKind.STAFF_TIME: _l("Staff time saved"),
    BenefitKind.CITIZEN_TIME: _l("Time saved for citizens or businesses"),
    BenefitKind.PER_CASE: _l("Saving per digital case (postage, printing)"),
    BenefitKind.FIXED: _l("Fixed saving per year (e.g. a licence switched off)"),
    BenefitKind.QUALITATIVE: _l("Qualitative benefit (counted, not valued)"),
}
RECIPIENT_LABELS = {
    Recipient.ORGANISATION: _l("The organisation"),
    Recipient.CITIZENS: _l("Citizens"),
    Recipient.BUSINESSES: _l("Businesses"),
}
COST_KIND_LABELS = {
    CostKind.INVESTMENT: _l("Investment"),
    CostKind.RUNNING: _l("Running cost"),
}
CHANNEL_LABELS = {
    "phone": _l("Phone (%)"),
    "email": _l("E-mail (%)"),
    "letter": _l("Letter (%)"),
    "visit": _l("Visit (%)"),
}
# What the calculation forms call each engine key, so the engine's problems name fields alike.
SETTING_LABELS = {
    "start_year": _l("Start year (the decision year, t = 0)"),
    "years": _l("Number of years"),
    "discount_rate": _l("Discount rate (% per year, real)"),
    "channel_unit_sek": _l("Channel unit (kr per index point)"),
    "hours_per_fte": _l("Working hours per full-time employee (hours per year)"),
    "oncost_rate": _l("Payroll on-costs (percent of salary)"),
    "adoption": _l("Adoption"),
    "adoption.target": _l("Adoption target (percent of the cases that go digital)"),
    "adoption.ramp_years": _l("Years to reach the target (ramp, years)"),
    "adoption.go_live_index": _l("Go-live year (calendar year)"),
    "adoption.by_year": _l("Adoption per year (%)"),
    "sensitivity": _l("Sensitivity scenario"),
    "sensitivity.benefits_change": _l("Sensitivity: change in benefits (%)"),
    "sensitivity.costs_change": _l("Sensitivity: change in costs (%)"),
}
COST_LABELS = {
    "name": _l("Name of the cost"),
    "kind": _l("Kind of cost"),
    "by_year_sek": _l("Cost per year (kr)"),
}
BENEFIT_LABELS = {
    "kind": _l("Kind of benefit"),
    "name": _l("Name of the benefit"),
    "recipient": _l("Who receives the benefit"),
    "owner_organisation_id": _l("Owning organisation"),
    "volume_per_year": _l("Cases per year (cases)"),
    "channel_mix": _l("Channel mix today (percent of the cases, adding up to 100)"),
    **{f"channel_mix.{channel}": label for channel, label in CHANNEL_LABELS.items()},
    "cash_releasing_share": _l("Cash-releasing share (%)"),
    "minutes_saved_per_case": _l("Minutes saved per case (minutes)"),
    "hourly_cost_sek": _l("Hourly cost (kr per hour, on-costs included)"),
    "salary_sek": _l("Salary (kr per year)"),
    "oncost_rate": _l("Own payroll on-costs (percent of salary, optional)"),
    "committed_fte_by_year": _l("Committed reduction (full-time employees)"),
    "value_per_hour_sek": _l("Value of an hour of their time (kr per hour)"),
    "amount_sek": _l("Saving per digital case (kr per case)"),
    "by_year_sek": _l("Saving per year (kr)"),
    "cash_releasing": _l("Cash-releasing (the organisation takes the saving out of its budget)"),
    "goal": _l("The programme goal it serves"),
    "indicator": _l("The indicator that will show it"),
    "adoption.target": _l("Own adoption target (%)"),
    "adoption.ramp_years": _l("Own ramp (years)"),
    "adoption.go_live_index": _l("Own go-live year (calendar year)"),
}
LABELS = {"kind": KIND_LABELS, "recipient": RECIPIENT_LABELS, "cost_kind": COST_KIND_LABELS,
          "version_kind": labels.CALCULATION_VERSION}

SETTINGS_KEYS = ("start_year", "years", "discount_rate", "channel_unit_sek", "hours_per_fte",
                 "oncost_rate", "adoption", "sensitivity")
ADOPTION_KINDS = frozenset({BenefitKind.CHANNEL_SHIFT, BenefitKind.STAFF_TIME,
                            BenefitKind.CITIZEN_TIME, BenefitKind.PER_CASE})
MAX_NUMBER = Decimal(10) ** 13
NUMBER_PATTERN = re.compile(r"-?\d+(\.\d+)?")
PATH_PATTERN = re.compile(r"(benefits|costs)\[(\d+)\](?:\.(.*))?")


# ---- numbers ------------------------------------------------------------------------------

def parse_number(text: str) -> Decimal | None:
    """Read a number typed the Swedish way: spaces between thousands, comma or point decimals."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "").replace(",", ".").replace("\u2212", "-")
    if not cleaned:
        return None
    if not NUMBER_PATTERN.fullmatch(cleaned) or len(cleaned) > 30:
        raise ValueError(cleaned)
    return Decimal(cleaned)


def format_number(value: Decimal | float | int | None, group: bool = True) -> str:
    """Show a number for editing: thousands spaced, decimal comma in Swedish, no trailing zeros."""
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    whole, _sep, fraction = f"{abs(number):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", " ") if group else str(int(whole))
    comma = "," if str(get_locale() or "sv").startswith("sv") else "."
    sign = "-" if number < 0 else ""
    return sign + grouped + (comma + fraction if fraction else "")


def json_number(value: Decimal) -> int | float:
    """Give the engine an int for whole numbers and a float otherwise."""
    return int(value) if value == value.to_integral_value() else float(value)


class NumberField(StringField):
    """A number typed the Swedish way; a percentage field shows % and stores a share."""

    def __init__(self, label=None, validators=None, *, minimum=None, maximum=None,
                 whole: bool = False, percent: bool = False, required: bool = False,
                 key: str | None = None, kind: str | None = None, **kwargs):
        render_kw = {"inputmode": "numeric" if whole else "decimal", "autocomplete": "off"}
        if minimum is not None:
            render_kw["data-min"] = f"{Decimal(str(minimum)).normalize():f}"
        if maximum is not None:
            render_kw["data-max"] = f"{Decimal(str(maximum)).normalize():f}"
        if key:
            render_kw.update({"data-key": key,
                              "data-type": kind or ("percent" if percent else
                                                    "int" if whole else "number")})
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.whole, self.percent, self.required = whole, percent, required
        self.group = kind != "year" and key != "start_year"

    def process_formdata(self, valuelist):
        self.data = None
        try:
            value = parse_number(valuelist[0] if valuelist else "")
        except (ValueError, InvalidOperation):
            raise ValueError(_l("Write a number with digits, for example 12 or 3,5.")) from None
        if value is not None and self.whole and value != value.to_integral_value():
            raise ValueError(_l("Write a whole number, for example 5."))
        if value is not None and abs(value) >= MAX_NUMBER:
            raise ValueError(_l("The number is too large."))
        self.data = value

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        if self.data is None:
            if self.required:
                raise StopValidation(_("Fill in this field."))
            return
        low, high = self.minimum, self.maximum
        if (low is not None and self.data < low) or (high is not None and self.data > high):
            if low is not None and high is not None:
                message = _("Write a number from %(low)s to %(high)s.", low=format_number(low),
                            high=format_number(high))
            elif low is not None:
                message = _("Write a number of at least %(low)s.", low=format_number(low))
            else:
                message = _("Write a number of at most %(high)s.", high=format_number(high))
            raise StopValidation(message)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_number(self.data, self.group)

    def load(self, value) -> None:
        """Show a payload value (a share for percentage fields) in the field."""
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            self.data = None
            return
        number = Decimal(str(value))
        self.data = number * 100 if self.percent else number

    @property
    def payload(self) -> int | float | None:
        if self.data is None:
            return None
        return json_number(self.data / 100 if self.percent else self.data)


def _text(label, key: str, *, max_length: int = 300, required: bool = False, description=None):
    validators = ([DataRequired(_l("Fill in this field."))] if required else [Optional()])
    return StringField(label, [*validators, Length(max=max_length)], filters=[strip_whitespace],
                       description=description,
                       render_kw={"data-key": key, "data-type": "text"})


def _select(label, key: str, choices, *, kind: str = "text", description=None):
    return SelectField(label, choices=select_choices(choices), default="",
                       description=description, render_kw={"data-key": key, "data-type": kind})


def _series(label, key: str, years: int, *, blank_zero: bool = False, **number):
    render_kw = {"data-series": True}
    if blank_zero:
        render_kw["data-blank-zero"] = True
    return FieldList(NumberField(label, key=key, render_kw=render_kw, **number),
                     min_entries=years, max_entries=years)


# ---- the calculation forms ------------------------------------------------------------------

class CalculationForm(FlaskForm):
    """A part of the calculation payload (settings, one benefit line or one cost line)."""

    part = "settings"
    groups: tuple = ()
    year_fields: tuple[str, ...] = ()

    def __init__(self, *args, start_year: int, years: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_year, self.years = start_year, years
        self.other_errors: list[dict] = []
        for field in self:
            if isinstance(field, FieldList):
                for offset, entry in enumerate(field.entries):
                    entry.label.text = str(start_year + offset)
                    entry.summary_label = f"{field.label.text} {start_year + offset}"

    def data_fields(self):
        """Every input with a payload key, FieldList entries one by one."""
        for field in self:
            if isinstance(field, FieldList):
                yield from field.entries
            elif (field.render_kw or {}).get("data-key"):
                yield field

    def payload_part(self) -> dict:
        """Build this form's part of the JSON payload; blank inputs are left out."""
        result: dict = {}
        series: dict[str, list] = {}
        scalars: dict[str, object] = {}
        years: dict[str, int] = {}
        for field in self.data_fields():
            kw = field.render_kw or {}
            key, kind = kw["data-key"], kw.get("data-type", "text")
            value = _field_value(field, kind)
            if kw.get("data-series"):
                series.setdefault(key, []).append(
                    0 if value is None and kw.get("data-blank-zero") else value)
            elif kw.get("data-scalar"):
                scalars[key] = value
            elif kind == "year":
                if value is not None:
                    years[key] = value
            elif value is not None:
                _set_path(result, key, value)
        for key in series.keys() | scalars.keys():
            if scalars.get(key) is not None:
                _set_path(result, key, scalars[key])
            elif any(value is not None for value in series.get(key, [])):
                _set_path(result, key, series[key])
        start = result.get("start_year", self.start_year)
        for key, year in years.items():
            _set_path(result, key, year - start if isinstance(start, int) else year)
        return result

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self._check_series()
        self._check_years()
        return valid and not self.has_field_errors()

    def has_field_errors(self) -> bool:
        """Tell whether any input, FieldList entries included, has an error."""
        return any(field.errors for field in self.leaf_fields())

    def leaf_fields(self):
        """Every input of the form, FieldList entries one by one."""
        for field in self:
            if isinstance(field, FieldList):
                yield from field.entries
            else:
                yield field

    def _check_series(self) -> None:
        """Ask for either one number for every year or one per year, never half a list."""
        scalars = {(f.render_kw or {})["data-key"]: f for f in self
                   if (f.render_kw or {}).get("data-scalar")}
        for field in self:
            if not isinstance(field, FieldList) or not field.entries:
                continue
            kw = field.entries[0].render_kw or {}
            if kw.get("data-blank-zero"):
                continue
            filled = [entry for entry in field.entries if entry.data is not None]
            scalar = scalars.get(kw.get("data-key"))
            if scalar is not None and scalar.data is not None and filled:
                scalar.errors.append(_("Give either one number for every year or one per "
                                       "year, not both."))
            elif filled and len(filled) < len(field.entries):
                for entry in field.entries:
                    if entry.data is None and not entry.errors:
                        entry.errors.append(_("Fill in every year, or leave all years empty."))

    def _check_years(self) -> None:
        """Keep go-live years inside the calculation's years."""
        start, count = self._span()
        if start is None or count is None:
            return
        for name in self.year_fields:
            field = self[name]
            if field.data is not None and not field.errors and not (
                    start <= field.data <= start + count - 1):
                field.errors.append(_("Choose a year from %(first)d to %(last)d.",
                                      first=start, last=start + count - 1))

    def _span(self) -> tuple[int | None, int | None]:
        return self.start_year, self.years

    def field_for_path(self, path: str):
        """Find the input behind an engine field path inside this part (e.g. `channel_mix`)."""
        match = re.fullmatch(r"(.*?)\[(\d+)\]", path)
        key, index = (match.group(1), int(match.group(2))) if match else (path, None)
        fields = [f for f in self.data_fields() if f.type != "HiddenField"]
        if index is not None:
            entries = [f for f in fields if (f.render_kw or {}).get("data-key") == key
                       and (f.render_kw or {}).get("data-series")]
            if index < len(entries):
                return entries[index]
        exact = [f for f in fields if (f.render_kw or {}).get("data-key") == key]
        if exact:
            return exact[0]
        nested = [f for f in fields if (f.render_kw or {}).get("data-key", "").startswith(
            key + ".")]
        if nested:
            return nested[0]
        return fields[0] if fields else None

    def add_error(self, field, message: str) -> None:
        if field.errors and message in field.errors:
            return
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.append(message)

    def add_engine_errors(self, errors, prefix: str, describe) -> None:
        """Put each engine error on its input; errors in other parts go to `other_errors`."""
        for error in errors or ():
            path, message = error.get("field") or "", error.get("message") or ""
            inside = _strip_prefix(path, prefix)
            if inside is None:
                self.other_errors.append(describe(path, message))
                continue
            field = self.field_for_path(inside)
            if field is None:
                self.other_errors.append(describe(path, message))
            elif not field.errors:
                self.add_error(field, message)

    def managed_keys(self) -> set[str]:
        """The top-level payload keys this form sets (the others are kept as they were)."""
        return {(f.render_kw or {})["data-key"].split(".")[0] for f in self.data_fields()}

    @property
    def all_errors(self) -> bool:
        return self.has_field_errors() or bool(self.other_errors)


def _strip_prefix(path: str, prefix: str) -> str | None:
    """Return the path inside `prefix` (e.g. `benefits[2]`), or None if it lies elsewhere."""
    if not prefix:
        return None if PATH_PATTERN.match(path) or path in ("benefits", "costs") else path
    if path == prefix:
        return ""
    if path.startswith(prefix + "."):
        return path[len(prefix) + 1:]
    return None


def _field_value(field, kind: str):
    if kind == "bool":
        return bool(field.data)
    if isinstance(field, NumberField):
        payload = field.payload
        return int(payload) if payload is not None and kind in ("int", "year") else payload
    data = field.data.strip() if isinstance(field.data, str) else field.data
    if data in (None, ""):
        return None
    return int(data) if kind == "int" else data


def _set_path(target: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value


def _get_path(source: dict, path: str):
    for key in path.split("."):
        if not isinstance(source, dict) or key not in source:
            return None
        source = source[key]
    return source


def load_payload(form: CalculationForm, part: dict, start_year: int) -> None:
    """Fill a form's inputs from its part of a stored payload."""
    series_done: set[str] = set()
    for field in form:
        if isinstance(field, FieldList):
            key = (field.entries[0].render_kw or {}).get("data-key") if field.entries else None
            values = _get_path(part, key) if key else None
            scalar = next((f for f in form if (f.render_kw or {}).get("data-scalar")
                           and f.render_kw.get("data-key") == key), None)
            if isinstance(values, list):
                for entry, value in zip(field.entries, values, strict=False):
                    entry.load(value)
            elif scalar is not None:
                scalar.load(values)
            series_done.add(key)
            continue
        kw = field.render_kw or {}
        key, kind = kw.get("data-key"), kw.get("data-type")
        if not key or kw.get("data-scalar"):
            continue
        value = _get_path(part, key)
        if kind == "year":
            field.load(None if not isinstance(value, int) else start_year + value)
        elif isinstance(field, NumberField):
            field.load(value)
        elif kind == "bool":
            field.data = bool(value)
        elif value is not None:
            field.data = str(value)


class SettingsForm(CalculationForm):
    """The calculation's years, discount rate, adoption and sensitivity."""

    year_fields = ("adoption_go_live_year",)

    def _span(self) -> tuple[int | None, int | None]:
        start, years = self.start_year_field.payload, self.years_field.payload
        return (int(start) if start is not None else None,
                int(years) if years is not None else None)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        ramp = [self[name] for name in ("adoption_target", "adoption_ramp_years",
                                        "adoption_go_live_year")]
        if any(f.data is not None for f in ramp) and any(
                entry.data is not None for entry in self.adoption_by_year.entries):
            self.add_error(ramp[0], _("Give either a ramp or the adoption per year, not both."))
        return valid and not self.has_field_errors()

    def payload_part(self) -> dict:
        part = super().payload_part()
        explicit = part.get("adoption", {}).get("by_year")
        if explicit is not None:
            part["adoption"] = {"by_year": explicit}
        return part


def settings_form(start_year: int, years: int, **kwargs) -> SettingsForm:
    """Build the settings form with one adoption input per year."""
    fields = {
        "start_year_field": NumberField(
            SETTING_LABELS["start_year"], whole=True, required=True,
            minimum=MIN_START_YEAR, maximum=MAX_START_YEAR, key="start_year",
            description=_l("The calendar year of the decision and the investment; it is not "
                           "discounted.")),
        "years_field": NumberField(SETTING_LABELS["years"], whole=True, required=True, minimum=1,
                                   maximum=MAX_YEARS, key="years"),
        "discount_rate": NumberField(SETTING_LABELS["discount_rate"], percent=True,
                                     required=True, minimum=0, maximum=100, key="discount_rate"),
        "channel_unit_sek": NumberField(
            SETTING_LABELS["channel_unit_sek"], minimum=0, key="channel_unit_sek",
            description=_l("Leave empty to use the programme's setting.")),
        "hours_per_fte": NumberField(
            SETTING_LABELS["hours_per_fte"], minimum=1,
            key="hours_per_fte", description=_l("Leave empty to use the programme's setting.")),
        "oncost_rate": NumberField(
            SETTING_LABELS["oncost_rate"], percent=True, minimum=0, maximum=100,
            key="oncost_rate", description=_l("Leave empty to use the programme's setting.")),
        "adoption_target": NumberField(
            SETTING_LABELS["adoption.target"], percent=True, minimum=0,
            maximum=100, key="adoption.target"),
        "adoption_ramp_years": NumberField(
            SETTING_LABELS["adoption.ramp_years"], whole=True, minimum=1,
            maximum=MAX_YEARS, key="adoption.ramp_years"),
        "adoption_go_live_year": NumberField(
            SETTING_LABELS["adoption.go_live_index"], whole=True, key="adoption.go_live_index",
            kind="year", description=_l("Adoption is 0 before this year.")),
        "adoption_by_year": _series(
            SETTING_LABELS["adoption.by_year"], "adoption.by_year", years, percent=True, minimum=0,
            maximum=100),
        "sensitivity_benefits": NumberField(
            SETTING_LABELS["sensitivity.benefits_change"], percent=True, minimum=-100, maximum=100,
            key="sensitivity.benefits_change", description=_l("For example -20.")),
        "sensitivity_costs": NumberField(
            SETTING_LABELS["sensitivity.costs_change"], percent=True, minimum=-100, maximum=100,
            key="sensitivity.costs_change", description=_l("For example 20.")),
        "submit": SubmitField(_l("Save the settings")),
    }
    form_class = type("BoundSettingsForm", (SettingsForm,), fields)
    form_class.groups = (
        (None, ("start_year_field", "years_field", "discount_rate")),
        (SETTING_LABELS["adoption"], ("adoption_target", "adoption_ramp_years",
                                      "adoption_go_live_year")),
        (_l("Adoption per year instead of a ramp (optional)"), ("adoption_by_year",)),
        (SETTING_LABELS["sensitivity"], ("sensitivity_benefits", "sensitivity_costs")),
        (_l("Programme settings (optional)"), ("channel_unit_sek", "hours_per_fte",
                                               "oncost_rate")),
    )
    return form_class(start_year=start_year, years=years, **kwargs)


class CostLineForm(CalculationForm):
    """One cost line: a name, investment or running, and kronor per year."""

    part = "cost"


def cost_line_form(start_year: int, years: int, **kwargs) -> CostLineForm:
    """Build a cost line form with one amount per year."""
    fields = {
        "name": _text(COST_LABELS["name"], "name", required=True),
        "kind": _select(COST_LABELS["kind"], "kind", [("", _l("– choose –")),
                                                      *COST_KIND_LABELS.items()]),
        "by_year_sek": _series(COST_LABELS["by_year_sek"], "by_year_sek", years, whole=True,
                               minimum=0, blank_zero=True),
        "submit": SubmitField(_l("Save the cost line")),
    }
    form_class = type("BoundCostLineForm", (CostLineForm,), fields)
    form_class.groups = ((None, ("name", "kind")), (COST_LABELS["by_year_sek"], ("by_year_sek",)))
    return form_class(start_year=start_year, years=years, **kwargs)


class BenefitLineForm(CalculationForm):
    """One benefit line with exactly the inputs of its kind."""

    part = "benefit"
    year_fields = ("line_adoption_go_live_year",)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        shares = [self[f"mix_{c}"] for c in BASELINE_CHANNELS if f"mix_{c}" in self]
        if shares and not any(f.errors for f in shares):
            total = sum((f.data or Decimal(0)) for f in shares)
            if any(f.data is not None for f in shares) and abs(total - 100) > Decimal("0.1"):
                shares[0].errors.append(_("The shares must add up to 100 %% (now %(total)s %%).",
                                          total=format_number(total)))
        return valid and not self.has_field_errors()


def benefit_line_form(kind: BenefitKind, start_year: int, years: int, *, goals=(),
                      organisations=(), **kwargs) -> BenefitLineForm:
    """Build the form of one benefit kind; units are in the labels."""
    recipients = {
        BenefitKind.STAFF_TIME: (Recipient.ORGANISATION,),
        BenefitKind.CITIZEN_TIME: (Recipient.CITIZENS, Recipient.BUSINESSES),
    }.get(kind, tuple(Recipient))
    recipient_choices = [(r.value, RECIPIENT_LABELS[r]) for r in recipients]
    if kind is BenefitKind.QUALITATIVE:
        recipient_choices.insert(0, ("", _l("– not stated –")))
    fields = {
        "kind": HiddenField(default=kind.value, render_kw={"data-key": "kind",
                                                           "data-type": "text"}),
        "name": _text(BENEFIT_LABELS["name"], "name", required=True),
        "recipient": _select(BENEFIT_LABELS["recipient"], "recipient", recipient_choices),
    }
    if kind is not BenefitKind.QUALITATIVE:
        fields["owner_organisation_id"] = _select(
            BENEFIT_LABELS["owner_organisation_id"], "owner_organisation_id",
            [("", _l("– the applying organisation –")),
             *((str(o.id), o.name) for o in organisations)], kind="int",
            description=_l("Only for benefits to the organisation: who realises the saving."))
    groups = [(None, tuple(fields) + ())]
    if kind in ADOPTION_KINDS:
        fields["volume_every_year"] = NumberField(
            _l("Cases per year, the same every year (cases)"), minimum=0,
            key="volume_per_year", render_kw={"data-scalar": True})
        fields["volume_per_year"] = _series(BENEFIT_LABELS["volume_per_year"], "volume_per_year",
                                            years, minimum=0)
        groups.append((_l("Volume: one number for every year, or one per year"),
                       ("volume_every_year", "volume_per_year")))
    if kind is BenefitKind.CHANNEL_SHIFT:
        for channel in BASELINE_CHANNELS:
            fields[f"mix_{channel}"] = NumberField(CHANNEL_LABELS[channel], percent=True,
                                                   minimum=0, maximum=100,
                                                   key=f"channel_mix.{channel}")
        groups.append((BENEFIT_LABELS["channel_mix"],
                       tuple(f"mix_{c}" for c in BASELINE_CHANNELS)))
        fields["cash_releasing_share"] = NumberField(
            BENEFIT_LABELS["cash_releasing_share"], percent=True, minimum=0, maximum=100,
            key="cash_releasing_share",
            description=_l("The part of the value the organisation takes out of its budget."))
        groups.append((None, ("cash_releasing_share",)))
    if kind in (BenefitKind.STAFF_TIME, BenefitKind.CITIZEN_TIME):
        fields["minutes_saved_per_case"] = NumberField(
            BENEFIT_LABELS["minutes_saved_per_case"], minimum=0, key="minutes_saved_per_case")
    if kind is BenefitKind.STAFF_TIME:
        fields["hourly_cost_sek"] = NumberField(
            BENEFIT_LABELS["hourly_cost_sek"], minimum=0,
            key="hourly_cost_sek", description=_l("Give either the hourly cost or the salary."))
        fields["salary_sek"] = NumberField(BENEFIT_LABELS["salary_sek"], minimum=0,
                                           key="salary_sek")
        fields["oncost_rate"] = NumberField(
            BENEFIT_LABELS["oncost_rate"], percent=True, minimum=0,
            maximum=100, key="oncost_rate")
        groups.append((_l("Time and cost"), ("minutes_saved_per_case", "hourly_cost_sek",
                                             "salary_sek", "oncost_rate")))
        fields["fte_every_year"] = NumberField(
            _l("Committed reduction, the same every year (full-time employees)"), minimum=0,
            key="committed_fte_by_year", render_kw={"data-scalar": True})
        fields["committed_fte_by_year"] = _series(
            BENEFIT_LABELS["committed_fte_by_year"], "committed_fte_by_year", years,
            minimum=0)
        groups.append((_l("Full-time employees the benefit owner commits to remove "
                          "(cash-releasing part)"), ("fte_every_year", "committed_fte_by_year")))
    if kind is BenefitKind.CITIZEN_TIME:
        fields["value_per_hour_sek"] = NumberField(
            BENEFIT_LABELS["value_per_hour_sek"], minimum=0,
            key="value_per_hour_sek")
        groups.append((_l("Time and value"), ("minutes_saved_per_case", "value_per_hour_sek")))
    if kind is BenefitKind.PER_CASE:
        fields["amount_sek"] = NumberField(BENEFIT_LABELS["amount_sek"],
                                           minimum=0, key="amount_sek")
        groups.append((None, ("amount_sek",)))
    if kind is BenefitKind.FIXED:
        fields["by_year_sek"] = _series(BENEFIT_LABELS["by_year_sek"], "by_year_sek", years,
                                        minimum=0, blank_zero=True)
        groups.append((BENEFIT_LABELS["by_year_sek"], ("by_year_sek",)))
    if kind in (BenefitKind.PER_CASE, BenefitKind.FIXED):
        fields["cash_releasing"] = BooleanField(
            BENEFIT_LABELS["cash_releasing"],
            default=kind is BenefitKind.PER_CASE,
            render_kw={"data-key": "cash_releasing", "data-type": "bool"})
        groups.append((None, ("cash_releasing",)))
    if kind is BenefitKind.QUALITATIVE:
        fields["goal"] = _select(BENEFIT_LABELS["goal"], "goal",
                                 [("", _l("– choose –")), *goals], kind="int")
        fields["indicator"] = _text(BENEFIT_LABELS["indicator"], "indicator")
        groups.append((None, ("goal", "indicator")))
    if kind in ADOPTION_KINDS:
        fields["line_adoption_target"] = NumberField(
            BENEFIT_LABELS["adoption.target"], percent=True, minimum=0, maximum=100,
            key="adoption.target")
        fields["line_adoption_ramp_years"] = NumberField(
            BENEFIT_LABELS["adoption.ramp_years"], whole=True, minimum=1, maximum=MAX_YEARS,
            key="adoption.ramp_years")
        fields["line_adoption_go_live_year"] = NumberField(
            BENEFIT_LABELS["adoption.go_live_index"], whole=True, key="adoption.go_live_index",
            kind="year")
        groups.append((_l("Own adoption for this line (optional; leave empty to use the "
                          "calculation's)"), ("line_adoption_target", "line_adoption_ramp_years",
                                              "line_adoption_go_live_year")))
    fields["submit"] = SubmitField(_l("Save the benefit line"))
    form_class = type("BoundBenefitLineForm", (BenefitLineForm,), fields)
    form_class.groups = tuple((legend, tuple(n for n in names if n != "kind"))
                              for legend, names in groups)
    form_class.benefit_kind = kind
    return form_class(start_year=start_year, years=years, **kwargs)


# ---- Excel, register and realisation ------------------------------------------------------

class ImportForm(FlaskForm):
    """Upload a filled-in calculation template."""

    workbook = FileField(_l("Filled-in template (.xlsx)"),
                         validators=[FileRequired(_l("Choose the filled-in .xlsx file."))],
                         render_kw={"accept": ".xlsx"})
    submit = SubmitField(_l("Import the workbook"))


class RealisationForm(FlaskForm):
    """What a benefit actually gave in one year."""

    year = SelectField(_l("Year"), coerce=int, validators=[DataRequired(_l("Choose the year."))])
    actual_sek = NumberField(_l("Realised value (kr)"), whole=True, required=True, minimum=0,
                             maximum=10**12)
    actual_cash_releasing_sek = NumberField(
        _l("Of which cash-releasing (kr)"), whole=True, minimum=0, maximum=10**12,
        description=_l("The part taken out of the budget; at most the realised value."))
    indicator_value = NumberField(_l("Measured value of the indicator"),
                                  description=_l("For example 75 for a digital share of 75 %."))
    measured_by = StringField(_l("Measured by"), [Optional(), Length(max=200)],
                              filters=[strip_whitespace])
    evidence = TextAreaField(_l("Evidence"), [Optional(), Length(max=5000)],
                             filters=[strip_whitespace], render_kw={"rows": 3},
                             description=_l("Where the figure comes from, e.g. an invoice or a "
                                            "statistics report."))
    submit = SubmitField(_l("Save the realised value"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        actual, cash = self.actual_sek.data, self.actual_cash_releasing_sek.data
        if valid and cash is not None and actual is not None and cash > actual:
            self.actual_cash_releasing_sek.errors.append(
                _("The cash-releasing part cannot be more than the realised value."))
            return False
        return valid

    def realisation_data(self) -> dict:
        return {"year": self.year.data, "actual_sek": int(self.actual_sek.data),
                "actual_cash_releasing_sek": int(self.actual_cash_releasing_sek.data or 0),
                "indicator_value": self.indicator_value.data,
                "measured_by": self.measured_by.data or "", "evidence": self.evidence.data or ""}


class BenefitDetailsForm(FlaskForm):
    """The benefit owner and the indicator that will show the benefit."""

    benefit_owner_name = StringField(_l("Benefit owner (name)"), [Optional(), Length(max=200)],
                                     filters=[strip_whitespace])
    indicator = StringField(_l("Indicator"), [Optional(), Length(max=300)],
                            filters=[strip_whitespace],
                            description=_l("For example: share of applications made digitally."))
    indicator_baseline = NumberField(_l("Baseline value of the indicator"))
    submit = SubmitField(_l("Save the benefit owner and indicator"))

    def details_data(self) -> dict:
        return {"benefit_owner_name": self.benefit_owner_name.data or "",
                "indicator": self.indicator.data or "",
                "indicator_baseline": self.indicator_baseline.data}
