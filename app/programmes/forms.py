"""Forms of the programme set-up pages (administrators): settings, envelope, goals, areas,
calendar, and delegation regimes with a fixed table of authority rows (empty rows ignored)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.accounts.forms import strip_whitespace
from app.applications.forms import WholeNumberField

from . import rules

DAYS = NumberRange(min=0, max=rules.MAX_DUE_DAYS)
STAGE_LABELS = {
    "submitted": _l("Service days: submitted"),
    "in_preparation": _l("Service days: in preparation"),
    "advisory_opinion": _l("Service days: advisory opinion"),
    "quality_check": _l("Service days: quality check"),
    "awaiting_decision": _l("Service days: awaiting decision"),
}


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       filters=[strip_whitespace])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired()])
    diary_number_format = StringField(
        _l("Diary number format"), default="SLK {year}/{seq:04d}",
        validators=[DataRequired(), Length(max=60)],
        description=_l("For example SLK {year}/{seq:04d}: the year and a running number."))
    calculation_years = IntegerField(_l("Calculation years"), default=5,
                                     validators=[InputRequired(), NumberRange(min=1, max=50)])
    discount_rate = DecimalField(_l("Discount rate"), default=0.035, places=4,
                                 validators=[InputRequired(), NumberRange(min=0, max=0.9999)],
                                 description=_l("A fraction: 0.035 is 3.5 %."))
    hours_per_fte = IntegerField(_l("Hours per full-time equivalent"), default=1700,
                                 validators=[InputRequired(), NumberRange(min=1, max=8784)])
    oncost_rate = DecimalField(_l("On-cost rate"), default=0.54, places=4,
                               validators=[InputRequired(), NumberRange(min=0, max=9.9999)],
                               description=_l("A fraction: 0.54 is 54 %."))
    channel_unit_sek = IntegerField(_l("Cost per channel contact (SEK)"), default=2,
                                    validators=[InputRequired(),
                                                NumberRange(min=0, max=rules.MAX_AMOUNT_SEK)])
    submitted = IntegerField(STAGE_LABELS["submitted"], default=5, validators=[Optional(), DAYS])
    in_preparation = IntegerField(STAGE_LABELS["in_preparation"], default=21,
                                  validators=[Optional(), DAYS])
    advisory_opinion = IntegerField(STAGE_LABELS["advisory_opinion"], default=14,
                                    validators=[Optional(), DAYS])
    quality_check = IntegerField(STAGE_LABELS["quality_check"], default=7,
                                 validators=[Optional(), DAYS])
    awaiting_decision = IntegerField(STAGE_LABELS["awaiting_decision"], default=7,
                                     validators=[Optional(), DAYS])
    idea_idle_days = IntegerField(_l("Days before an idle idea is flagged"), default=60,
                                  validators=[InputRequired(), DAYS])
    schedule_tolerance_days = IntegerField(_l("Schedule tolerance (days)"), default=0,
                                           validators=[InputRequired(), DAYS])
    decision_backdating_days = IntegerField(
        _l("Days a decision may be registered afterwards"), default=30,
        validators=[InputRequired(), NumberRange(min=0, max=rules.MAX_BACKDATING_DAYS)])
    submit = SubmitField(_l("Save"))

    STAGES = ("submitted", "in_preparation", "advisory_opinion", "quality_check",
              "awaiting_decision")

    def stage_fields(self):
        return [getattr(self, name) for name in self.STAGES]

    def values(self) -> dict:
        """The programme's fields as the service takes them."""
        data = {name: getattr(self, name).data for name in (
            "name", "description", "starts_on", "ends_on", "diary_number_format",
            "calculation_years", "discount_rate", "hours_per_fte", "oncost_rate",
            "channel_unit_sek", "idea_idle_days", "schedule_tolerance_days",
            "decision_backdating_days")}
        data["description"] = data["description"] or ""
        data["stage_service_days"] = {name: getattr(self, name).data for name in self.STAGES
                                      if getattr(self, name).data is not None}
        return data

    def fill(self, programme) -> None:
        """Show a stored programme's stage days in their own fields."""
        for name in self.STAGES:
            getattr(self, name).data = (programme.stage_service_days or {}).get(name)


class CalendarForm(FlaskForm):
    six_weekly_period_days = IntegerField(
        _l("Reporting period length (days)"),
        validators=[InputRequired(), NumberRange(min=rules.MIN_PERIOD_DAYS,
                                                 max=rules.MAX_PERIOD_DAYS)],
        description=_l("A project reports every period from its start; 42 days is six weeks."))
    report_due_after_days = IntegerField(
        _l("Report due (days after the period)"), validators=[InputRequired(), DAYS])
    report_early_days = IntegerField(
        _l("Report may be submitted early (days before the period ends)"),
        validators=[InputRequired(), DAYS])
    tertial_due_after_days = IntegerField(
        _l("Tertial report due (days after the tertial)"), validators=[InputRequired(), DAYS])
    submit = SubmitField(_l("Save"))


class ReservationForm(FlaskForm):
    amount_sek = IntegerField(_l("Amount (SEK)"), validators=[
        InputRequired(), NumberRange(min=1, max=rules.MAX_AMOUNT_SEK)])
    booked_on = DateField(_l("Booked on"), validators=[InputRequired()])
    description = StringField(
        _l("Decision and reference"), validators=[DataRequired(), Length(max=500)],
        filters=[strip_whitespace],
        description=_l("For example KF 2007-10-01, dnr 031-2487/2007."))
    corrects_id = SelectField(
        _l("Withdraw from reservation"), coerce=int,
        description=_l("Leave at “new reservation” to add money; choose a reservation to "
                       "withdraw the amount from it by a new correcting entry."))
    submit = SubmitField(_l("Book"))


class GoalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)],
                        filters=[strip_whitespace])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))


class GoalMoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired()])


class AreaEstimateForm(FlaskForm):
    area_id = SelectField(_l("Area"), coerce=int)
    key = StringField(_l("New area's key"), validators=[Optional(), Length(max=40)],
                      filters=[strip_whitespace],
                      description=_l("Only for a new area, e.g. tekniska."))
    name = StringField(_l("New area's name"), validators=[Optional(), Length(max=200)],
                       filters=[strip_whitespace])
    estimate_sek = IntegerField(_l("First-stage estimate (SEK)"), validators=[
        InputRequired(), NumberRange(min=0, max=rules.MAX_AMOUNT_SEK)])
    submit = SubmitField(_l("Save"))


RULE_ROWS = 6
ROW_FIELDS = ("authority_key", "authority_name", "limit_sek", "source")


class RegimeForm(FlaskForm):
    """A regime: its first day, why, the decision, and its authorities lowest limit first."""

    valid_from = DateField(_l("Valid from"),
                           [InputRequired(_l("Give the date the regime comes into force."))],
                           description=_l("Today or later, after the start of the regime in "
                                          "force."))
    reason = TextAreaField(_l("Reason"), [Optional(), Length(max=rules.MAX_REASON_LENGTH)],
                           filters=[strip_whitespace], render_kw={"rows": 3},
                           description=_l("Why the delegation changes, for example the "
                                          "decision that changes it."))
    source = StringField(_l("Decision reference"),
                         [Optional(), Length(max=rules.MAX_SOURCE_LENGTH)],
                         filters=[strip_whitespace],
                         description=_l("For example: KS 2010-12-15. Used for every row "
                                        "without a reference of its own."))
    submit = SubmitField(_l("Save the regime"))

    def rows(self) -> list[dict]:
        """The filled rows as the field objects of each, for the template's table."""
        return [{name: self[f"rule_{row}_{name}"] for name in ROW_FIELDS}
                for row in range(1, RULE_ROWS + 1)]

    def regime_data(self) -> dict:
        """The service's data: empty rows left out, the others in the order given."""
        filled = []
        for row in self.rows():
            values = {name: field.data for name, field in row.items()}
            if any(value not in (None, "") for value in values.values()):
                filled.append(values)
        return {"valid_from": self.valid_from.data, "reason": self.reason.data or "",
                "source": self.source.data or "", "rules": filled}

    def fill(self, regime) -> None:
        """Show an existing regime's values (for editing a future regime)."""
        self.valid_from.data, self.reason.data = regime.valid_from, regime.reason
        self.source.data = regime.source
        for row, rule in zip(self.rows(), regime.rules, strict=False):
            row["authority_key"].data, row["authority_name"].data = (
                rule.authority_key, rule.authority_name)
            row["limit_sek"].data = rule.limit_sek
            row["source"].data = "" if rule.source == regime.source else rule.source

    def add_error(self, name: str | None, message: str) -> None:
        """Show a service's refusal on the field it names (rules.N.key is row N+1's field)."""
        target = self._fields.get(name or "")
        if name and name.startswith("rules."):
            parts = name.split(".")
            if len(parts) == 3 and parts[1].isdigit():
                target = self._fields.get(f"rule_{int(parts[1]) + 1}_{parts[2]}")
            else:
                target = self["rule_1_authority_key"]
        target = target or self.valid_from
        target.errors = [*target.errors, message]


for _row in range(1, RULE_ROWS + 1):
    setattr(RegimeForm, f"rule_{_row}_authority_key", StringField(
        _l("Row %(row)d: authority key", row=_row), [Optional(), Length(max=rules.MAX_KEY_LENGTH)],
        filters=[strip_whitespace]))
    setattr(RegimeForm, f"rule_{_row}_authority_name", StringField(
        _l("Row %(row)d: authority name", row=_row),
        [Optional(), Length(max=rules.MAX_NAME_LENGTH)], filters=[strip_whitespace]))
    setattr(RegimeForm, f"rule_{_row}_limit_sek", WholeNumberField(
        _l("Row %(row)d: limit (kronor, empty for none)", row=_row), kronor=True, minimum=1,
        maximum=rules.MAX_AMOUNT_SEK))
    setattr(RegimeForm, f"rule_{_row}_source", StringField(
        _l("Row %(row)d: decision reference", row=_row),
        [Optional(), Length(max=rules.MAX_SOURCE_LENGTH)], filters=[strip_whitespace]))
del _row


class DeleteRegimeForm(FlaskForm):
    submit = SubmitField(_l("Delete the regime"))
