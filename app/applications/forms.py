"""Forms for the application, each workflow step and decisions, with their display labels."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from app.accounts.forms import select_choices, strip_whitespace
from app.core.enums import (
    ApplicationKind,
    DecisionKind,
    DecisionOutcome,
    OpinionOutcome,
    QualityCheckOutcome,
    Recommendation,
)
from app.core.labels import APPLICATION_KIND, DECISION_KIND, DECISION_OUTCOME
from app.core.money import format_sek, group_thousands

from .labels import REQUIREMENT_LABELS
from .rules import MAX_AMOUNT_SEK, Action
from .services import ASSESSMENT_CRITERIA, COST_TYPES, MAX_ATTACHMENT_BYTES, REQUIREMENTS

COST_ROWS = 8
MILESTONE_ROWS = 6
ATTACHMENT_EXTENSIONS = ("pdf", "xlsx", "docx")
MAX_ATTACHMENT_MB = MAX_ATTACHMENT_BYTES // (1024 * 1024)
MAX_USERS = 100_000_000

COST_TYPE_LABELS = {
    "external_purchase": _l("External purchase"),
    "internal_staff": _l("Internal staff"),
    "licences": _l("Licences"),
    "operation_maintenance": _l("Operation and maintenance"),
}
RECOMMENDATION_LABELS = {
    Recommendation.APPROVE: _l("Approve"),
    Recommendation.APPROVE_REDUCED: _l("Approve with a reduced amount"),
    Recommendation.REJECT: _l("Reject"),
}
OPINION_LABELS = {
    OpinionOutcome.SUPPORTS: _l("The council supports the application"),
    OpinionOutcome.DOES_NOT_SUPPORT: _l("The council does not support the application"),
}
QUALITY_CHECK_LABELS = {
    QualityCheckOutcome.APPROVED: _l("Approved: ready for decision"),
    QualityCheckOutcome.RETURNED: _l("Returned to preparation"),
}
DECISION_OUTCOME_LABELS = DECISION_OUTCOME
DECISION_KIND_LABELS = DECISION_KIND
ACTION_LABELS = {
    Action.SUBMIT: _l("Submitted"),
    Action.START_PREPARATION: _l("Preparation started"),
    Action.COMPLETE_ASSESSMENT: _l("Assessed by the working group"),
    Action.RECORD_OPINION: _l("Opinion of the development council"),
    Action.APPROVE_QUALITY_CHECK: _l("Quality check approved"),
    Action.RETURN_FROM_QUALITY_CHECK: _l("Returned from the quality check"),
    Action.RETURN_FOR_COMPLETION: _l("Returned for completion"),
    Action.RESUBMIT: _l("Resubmitted"),
    Action.WITHDRAW: _l("Withdrawn"),
    Action.DECIDE: _l("Decided"),
}

LABELS = {
    "requirement": REQUIREMENT_LABELS, "cost_type": COST_TYPE_LABELS,
    "recommendation": RECOMMENDATION_LABELS, "opinion": OPINION_LABELS,
    "quality_check": QUALITY_CHECK_LABELS, "decision_outcome": DECISION_OUTCOME_LABELS,
    "decision_kind": DECISION_KIND_LABELS, "action": ACTION_LABELS,
}

SCORE_CHOICES = select_choices([("", _l("– choose –")), *((str(n), str(n)) for n in range(4))])


def criterion_label(criterion: str, goals: dict) -> str:
    """Name an assessment criterion: a programme goal (goal_N) or one of the requirements."""
    if criterion.startswith("goal_") and criterion[5:].isdigit():
        number = int(criterion[5:])
        title = goals.get(number)
        return (_("Goal %(number)d: %(title)s", number=number, title=title) if title
                else _("Goal %(number)d", number=number))
    return str(REQUIREMENT_LABELS.get(criterion, criterion))


class WholeNumberField(StringField):
    """A whole number typed the Swedish way (spaces between thousands allowed), never decimals."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0,
                 maximum: int = MAX_AMOUNT_SEK, kronor: bool = False, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.kronor = minimum, maximum, kronor

    def process_formdata(self, valuelist):
        self.data = None
        text = re.sub(r"[\s\u00a0\u202f]", "", valuelist[0]) if valuelist else ""
        if not text:
            return
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(_l("Write whole kronor with digits only, for example 1 200 000.")
                             if self.kronor else
                             _l("Write a whole number with digits only, for example 5 000."))
        if len(text.lstrip("-")) > len(str(self.maximum)):
            raise ValueError(self._range_message())
        self.data = int(text)

    def _range_message(self) -> str:
        """Say the allowed range in the reader's number format (kronor when it is money)."""
        low, high = ((format_sek(self.minimum), format_sek(self.maximum)) if self.kronor
                     else (group_thousands(self.minimum), group_thousands(self.maximum)))
        return _("Write a number from %(low)s to %(high)s.", low=low, high=high)

    def pre_validate(self, form):
        if self.data is None or self.process_errors:
            return
        if not self.minimum <= self.data <= self.maximum:
            raise StopValidation(self._range_message())

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else group_thousands(self.data).replace("\u00a0", " ")


class FieldErrors:
    """Show a service's refusal on the field it names, or on the form's first field."""

    aliases: dict = {}

    def field_for(self, name: str | None):
        name = self.aliases.get(name, name)
        if name and name in self._fields:
            return self._fields[name]
        return next(f for f in self if f.type not in ("CSRFTokenField", "SubmitField"))

    def add_error(self, name: str | None, message: str) -> None:
        field = self.field_for(name)
        field.errors = [*field.errors, message]


def _text(label, *, rows: int = 4, max_length: int | None = None, description=None):
    validators = [Optional()] + ([Length(max=max_length)] if max_length else [])
    if max_length and rows == 1:
        return StringField(label, validators, filters=[strip_whitespace],
                           description=description)
    return TextAreaField(label, validators, filters=[strip_whitespace],
                         render_kw={"rows": rows}, description=description)


TEXT_SECTIONS = ("description", "process_description", "target_groups", "benefit_owner_name",
                 "benefit_owner_email", "communication_plan", "operation_plan", "operation_payer",
                 "reuse_analysis")
FIELD_ORDER = ("csrf_token", "programme_id", "kind", "idea_id", "feasibility_id", "title",
               "description",
               "process_description", "target_groups", "estimated_users",
               "estimated_users_within_years", "goal_", "requirement_", "requested_sek", "cost_",
               "starts_on", "ends_on", "milestone_", "benefit_owner_name", "benefit_owner_email",
               "communication_plan", "operation_plan", "operation_payer", "reuse_analysis",
               "benefit_calculation",
               "attachments")


def _position(name: str) -> int:
    for index, key in enumerate(FIELD_ORDER):
        if name == key or (key.endswith("_") and name.startswith(key)):
            return index
    return len(FIELD_ORDER)


class ApplicationForm(FieldErrors, FlaskForm):
    """Every section of an application; a draft may be saved with any of them empty."""

    programme_id = SelectField(_l("Programme"), coerce=int)
    kind = SelectField(
        _l("Kind of application"),
        choices=select_choices((k.value, label) for k, label in APPLICATION_KIND.items()),
        validators=[InputRequired(_l("Choose the kind of application."))])
    benefit_calculation = HiddenField(_l("Benefit calculation"), id="benefit-calculation")
    idea_id = SelectField(
        _l("The approved idea it comes from"), coerce=int, default=0,
        description=_l("Your organisation's project idea that the programme office approved."))
    feasibility_id = SelectField(
        _l("The feasibility study it builds on"), coerce=int, default=0,
        description=_l("Only for an implementation: your organisation's feasibility study "
                       "that it continues."))
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the application a title.")),
                                                 Length(max=300)], filters=[strip_whitespace])
    description = _text(_l("Description"), rows=5)
    process_description = _text(_l("The process it changes"), rows=4,
                                description=_l("How the work is done today and what changes."))
    target_groups = _text(_l("Target groups"), rows=3)
    estimated_users = WholeNumberField(
        _l("Estimated number of users"), minimum=1, maximum=MAX_USERS,
        description=_l("A whole number, for example 60 000."))
    estimated_users_within_years = SelectField(
        _l("Within how many years"), default="",
        choices=select_choices([("", _l("– choose –")), ("1", _l("1 year")),
                                ("2", _l("2 years")), ("3", _l("3 years"))]))
    requested_sek = WholeNumberField(
        _l("Requested amount (kronor)"), minimum=1, kronor=True,
        description=_l("Whole kronor without decimals, for example 1 200 000. It must equal the "
                       "sum of the cost breakdown."))
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()])
    benefit_owner_name = _text(_l("Benefit owner (name)"), rows=1, max_length=200,
                               description=_l("The named person responsible for realising the "
                                              "benefits."))
    benefit_owner_email = EmailField(
        _l("Benefit owner's e-mail address"), filters=[strip_whitespace],
        validators=[Optional(), Email(_l("Write an e-mail address such as name@example.se.")),
                    Length(max=254)])
    communication_plan = _text(_l("Communication plan"), rows=3)
    operation_plan = _text(_l("Operation and maintenance plan"), rows=3)
    operation_payer = _text(_l("Who pays for operation and maintenance"), rows=1, max_length=200)
    reuse_analysis = _text(
        _l("Reuse analysis"), rows=4,
        description=_l("Which existing solutions you looked at and why they cannot be reused."))
    attachments = MultipleFileField(
        _l("Attach files"),
        validators=[FileAllowed(ATTACHMENT_EXTENSIONS, _l("Attach a PDF, XLSX or DOCX file."))],
        description=_l("PDF, XLSX or DOCX, at most %(size)d MB per file.",
                       size=MAX_ATTACHMENT_MB),
        render_kw={"accept": ".pdf,.xlsx,.docx"})
    save_draft = SubmitField(_l("Save draft"))
    send = SubmitField(_l("Submit the application"))

    goal_numbers: tuple[int, ...] = ()

    def __init__(self, *args, years=(), kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._fields = dict(sorted(self._fields.items(), key=lambda item: _position(item[0])))
        year_choices = select_choices([("", _l("– year –")), *((str(y), str(y)) for y in years)])
        type_choices = select_choices([("", _l("– cost type –")),
                                       *((key, COST_TYPE_LABELS[key]) for key in COST_TYPES)])
        for row in range(1, COST_ROWS + 1):
            self[f"cost_{row}_year"].choices = year_choices
            self[f"cost_{row}_type"].choices = type_choices
        self.fixed_kind = kind
        self.cost_rows: list[int] = []
        self.milestone_rows: list[int] = []

    @property
    def chosen_kind(self) -> str | None:
        return self.fixed_kind or (self.kind.data if "kind" in self else None)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for number in self.goal_numbers:
            score, motivation = self[f"goal_{number}_score"], self[f"goal_{number}_motivation"]
            if motivation.data and not score.data:
                score.errors.append(_("Choose a score from 0 to 3 for the motivation to be kept."))
        for row in range(1, COST_ROWS + 1):
            cells = [self[f"cost_{row}_{part}"] for part in ("year", "type", "amount")]
            if any(cell.raw_data and cell.raw_data[0].strip() for cell in cells):
                for cell, message in zip(cells, (_("Choose the year."), _("Choose the cost type."),
                                                 _("Give the amount.")), strict=True):
                    if cell.data in (None, "") and not cell.errors:
                        cell.errors.append(message)
        for row in range(1, MILESTONE_ROWS + 1):
            name, due_on = self[f"milestone_{row}_name"], self[f"milestone_{row}_due_on"]
            typed = bool(name.data) or bool(due_on.raw_data and due_on.raw_data[0].strip())
            if typed and not name.data:
                name.errors.append(_("Name the milestone."))
            if typed and due_on.data is None and not due_on.errors:
                due_on.errors.append(_("Give the milestone's date."))
        return valid and not self.errors

    def sections(self) -> dict:
        """Turn the filled-in form into the services' data; empty rows are left out."""
        data = {name: self[name].data or "" for name in TEXT_SECTIONS}
        within = self.estimated_users_within_years.data
        implementation = self.chosen_kind == ApplicationKind.IMPLEMENTATION
        data.update(
            title=self.title.data,
            estimated_users=self.estimated_users.data,
            estimated_users_within_years=int(within) if within else None,
            requested_sek=self.requested_sek.data,
            starts_on=self.starts_on.data, ends_on=self.ends_on.data,
            feasibility_id=(self.feasibility_id.data or None) if implementation else None,
            idea_id=self.idea_id.data or None,
            requirements={key: self[f"requirement_{key}"].data or "" for key in REQUIREMENTS},
            goal_scores=[
                {"goal": number, "score": int(self[f"goal_{number}_score"].data),
                 "motivation": self[f"goal_{number}_motivation"].data or ""}
                for number in self.goal_numbers if self[f"goal_{number}_score"].data],
        )
        self.cost_rows = [row for row in range(1, COST_ROWS + 1)
                          if self[f"cost_{row}_amount"].data is not None]
        data["cost_lines"] = [
            {"year": int(self[f"cost_{row}_year"].data), "cost_type": self[f"cost_{row}_type"].data,
             "amount_sek": self[f"cost_{row}_amount"].data} for row in self.cost_rows]
        self.milestone_rows = [row for row in range(1, MILESTONE_ROWS + 1)
                               if self[f"milestone_{row}_name"].data]
        data["milestones"] = [
            {"name": self[f"milestone_{row}_name"].data,
             "due_on": self[f"milestone_{row}_due_on"].data} for row in self.milestone_rows]
        return data

    def files(self) -> list:
        return [f for f in (self.attachments.data or []) if f and f.filename]

    def load(self, application) -> None:
        """Fill the repeated sections (requirements, goals, costs, milestones) from a saved one."""
        for key in REQUIREMENTS:
            self[f"requirement_{key}"].data = (application.requirements or {}).get(key, "")
        numbers = {goal.id: goal.number for goal in application.programme.goals}
        for score in application.goal_scores:
            number = numbers.get(score.goal_id)
            if number in self.goal_numbers:
                self[f"goal_{number}_score"].data = str(score.score)
                self[f"goal_{number}_motivation"].data = score.motivation
        for row, line in enumerate(application.cost_lines[:COST_ROWS], start=1):
            self[f"cost_{row}_year"].data = str(line.year)
            self[f"cost_{row}_type"].data = line.cost_type
            self[f"cost_{row}_amount"].data = line.amount_sek
        for row, milestone in enumerate(application.milestones[:MILESTONE_ROWS], start=1):
            self[f"milestone_{row}_name"].data = milestone.name
            self[f"milestone_{row}_due_on"].data = milestone.due_on
        within = application.estimated_users_within_years
        self.estimated_users_within_years.data = str(within) if within else ""
        self.feasibility_id.data = application.feasibility_id or 0
        self.idea_id.data = application.idea_id or 0

    def field_for(self, name: str | None):
        """Find the form field behind a service's field name, e.g. cost_lines[2].amount_sek."""
        name = name or ""
        row_match = re.fullmatch(r"(cost_lines|milestones)\[(\d+)\](?:\.(\w+))?", name)
        if row_match:
            kind, index, part = row_match.groups()
            rows = self.cost_rows if kind == "cost_lines" else self.milestone_rows
            row = rows[int(index)] if int(index) < len(rows) else 1
            if kind == "cost_lines":
                suffix = {"year": "year", "cost_type": "type"}.get(part, "amount")
                return self[f"cost_{row}_{suffix}"]
            return self[f"milestone_{row}_{'due_on' if part == 'due_on' else 'name'}"]
        goal_match = re.fullmatch(r"goal_scores\.(\d+)", name)
        if goal_match and f"goal_{goal_match.group(1)}_score" in self:
            number = goal_match.group(1)
            score = self[f"goal_{number}_score"]
            return score if not score.data else self[f"goal_{number}_motivation"]
        if name.startswith("requirements"):
            key = name.partition(".")[2]
            return self[f"requirement_{key if key in REQUIREMENTS else REQUIREMENTS[0]}"]
        aliases = {"cost_lines": "cost_1_amount", "milestones": "milestone_1_name",
                   "attachment": "attachments", "area_id": "title", "idea_id": "title"}
        name = aliases.get(name, name)
        if name.startswith("goal_scores") and self.goal_numbers:
            name = f"goal_{self.goal_numbers[0]}_score"
        return self._fields.get(name) or self.title


for _key in REQUIREMENTS:
    setattr(ApplicationForm, f"requirement_{_key}", TextAreaField(
        _l("%(requirement)s: how the requirement is met", requirement=REQUIREMENT_LABELS[_key]),
        [Optional()], filters=[strip_whitespace], render_kw={"rows": 2}))
for _row in range(1, COST_ROWS + 1):
    setattr(ApplicationForm, f"cost_{_row}_year",
            SelectField(_l("Cost row %(row)d: year", row=_row), default=""))
    setattr(ApplicationForm, f"cost_{_row}_type",
            SelectField(_l("Cost row %(row)d: cost type", row=_row), default=""))
    setattr(ApplicationForm, f"cost_{_row}_amount",
            WholeNumberField(_l("Cost row %(row)d: amount (kronor)", row=_row), kronor=True))
for _row in range(1, MILESTONE_ROWS + 1):
    setattr(ApplicationForm, f"milestone_{_row}_name", StringField(
        _l("Milestone %(row)d: name", row=_row), [Optional(), Length(max=300)],
        filters=[strip_whitespace]))
    setattr(ApplicationForm, f"milestone_{_row}_due_on", DateField(
        _l("Milestone %(row)d: date", row=_row), [Optional()]))
del _key, _row


def application_form(programme, *, programmes=(), feasibility_studies=(), ideas=(),
                     application=None, from_request: bool = True) -> ApplicationForm:
    """Build the application form for a programme's goals, filled from the request or a draft."""
    goals = list(programme.goals)

    class Form(ApplicationForm):
        goal_numbers = tuple(goal.number for goal in goals)

    for goal in goals:
        setattr(Form, f"goal_{goal.number}_score", SelectField(
            _l("Goal %(number)d: score (0–3)", number=goal.number), choices=SCORE_CHOICES,
            default=""))
        setattr(Form, f"goal_{goal.number}_motivation", TextAreaField(
            _l("Goal %(number)d: motivation", number=goal.number), [Optional()],
            filters=[strip_whitespace], render_kw={"rows": 2}))
    years = range(programme.starts_on.year, programme.ends_on.year + 1)
    kwargs = {} if from_request else {"formdata": None, "obj": application}
    form = Form(years=years, kind=application.kind.value if application else None, **kwargs)
    if application is not None:
        del form.programme_id
        del form.kind
        if not from_request:
            form.load(application)
    else:
        form.programme_id.choices = select_choices((p.id, p.name) for p in programmes)
        if form.programme_id.data is None:
            form.programme_id.data = programme.id
    form.feasibility_id.choices = select_choices(
        [(0, _("– none –")), *((a.id, f"{a.reference or _('draft')}: {a.title}")
                               for a in feasibility_studies)])
    form.idea_id.choices = select_choices(
        [(0, _("– none –")), *((idea.id, idea.title) for idea in ideas)])
    return form


class StartPreparationForm(FieldErrors, FlaskForm):
    """Register the application and hand it to the working group, with an optional comment."""

    comment = TextAreaField(_l("Comment"), [Optional(), Length(max=5000)],
                            filters=[strip_whitespace], render_kw={"rows": 2})
    submit = SubmitField(_l("Start the preparation"))


class ReturnForm(FieldErrors, FlaskForm):
    """Send the application back to the applicant; say what is missing."""

    comment = TextAreaField(
        _l("What the applicant must complete"),
        [DataRequired(_l("Say what the applicant must complete.")), Length(max=5000)],
        filters=[strip_whitespace], render_kw={"rows": 3})
    submit = SubmitField(_l("Return for completion"))


class WithdrawForm(FieldErrors, FlaskForm):
    comment = TextAreaField(_l("Reason (optional)"), [Optional(), Length(max=5000)],
                            filters=[strip_whitespace], render_kw={"rows": 2})
    confirm = BooleanField(_l("Yes, withdraw the application. This cannot be undone."),
                           [InputRequired(_l("Tick the box to confirm the withdrawal."))])
    submit = SubmitField(_l("Withdraw the application"))


class AssessmentForm(FieldErrors, FlaskForm):
    """The working group's scores per goal and criterion, and its recommendation."""

    recommendation = RadioField(
        _l("Recommendation"),
        choices=select_choices((r.value, label) for r, label in RECOMMENDATION_LABELS.items()),
        validators=[InputRequired(_l("Choose a recommendation."))])
    comment = TextAreaField(_l("Comment"), [Optional(), Length(max=5000)],
                            filters=[strip_whitespace], render_kw={"rows": 3})
    submit = SubmitField(_l("Save the assessment"))

    criteria: tuple[str, ...] = ()
    aliases = {"scores": "comment"}

    def scores(self) -> dict[str, int]:
        return {criterion: int(self[criterion].data) for criterion in self.criteria}

    def field_for(self, name):
        if name and name.startswith("scores.") and name[7:] in self.criteria:
            return self[name[7:]]
        return super().field_for(name)


def assessment_form(programme, **kwargs) -> AssessmentForm:
    """Build the assessment form with one score per programme goal and per criterion."""
    goals = {goal.number: goal.title for goal in programme.goals}
    criteria = [f"goal_{number}" for number in goals] + list(ASSESSMENT_CRITERIA)

    class Form(AssessmentForm):
        pass

    Form.criteria = tuple(criteria)
    for criterion in criteria:
        setattr(Form, criterion, SelectField(
            criterion_label(criterion, goals), choices=SCORE_CHOICES,
            validators=[DataRequired(_l("Give a score from 0 to 3."))]))
    return Form(**kwargs)


class OpinionForm(FieldErrors, FlaskForm):
    outcome = RadioField(
        _l("The council's opinion"),
        choices=select_choices((o.value, label) for o, label in OPINION_LABELS.items()),
        validators=[InputRequired(_l("Choose the council's opinion."))])
    comment = TextAreaField(_l("Comment"), [Optional(), Length(max=5000)],
                            filters=[strip_whitespace], render_kw={"rows": 3})
    submit = SubmitField(_l("Record the opinion"))


class QualityCheckForm(FieldErrors, FlaskForm):
    outcome = RadioField(
        _l("Outcome of the quality check"),
        choices=select_choices((o.value, label) for o, label in QUALITY_CHECK_LABELS.items()),
        validators=[InputRequired(_l("Choose an outcome."))])
    comment = TextAreaField(_l("Comment"), [Length(max=5000)],
                            filters=[strip_whitespace], render_kw={"rows": 3},
                            description=_l("Required when you return the application."))
    submit = SubmitField(_l("Save the quality check"))

    def validate_comment(self, field) -> None:
        if self.outcome.data == QualityCheckOutcome.RETURNED and not field.data:
            raise ValidationError(_l("Say why the application goes back to preparation."))


class DecisionForm(FieldErrors, FlaskForm):
    """A decision under delegation; the anti-splitting acknowledgement appears when needed."""

    outcome = RadioField(
        _l("Decision"),
        choices=select_choices((o.value, label) for o, label in DECISION_OUTCOME_LABELS.items()),
        validators=[InputRequired(_l("Choose the decision."))])
    amount_sek = WholeNumberField(
        _l("Granted amount (kronor)"), minimum=0, kronor=True,
        description=_l("Whole kronor. The requested amount for an approval, less for a reduced "
                       "one; not used for a rejection."))
    decided_on = DateField(_l("Decision date"),
                           [InputRequired(_l("Give the decision date (YYYY-MM-DD)."))])
    decision_text = TextAreaField(_l("Decision text"),
                                  [DataRequired(_l("Write the decision text.")),
                                   Length(max=20_000)],
                                  filters=[strip_whitespace], render_kw={"rows": 4})
    conditions = TextAreaField(_l("Conditions"), [Optional(), Length(max=20_000)],
                               filters=[strip_whitespace], render_kw={"rows": 3})
    backdating_reason = TextAreaField(
        _l("Reason for registering a decision already taken"), [Length(max=5000)],
        filters=[strip_whitespace], render_kw={"rows": 2},
        description=_l("Only when the decision date is before today's date: why a decision "
                       "taken earlier is registered now. Kept in the decision record."))
    splitting_acknowledged = BooleanField(
        _l("I have read the warning and decide anyway"))
    splitting_reason = TextAreaField(
        _l("Reason for deciding despite the warning"), [Length(max=5000)],
        filters=[strip_whitespace], render_kw={"rows": 2},
        description=_l("Kept in the decision record."))
    submit = SubmitField(_l("Decide"))

    aliases = {"date": "decided_on", "granted_sek": "amount_sek"}

    def validate_splitting_reason(self, field) -> None:
        if self.splitting_acknowledged.data and not field.data:
            raise ValidationError(_l("Give the reason for deciding despite the warning."))

    def decision_data(self) -> dict:
        rejected = self.outcome.data == DecisionOutcome.REJECTED
        return {"outcome": self.outcome.data,
                "amount_sek": None if rejected else self.amount_sek.data,
                "decided_on": self.decided_on.data, "decision_text": self.decision_text.data,
                "conditions": self.conditions.data,
                "backdating_reason": self.backdating_reason.data,
                "splitting_acknowledged": self.splitting_acknowledged.data,
                "splitting_reason": self.splitting_reason.data}


class CorrectionForm(FieldErrors, FlaskForm):
    """Correct a decision by a new one: a supplementary grant, a reduction or a revocation."""

    kind = RadioField(
        _l("Kind of correction"),
        choices=select_choices((k.value, DECISION_KIND_LABELS[k]) for k in (
            DecisionKind.SUPPLEMENTARY, DecisionKind.REDUCTION, DecisionKind.REVOCATION)),
        validators=[InputRequired(_l("Choose the kind of correction."))])
    amount_sek = WholeNumberField(
        _l("Amount (kronor)"), minimum=1, kronor=True,
        description=_l("The amount to add or take away; a revocation takes back everything "
                       "still committed."))
    decided_on = DateField(_l("Decision date"),
                           [InputRequired(_l("Give the decision date (YYYY-MM-DD)."))])
    decision_text = TextAreaField(_l("Decision text"),
                                  [DataRequired(_l("Write the decision text.")),
                                   Length(max=20_000)],
                                  filters=[strip_whitespace], render_kw={"rows": 3})
    conditions = TextAreaField(_l("Conditions"), [Optional(), Length(max=20_000)],
                               filters=[strip_whitespace], render_kw={"rows": 2})
    backdating_reason = TextAreaField(
        _l("Reason for registering a decision already taken"), [Length(max=5000)],
        filters=[strip_whitespace], render_kw={"rows": 2},
        description=_l("Only when the decision date is before today's date: why a decision "
                       "taken earlier is registered now. Kept in the decision record."))
    splitting_acknowledged = BooleanField(
        _l("I have read the warning and decide anyway"))
    splitting_reason = TextAreaField(
        _l("Reason for deciding despite the warning"), [Length(max=5000)],
        filters=[strip_whitespace], render_kw={"rows": 2},
        description=_l("Kept in the decision record."))
    submit = SubmitField(_l("Take the correcting decision"))

    aliases = {"date": "decided_on"}

    def validate_amount_sek(self, field) -> None:
        if self.kind.data != DecisionKind.REVOCATION and field.data is None and not field.errors:
            raise ValidationError(_l("Give the amount."))

    def validate_splitting_reason(self, field) -> None:
        if self.splitting_acknowledged.data and not field.data:
            raise ValidationError(_l("Give the reason for deciding despite the warning."))

    def correction_data(self) -> dict:
        return {"kind": self.kind.data, "amount_sek": self.amount_sek.data,
                "decided_on": self.decided_on.data, "decision_text": self.decision_text.data,
                "conditions": self.conditions.data,
                "backdating_reason": self.backdating_reason.data,
                "splitting_acknowledged": self.splitting_acknowledged.data,
                "splitting_reason": self.splitting_reason.data}


STEP_FORMS = {
    "start": (Action.START_PREPARATION, StartPreparationForm),
    "return": (Action.RETURN_FOR_COMPLETION, ReturnForm),
    "opinion": (Action.RECORD_OPINION, OpinionForm),
    "qc": (Action.APPROVE_QUALITY_CHECK, QualityCheckForm),
    "withdraw": (Action.WITHDRAW, WithdrawForm),
}


def step_form(name: str, programme, **kwargs) -> FlaskForm:
    """Build one workflow step's form; its prefix keeps field ids unique on the detail page."""
    if name == "assess":
        return assessment_form(programme, prefix=name, **kwargs)
    if name == "decide":
        return DecisionForm(prefix=name, **kwargs)
    return STEP_FORMS[name][1](prefix=name, **kwargs)


def step_forms(application, actions, *, may_decide: bool, decide_defaults: dict) -> dict:
    """Build, unfilled, the forms of the steps this user may take now."""
    names = [name for name, (action, _form) in STEP_FORMS.items() if action in actions]
    if Action.COMPLETE_ASSESSMENT in actions:
        names.append("assess")
    built = {name: step_form(name, application.programme, formdata=None) for name in names}
    if may_decide:
        built["decide"] = DecisionForm(prefix="decide", formdata=None, data=decide_defaults)
    return built
