"""Forms: a delegation regime with a fixed table of authority rows (empty rows are ignored)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.accounts.forms import strip_whitespace
from app.applications.forms import WholeNumberField

from . import rules

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
