"""The demo's preparation steps are the workflow services': taken on their days, by role."""

from collections import defaultdict

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications.models import (
    AdvisoryOpinion,
    Application,
    ApplicationEvent,
    Assessment,
    QualityCheck,
)
from app.applications.services import ASSESSMENT_CRITERIA
from app.core.models import AuditEntry
from app.extensions import db
from app.seed import seed_demo
from app.seed.portfolio import ACTION_ROLE
from tests.integration.test_seed_loader import seeded  # noqa: F401  (fixture)

STEPS = {action.value: role for action, role in ACTION_ROLE.items()}


def test_each_preparation_step_was_taken_by_its_service_on_its_day(seeded):  # noqa: F811
    events = db.session.scalars(sa.select(ApplicationEvent).where(
        ApplicationEvent.action.in_(list(STEPS)))).all()
    audited = defaultdict(list)
    for entry in db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action.in_([f"application.{action}" for action in STEPS]))):
        audited[(int(entry.object_id), entry.action)].append((entry.actor_id, entry.at.date()))

    assert {event.action for event in events} == set(STEPS)
    for event in events:
        actor = db.session.get(User, event.actor_id)
        application = db.session.get(Application, event.application_id)
        assert STEPS[event.action] in actor.roles_for(application.programme_id), event
        assert audited[(application.id, f"application.{event.action}")] == [
            (actor.id, event.at.date())], event


def test_each_preparation_record_carries_its_steps_actor_and_moment(seeded):  # noqa: F811
    steps = {(event.application_id, event.action): event
             for event in db.session.scalars(sa.select(ApplicationEvent))}

    for model, action, actor, moment in (
            (Assessment, "complete_assessment", "assessor_id", "created_at"),
            (AdvisoryOpinion, "record_opinion", "recorded_by_id", "recorded_at"),
            (QualityCheck, "approve_quality_check", "checked_by_id", "checked_at")):
        records = db.session.scalars(sa.select(model)).all()
        assert records, model
        for record in records:
            step = steps[(record.application_id, action)]
            assert (getattr(record, actor), getattr(record, moment), record.comment) == (
                step.actor_id, step.at, step.comment), record


def test_every_assessment_scores_each_goal_and_criterion(seeded):  # noqa: F811
    assessments = db.session.scalars(sa.select(Assessment)).all()

    assert len(assessments) == seeded.assessments
    for assessment in assessments:
        application = db.session.get(Application, assessment.application_id)
        goals = {f"goal_{goal.number}" for goal in application.programme.goals}
        assert {score.criterion for score in assessment.scores} == (
            goals | set(ASSESSMENT_CRITERIA)), application.reference


def test_a_step_the_service_refuses_is_refused_naming_the_file_and_item(app_ctx, data_copy):
    """The working group scores every criterion: the demo's assessments obey that rule too."""
    path = data_copy / "feasibility_studies.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace(" transparent: ", " transparency: ", 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")

    with pytest.raises(ValueError, match=r"feasibility_studies\.yaml, study 1 \(Förstudie: .*\): "
                                         r"the step complete_assessment on 2008-\d\d-\d\d was "
                                         r"refused"):
        seed_demo(data_copy)
