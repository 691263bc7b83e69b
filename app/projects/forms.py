"""Forms for the six-weekly report, completion requests, go-live and the final report."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.accounts.forms import select_choices, strip_whitespace
from app.applications.forms import FieldErrors, WholeNumberField
from app.core import labels
from app.core.enums import RagStatus

from .closing import MAX_RESPONSIBLE
from .reports import ASPECTS, MAX_TEXT, REPORT_FIELDS, TEXT_FIELDS

STATUS_LABELS = {
    "overall": _l("Overall status"),
    "cost": _l("Cost status"),
    "schedule": _l("Schedule status"),
    "scope": _l("Scope status"),
    "benefit": _l("Benefit status"),
}
EXPLANATION_LABELS = {
    "overall": _l("Why is the overall status not green?"),
    "cost": _l("Why is the cost status not green?"),
    "schedule": _l("Why is the schedule status not green?"),
    "scope": _l("Why is the scope status not green?"),
    "benefit": _l("Why is the benefit status not green?"),
}
TEXT_LABELS = {
    "milestones_reached": _l("Milestones reached"),
    "next_milestones": _l("Next milestones, with dates"),
    "risks": _l("Risks and issues"),
    "decisions_needed": _l("Decisions needed from the programme"),
}
EXPLANATION_HELP = _l("Required when the status is amber or red: what happened and what is being "
                      "done about it.")
RAG_CHOICES = select_choices((status.value, labels.RAG_EXPLAINED[status])
                             for status in RagStatus)


def _textarea(label, rows: int = 3, description=None, max_length: int = MAX_TEXT):
    return TextAreaField(label, [Optional(), Length(max=max_length)], filters=[strip_whitespace],
                         render_kw={"rows": rows}, description=description)


class ReportForm(FieldErrors, FlaskForm):
    """The six-weekly report; a draft saves with anything missing, submitting checks it all."""

    actual_cost_to_date_sek = WholeNumberField(
        _l("Actual cost to date (kronor)"), minimum=0, kronor=True,
        description=_l("Everything the project has cost since it started, in whole kronor."))
    forecast_cost_sek = WholeNumberField(
        _l("Forecast cost at completion (kronor)"), minimum=0, kronor=True,
        description=_l("What the whole project will have cost when it ends."))
    forecast_end_on = DateField(_l("Forecast end date"), [Optional()],
                                description=_l("YYYY-MM-DD"))
    save_draft = SubmitField(_l("Save draft"))
    send = SubmitField(_l("Submit the report"))

    def report_data(self) -> dict:
        """Turn the form into the services' report fields."""
        data = {field: self[field].data for field in REPORT_FIELDS}
        for aspect in ASPECTS:
            data[f"{aspect}_status"] = data[f"{aspect}_status"] or None
            data[f"{aspect}_explanation"] = data[f"{aspect}_explanation"] or ""
        for field in TEXT_FIELDS:
            data[field] = data[field] or ""
        return data


for _aspect in ASPECTS:
    setattr(ReportForm, f"{_aspect}_status", RadioField(
        STATUS_LABELS[_aspect], [Optional()], choices=RAG_CHOICES))
    setattr(ReportForm, f"{_aspect}_explanation", _textarea(
        EXPLANATION_LABELS[_aspect], description=EXPLANATION_HELP))
for _field in TEXT_FIELDS:
    setattr(ReportForm, _field, _textarea(TEXT_LABELS[_field], rows=4))


class OpenReportForm(FlaskForm):
    """Open (or continue) the report for one period."""

    period_number = HiddenField(validators=[InputRequired()])
    open = SubmitField(_l("Write the report"))


class CorrectForm(FlaskForm):
    correct = SubmitField(_l("Correct the report by a new version"))


class CompletionForm(FieldErrors, FlaskForm):
    comment = TextAreaField(
        _l("What should the organisation complete?"),
        [DataRequired(_l("Say what the organisation should complete.")), Length(max=MAX_TEXT)],
        filters=[strip_whitespace], render_kw={"rows": 3})
    request = SubmitField(_l("Ask for completion"))


class GoLiveForm(FieldErrors, FlaskForm):
    go_live_on = DateField(_l("Go-live date"), [InputRequired(_l("Give the go-live date."))],
                           description=_l("The day the e-service was opened to its users."))
    record = SubmitField(_l("Record go-live"))


class CloseForm(FieldErrors, FlaskForm):
    """The final report that closes the project."""

    delivered = _textarea(_l("What the project delivered"), rows=4)
    final_cost_sek = WholeNumberField(
        _l("Final cost (kronor)"), minimum=0, kronor=True,
        description=_l("What was committed but not spent is released back to the envelope."))
    go_live_on = DateField(_l("Go-live date"), [Optional()],
                           description=_l("Leave empty if the e-service has not gone live."))
    lessons = _textarea(_l("Lessons learned"), rows=4)
    followup_indicators = _textarea(
        _l("Indicators that will show the benefits after one year"), rows=4,
        description=_l("For citizens and for the organisation: what is measured, from which "
                       "baseline."))
    followup_responsible = StringField(
        _l("Who measures the benefits"), [Optional(), Length(max=MAX_RESPONSIBLE)],
        filters=[strip_whitespace])
    followup_on = DateField(_l("When the benefits are followed up"), [Optional()],
                            description=_l("Defaults to one year after go-live."))
    close = SubmitField(_l("File the final report and close the project"))

    def final_data(self) -> dict:
        return {field: self[field].data for field in (
            "delivered", "final_cost_sek", "go_live_on", "lessons", "followup_indicators",
            "followup_responsible", "followup_on")}


class GateForm(FieldErrors, FlaskForm):
    """The programme office records that a project passed a gate of the project model."""

    phase = SelectField(_l("Phase the project enters"),
                        [InputRequired(_l("Choose the phase the project enters."))])
    decided_on = DateField(_l("Decided on"), [InputRequired(_l("Give the decision date."))],
                           description=_l("YYYY-MM-DD; not after today and not before the "
                                          "previous gate."))
    note = _textarea(_l("Note"), description=_l(
        "Required when a decision is corrected: say what is corrected and why."),
        max_length=2000)
    record = SubmitField(_l("Record the gate decision"))
