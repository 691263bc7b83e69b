"""The scenario form: name, value measure, weights (direct or pairwise), budget, and per
candidate the forcing with its reason (and an idea's estimated cost)."""

import re
from decimal import Decimal, InvalidOperation
from itertools import combinations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.accounts.forms import select_choices, strip_whitespace
from app.applications.forms import FieldErrors, WholeNumberField
from app.budget_cuts.forms import PercentField

from .rules import ValueMeasure
from .services import DIRECT, MAX_NAME, MAX_REASON, PAIRWISE

MEASURE_CHOICES = select_choices([
    (ValueMeasure.SCORE.value, _l("Strategic score (weighted assessment, 0–100)")),
    (ValueMeasure.NPV.value, _l("Net present value of the benefit calculation")),
    (ValueMeasure.BLEND.value, _l("Blend of score and net present value")),
])
WEIGHTING_CHOICES = select_choices([(DIRECT, _l("Set the weights directly")),
                                    (PAIRWISE, _l("Compare the goals in pairs"))])
FORCED_CHOICES = select_choices([("", _l("Let the optimiser choose")), ("in", _l("Forced in")),
                                 ("out", _l("Forced out"))])
SAATY = ("9", "7", "5", "3", "1", "1/3", "1/5", "1/7", "1/9")


def saaty_value(text: str) -> float:
    top, _sep, bottom = text.partition("/")
    return float(top) / float(bottom or 1)


def saaty_text(value: float) -> str:
    """The scale step nearest a stored ratio (to fill the form again)."""
    return min(SAATY, key=lambda step: abs(saaty_value(step) - value))


class DecimalTextField(StringField):
    """A number typed the Swedish way (decimal comma allowed), kept as a float."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        text = re.sub(r"[\s\u00a0]", "", valuelist[0]).replace(",", ".") if valuelist else ""
        if not text:
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValueError(_l("Write a number with digits, for example 2 or 0,5."))
        self.data = float(value)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:g}".replace(".", ",")


class ScenarioFormBase(FieldErrors, FlaskForm):
    name = StringField(_l("Name of the scenario"),
                       [InputRequired(_l("Give the scenario a name.")), Length(max=MAX_NAME)],
                       filters=[strip_whitespace])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=5000)],
                                filters=[strip_whitespace], render_kw={"rows": 2})
    value_measure = SelectField(_l("Value to maximise"), choices=MEASURE_CHOICES,
                                default=ValueMeasure.SCORE.value)
    score_share = PercentField(
        _l("The score's share of the blend (%)"), [Optional()], default=Decimal(50),
        description=_l("Blend = share × score + (1 − share) × 100 × NPV / the largest NPV "
                       "among the candidates (a negative NPV counts as 0)."))
    budget_sek = WholeNumberField(
        _l("Budget (kr)"), [Optional()], kronor=True,
        description=_l("Leave empty to use what is left in the envelope."))
    weighting = SelectField(_l("How the weights are set"), choices=WEIGHTING_CHOICES,
                            default=DIRECT)
    submit = SubmitField(_l("Save and calculate"))

    criteria: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    candidate_keys: tuple[str, ...] = ()
    idea_keys: frozenset[str] = frozenset()

    def weight(self, criterion):
        return self[f"weight_{criterion}"]

    def pair(self, first, second):
        return self[f"pair_{first}__{second}"]

    def forced(self, index):
        return self[f"forced_{index}"]

    def reason(self, index):
        return self[f"reason_{index}"]

    def estimate(self, index):
        return self._fields.get(f"estimate_{index}")

    def field_for(self, name):
        """Place a service's refusal on the control it is about."""
        name = name or ""
        parts = name.split(".")
        if parts[0] == "weights" and len(parts) == 2 and f"weight_{parts[1]}" in self._fields:
            return self._fields[f"weight_{parts[1]}"]
        if parts[0] == "pairwise" and len(parts) == 3:
            for first, second in ((parts[1], parts[2]), (parts[2], parts[1])):
                if f"pair_{first}__{second}" in self._fields:
                    return self._fields[f"pair_{first}__{second}"]
        if parts[0] in ("forced_in", "forced_out") and len(parts) == 3:
            key = self._forced_keys[parts[0]][int(parts[1])]
            return self._fields[f"reason_{self.candidate_keys.index(key)}"]
        if parts[0] == "estimates" and len(parts) == 2 and parts[1] in self.candidate_keys:
            return self._fields[f"estimate_{self.candidate_keys.index(parts[1])}"]
        if parts[0] in ("weights", "pairwise"):
            return self._fields["weighting"]
        return super().field_for(name)

    def data_for_service(self) -> dict:
        """The form's answers in the shape services.create_scenario takes."""
        forced = {"forced_in": [], "forced_out": []}
        estimates = {}
        for index, key in enumerate(self.candidate_keys):
            choice = self.forced(index).data
            if choice in ("in", "out"):
                forced[f"forced_{choice}"].append({"candidate": key,
                                                   "reason": self.reason(index).data or ""})
            estimate = self.estimate(index)
            if estimate is not None and estimate.data is not None:
                estimates[key] = estimate.data
        self._forced_keys = {direction: [entry["candidate"] for entry in entries]
                             for direction, entries in forced.items()}
        share = self.score_share.data
        return {
            "name": self.name.data, "description": self.description.data or "",
            "value_measure": self.value_measure.data,
            "score_share": 0.5 if share is None else float(share) / 100,
            "weighting": self.weighting.data,
            "weights": {c: (self.weight(c).data or 0) for c in self.criteria},
            "pairwise": {f"{a}:{b}": saaty_value(self.pair(a, b).data) for a, b in self.pairs},
            "budget_sek": self.budget_sek.data, **forced, "estimates": estimates,
        }


def scenario_form(criteria: list[str], goals: list[str], names: dict[str, str],
                  candidates: list[dict], settings: dict | None = None, **kwargs):
    """Build the form for these criteria and candidates, filled from a scenario's settings."""

    class Form(ScenarioFormBase):
        pass

    Form.criteria = tuple(criteria)
    Form.pairs = tuple(combinations(goals, 2))
    Form.candidate_keys = tuple(row["key"] for row in candidates)
    Form.idea_keys = frozenset(row["key"] for row in candidates if row["requested_sek"] is None)
    settings = settings or {}
    weights = settings.get("weights") or {}
    pairwise = settings.get("pairwise") or {}
    forced = {entry["candidate"]: (direction, entry["reason"])
              for direction in ("in", "out")
              for entry in settings.get(f"forced_{direction}", [])}
    estimates = settings.get("estimates") or {}
    for criterion in criteria:
        default = weights.get(criterion, 1.0 if criterion in goals else 0.0)
        setattr(Form, f"weight_{criterion}", DecimalTextField(
            _l("Weight: %(criterion)s", criterion=names[criterion]), [Optional()],
            default=round(float(default) * (100 if weights else 1), 2)))
    for first, second in Form.pairs:
        stored = pairwise.get(f"{first}:{second}")
        setattr(Form, f"pair_{first}__{second}", SelectField(
            _l("%(first)s compared with %(second)s", first=names[first], second=names[second]),
            choices=select_choices([(step, step) for step in SAATY]),
            default=saaty_text(stored) if stored else "1"))
    for index, row in enumerate(candidates):
        direction, reason = forced.get(row["key"], ("", ""))
        setattr(Form, f"forced_{index}", SelectField(
            _l("Choice for %(title)s", title=row["title"]), choices=FORCED_CHOICES,
            default=direction))
        setattr(Form, f"reason_{index}", StringField(
            _l("Reason for %(title)s", title=row["title"]),
            [Optional(), Length(max=MAX_REASON)], filters=[strip_whitespace], default=reason))
        if row["requested_sek"] is None:
            setattr(Form, f"estimate_{index}", WholeNumberField(
                _l("Estimated cost of %(title)s (kr)", title=row["title"]), [Optional()],
                kronor=True, minimum=1, default=estimates.get(row["key"])))
    if settings:
        kwargs.setdefault("data", {
            "name": settings.get("name"), "description": settings.get("description"),
            "value_measure": settings.get("value_measure"),
            "score_share": Decimal(str(round(settings.get("score_share", 0.5) * 100, 2))),
            "budget_sek": settings.get("budget_sek"), "weighting": settings.get("weighting")})
    form = Form(**kwargs)
    form._forced_keys = {"forced_in": [], "forced_out": []}
    return form
