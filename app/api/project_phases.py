"""API: the project model as programme data: phases, gate requirements and gate decisions."""

from marshmallow import Schema, fields, validate

from app.projects import gates, permissions, rules

from . import api_blueprint, documented
from .asof import AsOfArgs, on_of
from .auth import api_user
from .schemas import ID_RANGE, ProblemSchema

blp = api_blueprint("api_project_phases", "The project model (Lilla Ratten): a programme's "
                                          "phases and the gate decisions that move a project "
                                          "through them.")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
REQUIREMENT_HELP = ("What must be in place at the gate, from a fixed vocabulary: "
                    "baseline_calculation (a frozen baseline benefit calculation), "
                    "latest_report_submitted (the six-weekly report of the last ended period), "
                    "go_live_recorded, final_report_submitted.")


class PhaseSchema(Schema):
    id = fields.Integer()
    programme_id = fields.Integer(validate=ID_RANGE)
    position = fields.Integer(metadata={"description": "1 for the first phase, then in order."})
    key = fields.String()
    name = fields.String()
    requirements = fields.List(fields.String(validate=validate.OneOf(rules.REQUIREMENTS)),
                               metadata={"description": REQUIREMENT_HELP})


class ProjectPhaseSchema(PhaseSchema):
    is_passed = fields.Boolean(metadata={"description": "Its gate has been passed by `on`."})
    is_current = fields.Boolean(metadata={"description": "The project's phase on `on`."})
    passed_on = fields.Date(allow_none=True, metadata={
        "description": "The day of the latest decision into this phase, by `on`."})


class GateDecisionSchema(Schema):
    id = fields.Integer()
    project_id = fields.Integer(validate=ID_RANGE)
    phase = fields.String(attribute="phase.key")
    phase_name = fields.String(attribute="phase.name")
    decided_on = fields.Date()
    decided_by_id = fields.Integer(validate=ID_RANGE, allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()


class ProjectPhasesSchema(Schema):
    project_id = fields.Integer(validate=ID_RANGE)
    on = fields.Date(metadata={"description": "The day the answer stands at."})
    current_phase = fields.String(allow_none=True, metadata={
        "description": "The key of the project's phase; null before its first gate."})
    next_phase = fields.String(allow_none=True, metadata={
        "description": "The key of the next gate; null once every gate is passed."})
    missing = fields.List(fields.String(), metadata={
        "description": "What the next gate still needs (requirement keys)."})
    phases = fields.List(fields.Nested(ProjectPhaseSchema))
    gate_decisions = fields.List(fields.Nested(GateDecisionSchema), metadata={
        "description": "Every gate decision dated by `on`, oldest first."})


class GateDecisionInSchema(Schema):
    phase = fields.String(required=True, validate=validate.Length(min=1, max=rules.MAX_KEY_LENGTH),
                          metadata={"description": "The key of the phase the project enters: "
                                                   "the next one, or the current one again to "
                                                   "correct its decision (a note is then "
                                                   "required)."})
    decided_on = fields.Date(required=True, metadata={
        "description": "The business date of the decision: not after today, not before the "
                       "previous gate."})
    note = fields.String(load_default="", validate=validate.Length(max=rules.MAX_NOTE_LENGTH))


def _phase_payload(phase, row=None) -> dict:
    payload = {"id": phase.id, "programme_id": phase.programme_id, "position": phase.position,
               "key": phase.key, "name": phase.name, "requirements": list(phase.requirements)}
    if row is not None:
        payload.update(is_passed=row.is_passed, is_current=row.is_current,
                       passed_on=row.passed_on)
    return payload


@blp.get("/projects/<int:project_id>/phases")
@documented(blp)
@blp.arguments(AsOfArgs, location="query")
@blp.response(200, ProjectPhasesSchema)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
def project_phases(args, project_id):
    """The project's phases (passed, current), its gate decisions and what the next gate lacks."""
    project = permissions.get_visible_project(api_user(), project_id)
    phases = gates.project_phases(project, on_of(args))
    return {"project_id": project.id, "on": phases.on,
            "current_phase": phases.current.key if phases.current else None,
            "next_phase": phases.next.key if phases.next else None,
            "missing": list(phases.missing),
            "phases": [_phase_payload(row.phase, row) for row in phases.rows],
            "gate_decisions": phases.decisions}


@blp.post("/projects/<int:project_id>/gate-decisions")
@documented(blp)
@blp.arguments(GateDecisionInSchema)
@blp.response(201, GateDecisionSchema)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(409, **PROBLEM, description="Out of order (a skipped or earlier gate), or "
                                              "the gate's requirements are not in place "
                                              "(listed in `missing`).")
@blp.alt_response(422, **PROBLEM)
def record_gate_decision(data, project_id):
    """Programme office: record that the project passed the gate into a phase."""
    user = api_user()
    project = permissions.get_visible_project(user, project_id)
    decision = gates.pass_gate(project, data["phase"], data["decided_on"], data["note"], user)
    return decision


@blp.get("/programmes/<int:programme_id>/phases")
@documented(blp)
@blp.response(200, PhaseSchema(many=True))
@blp.alt_response(404, **PROBLEM)
def programme_phases(programme_id):
    """The programme's project model: its phases in order and what each gate requires."""
    return [_phase_payload(phase) for phase in gates.get_programme_phases(api_user(),
                                                                          programme_id)]
