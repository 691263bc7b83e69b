"""The application workflow against the database: drafts, submission, the preparation chain."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications import permissions, services
from app.applications.models import Application, ApplicationEvent
from app.core.enums import ApplicationState
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.models import AuditEntry, Notification
from app.core.money import format_sek
from app.extensions import db
from app.programmes.models import Programme
from tests import office_files
from tests.conftest import complete_application_data


def _user(user_id) -> User:
    return db.session.get(User, user_id)


def _application(application_id) -> Application:
    return db.session.get(Application, application_id, populate_existing=True)


def test_draft_can_be_saved_incomplete_and_submission_lists_every_problem(
        app_ctx, people, make_programme):
    programme = db.session.get(Programme, make_programme())
    draft = services.create_draft(programme, {"kind": "implementation", "title": "Skolval"},
                                  _user(people.karin))
    assert draft.state == ApplicationState.DRAFT and draft.reference is None
    with pytest.raises(InvalidInput) as caught:
        services.submit(draft, _user(people.karin))
    fields = {e["field"] for e in caught.value.extra["errors"]}
    assert {"description", "requested_sek", "cost_lines", "starts_on", "milestones",
            "requirements.secure", "goal_scores.4", "benefit_owner_name"} <= fields
    assert len(fields) > 15


def test_cost_breakdown_must_add_up_to_the_request(app_ctx, people, make_programme):
    programme = db.session.get(Programme, make_programme())
    data = complete_application_data(1_200_000)
    data["cost_lines"][0]["amount_sek"] -= 1
    draft = services.create_draft(programme, data, _user(people.karin))
    with pytest.raises(InvalidInput) as caught:
        services.submit(draft, _user(people.karin))
    assert caught.value.field == "cost_lines" and format_sek(1_199_999) in caught.value.detail


@pytest.mark.parametrize("field, value", [
    ("requested_sek", -5), ("requested_sek", 0), ("requested_sek", 1.5),
    ("requested_sek", 10**12 + 1), ("requested_sek", True), ("starts_on", date(2006, 1, 1)),
    ("ends_on", date(2013, 1, 1)),
])
def test_bad_amounts_and_dates_are_refused_naming_the_field(app_ctx, people, make_programme,
                                                            field, value):
    programme = db.session.get(Programme, make_programme())
    with pytest.raises(InvalidInput) as caught:
        services.create_draft(programme, {"kind": "feasibility", "title": "x", field: value},
                              _user(people.karin))
    assert caught.value.field == field


def test_submission_gives_a_receipt_with_reference_and_expected_date(
        app_ctx, people, make_application, demo_date):
    application = _application(make_application("submitted", on="2008-02-01"))
    assert application.reference == "ANS-2008-0001"
    assert application.submitted_at.date() == date(2008, 2, 1)
    receipt = services.receipt_for(application)
    service_days = 7 * 5
    assert receipt.expected_decision_on == date(2008, 2, 1).fromordinal(
        date(2008, 2, 1).toordinal() + service_days)
    assert receipt.stage_due_dates[ApplicationState.AWAITING_DECISION] == \
        receipt.expected_decision_on
    office = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == people.jonas, Notification.kind == "application.submitted")).all()
    assert len(office) == 1


def test_references_continue_after_the_highest_existing_one(
        app_ctx, people, make_application, make_programme):
    programme = make_programme()
    existing = _application(make_application(programme_id=programme))
    existing.reference = "ANS-2008-0041"
    db.session.flush()
    second = _application(make_application("submitted", programme_id=programme))
    third = _application(make_application("submitted", programme_id=programme))
    assert (second.reference, third.reference) == ("ANS-2008-0042", "ANS-2008-0043")


def test_every_step_records_who_when_and_why_and_notifies_the_applicant(
        app_ctx, people, make_application):
    application = _application(make_application("awaiting_decision"))
    events = services.history(application)
    assert [e.action for e in events] == ["submit", "start_preparation", "complete_assessment",
                                          "record_opinion", "approve_quality_check"]
    assert [e.actor_id for e in events] == [people.karin, people.jonas, people.leila,
                                            people.per, people.maria]
    assert events[-1].to_state == ApplicationState.AWAITING_DECISION
    notices = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == people.karin, Notification.kind == "application.stage_changed"))
    assert notices == 5
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"application.submit", "application.record_opinion"} <= actions


def test_wrong_state_is_a_conflict_and_changes_nothing(app_ctx, people, make_application):
    application = _application(make_application("submitted"))
    before = db.session.scalar(sa.select(sa.func.count(ApplicationEvent.id)))
    with pytest.raises(Conflict):
        services.record_opinion(application, "supports", "", _user(people.per))
    assert application.state == ApplicationState.SUBMITTED
    assert db.session.scalar(sa.select(sa.func.count(ApplicationEvent.id))) == before


def test_wrong_role_is_forbidden(app_ctx, people, make_application):
    application = _application(make_application("submitted"))
    with pytest.raises(Forbidden):
        services.start_preparation(application, _user(people.leila))


def test_return_for_completion_needs_a_comment_and_the_applicant_resubmits(
        app_ctx, people, make_application, demo_date):
    application = _application(make_application("in_preparation"))
    with pytest.raises(InvalidInput):
        services.return_for_completion(application, " ", _user(people.jonas))
    services.return_for_completion(application, "Komplettera kostnaderna", _user(people.jonas))
    assert application.state == ApplicationState.RETURNED_FOR_COMPLETION
    services.update_draft(application, {"target_groups": "Alla cyklister"}, _user(people.karin))
    demo_date("2008-02-20")
    services.submit(application, _user(people.karin))
    assert application.state == ApplicationState.SUBMITTED
    assert application.reference == "ANS-2008-0001"
    assert services.history(application)[-1].action == "resubmit"


def test_quality_check_can_return_to_preparation_with_a_reason(app_ctx, people,
                                                                make_application):
    application = _application(make_application("quality_check"))
    with pytest.raises(InvalidInput):
        services.quality_check(application, "returned", "", _user(people.maria))
    services.quality_check(application, "returned", "Kalkylen saknar drift", _user(people.maria))
    assert application.state == ApplicationState.IN_PREPARATION


def test_applicant_withdraws_before_decision_but_other_organisations_cannot(
        app_ctx, people, make_application):
    application = _application(make_application("advisory_opinion"))
    with pytest.raises(NotFound):
        services.withdraw(application, "", _user(people.sven))
    services.withdraw(application, "Behovet försvann", _user(people.karin))
    assert application.state == ApplicationState.WITHDRAWN
    with pytest.raises(Conflict):
        services.withdraw(application, "", _user(people.karin))


def test_assessment_must_score_every_goal_and_criterion(app_ctx, people, make_application):
    application = _application(make_application("in_preparation"))
    with pytest.raises(InvalidInput) as caught:
        services.complete_assessment(application, {"recommendation": "approve",
                                                   "scores": {"goal_1": 3}}, _user(people.leila))
    assert "goal_2" in caught.value.detail
    with pytest.raises(InvalidInput):
        services.complete_assessment(application, {"recommendation": "maybe", "scores": {}},
                                     _user(people.leila))


def test_another_organisation_cannot_edit_or_see_a_draft(app_ctx, people, make_application):
    application = _application(make_application())
    with pytest.raises(Forbidden):
        services.update_draft(application, {"title": "Kapad"}, _user(people.sven))
    with pytest.raises(NotFound):
        permissions.get_visible_application(_user(people.sven), application.id)


@pytest.mark.parametrize("filename, content, ok", [
    ("plan.pdf", b"%PDF-1.7 ...", True),
    ("kalkyl.xlsx", office_files.xlsx_bytes(), True),
    ("plan.docx", office_files.docx_bytes(), True),
    ("kalkyl.xlsx", b"PK\x03\x04....", False),
    ("plan.docx", office_files.xlsx_bytes(), False),
    ("virus.exe", b"MZ....", False),
    ("fake.pdf", b"<html>", False),
    ("empty.pdf", b"", False),
    ("noextension", b"%PDF-", False),
])
def test_attachments_are_checked_by_type_and_content(app_ctx, people, make_application,
                                                     filename, content, ok):
    application = _application(make_application())
    if ok:
        attachment = services.add_attachment(application, filename, content, _user(people.karin))
        assert attachment.size_bytes == len(content)
    else:
        with pytest.raises(InvalidInput) as caught:
            services.add_attachment(application, filename, content, _user(people.karin))
        assert caught.value.field == "attachment"
        assert application.attachments == []


def test_oversized_attachment_is_refused(app_ctx, people, make_application):
    application = _application(make_application())
    big = b"%PDF-" + b"0" * services.MAX_ATTACHMENT_BYTES
    with pytest.raises(InvalidInput, match=r"10,1 MB.*10,0 MB"):  # its real size, the limit
        services.add_attachment(application, "big.pdf", big, _user(people.karin))


def test_goal_scores_can_be_saved_again_on_a_draft(app_ctx, people, make_application):
    """Regression: replacing scores inserted new rows before deleting the old (UNIQUE, 500)."""
    application = _application(make_application())
    scores = [{"goal": n, "score": 3, "motivation": "Bättre"} for n in range(1, 5)]
    services.update_draft(application, {"goal_scores": scores}, _user(people.karin))
    services.update_draft(application, {"goal_scores": scores}, _user(people.karin))
    assert sorted(s.score for s in application.goal_scores) == [3, 3, 3, 3]
