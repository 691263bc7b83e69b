"""Forms: the budget-cut policy, proposing, the adopted cut and its correction, what-if."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from app.accounts.forms import strip_whitespace
from app.applications.forms import WholeNumberField

from .inputs import MAX_AMOUNT_SEK, MAX_REASON_LENGTH, MAX_REF_LENGTH
from .rules import MAX_LAG_YEARS

HUNDRED = Decimal(100)
MIN_YEAR, MAX_YEAR = 1900, 2200


class PercentField(StringField):
    """A percentage typed the Swedish way (decimal comma allowed), kept as a Decimal."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        text = re.sub(r"[\s\u00a0%]", "", valuelist[0]).replace(",", ".") if valuelist else ""
        if not text:
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValueError(_l("Write a percentage with digits, for example 50 or 33,5."))
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data.normalize():f}".replace(".", ",")


class YearField(WholeNumberField):
    """A calendar year, shown without a thousands separator."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def _year_field(label, validators):
    return YearField(label, validators, minimum=MIN_YEAR, maximum=MAX_YEAR,
                     render_kw={"inputmode": "numeric", "autocomplete": "off"})


def _lag_field(label, validators, description=None):
    return WholeNumberField(label, validators, minimum=0, maximum=MAX_LAG_YEARS,
                            description=description,
                            render_kw={"inputmode": "numeric", "autocomplete": "off"})


class ServiceErrors:
    """Show a service's refusal on the field it names, or on the form's first field."""

    def add_error(self, name: str | None, message: str) -> None:
        field = self._fields.get(name or "") or next(
            f for f in self if f.type not in ("CSRFTokenField", "SubmitField", "HiddenField"))
        field.errors = [*field.errors, message]


class PolicyForm(ServiceErrors, FlaskForm):
    """A budget-cut policy that takes effect from a budget year."""

    valid_from_year = _year_field(
        _l("In force from budget year"),
        [InputRequired(_l("Give the first budget year the policy applies to."))])
    share = PercentField(
        _l("Share taken back (%)"),
        [InputRequired(_l("Give the share as a percentage, 0 to 100."))],
        description=_l("How much of the cash-releasing savings reduces the owner's budget, "
                       "0–100 %."))
    lag_years = _lag_field(
        _l("Lag (years)"), [InputRequired(_l("Give the lag in whole years."))],
        _l("1 means the budget year after the year the saving is planned."))
    net_running_costs = BooleanField(
        _l("Net the service's new running costs against the saving"))
    allow_before_go_live = BooleanField(
        _l("Allow cuts for years before the service has gone live"))
    submit = SubmitField(_l("Save the policy"))

    def policy_data(self) -> dict:
        """Return the service's data: the share as a fraction of 1."""
        return {"valid_from_year": self.valid_from_year.data,
                "share": self.share.data / HUNDRED if self.share.data is not None else None,
                "lag_years": self.lag_years.data,
                "net_running_costs": bool(self.net_running_costs.data),
                "allow_before_go_live": bool(self.allow_before_go_live.data)}

    def fill(self, policy) -> None:
        self.valid_from_year.data = policy.valid_from_year
        self.share.data = (Decimal(policy.share) * HUNDRED).normalize()
        self.lag_years.data = policy.lag_years
        self.net_running_costs.data = policy.net_running_costs
        self.allow_before_go_live.data = policy.allow_before_go_live


class ProposeForm(FlaskForm):
    submit = SubmitField(_l("Propose the cuts for this year"))


class DeleteForm(FlaskForm):
    submit = SubmitField(_l("Remove"))


class DecisionForm(ServiceErrors, FlaskForm):
    """The cut the council adopted, or a correction of it."""

    amount_sek = WholeNumberField(
        _l("Adopted cut (kronor)"), kronor=True, maximum=MAX_AMOUNT_SEK,
        validators=[InputRequired(_l("Give the adopted cut in kronor."))])
    council_decision_ref = StringField(
        _l("Council decision reference"),
        validators=[InputRequired(_l("Give the reference of the council's budget decision.")),
                    Length(max=MAX_REF_LENGTH)],
        filters=[strip_whitespace],
        description=_l("For example: KF 2011-11-28, Budget 2012, dnr 123-456/2011."))
    reason = TextAreaField(
        _l("Reason"), validators=[Optional(), Length(max=MAX_REASON_LENGTH)],
        filters=[strip_whitespace], render_kw={"rows": 3},
        description=_l("Required when the cut differs from the proposal, when there is no "
                       "proposal, and for a correction."))
    submit = SubmitField(_l("Record the adopted cut"))


class ScenarioForm(Form):
    """One policy to compare."""

    share = PercentField(_l("Share taken back (%)"), [Optional()])
    lag_years = _lag_field(_l("Lag (years)"), [Optional()])
    net_running_costs = BooleanField(_l("Net running costs"))
    allow_before_go_live = BooleanField(_l("Allow cuts before go-live"))

    def policy_data(self) -> dict:
        return {"share": self.share.data / HUNDRED if self.share.data is not None else None,
                "lag_years": self.lag_years.data if self.lag_years.data is not None else 1,
                "net_running_costs": bool(self.net_running_costs.data),
                "allow_before_go_live": bool(self.allow_before_go_live.data)}


class WhatIfForm(ServiceErrors, FlaskForm):
    """Compare policies over a range of budget years (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    first_year = _year_field(_l("First budget year"), [Optional()])
    last_year = _year_field(_l("Last budget year"), [Optional()])
    scenarios = FieldList(FormField(ScenarioForm), min_entries=3, max_entries=3)
    submit = SubmitField(_l("Compare"))
