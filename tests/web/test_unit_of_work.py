"""One commit per request: views never commit, the request does; refusals undo only themselves."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.accounts.models import Organisation
from app.core.errors import Forbidden, InvalidInput
from app.core.unit_of_work import attempt, change_or_flash_refusal, commit_when_done
from app.extensions import db

APP = Path(__file__).resolve().parents[2] / "app"
# Pages and API endpoints: every module that declares a blueprint, and the API package.
DECLARES_BLUEPRINT = re.compile(r"\b(api_blueprint|page_blueprint|Blueprint)\(")
HANDLER_FILES = sorted({*(path for path in APP.rglob("*.py")
                          if DECLARES_BLUEPRINT.search(path.read_text())),
                        *APP.glob("api/*.py")})
SESSION_END = re.compile(r"\bsession\.(commit|rollback)\(")
CAUGHT_REFUSAL = re.compile(r"except\s*\(?[^:]*\b(InvalidInput|Conflict|DomainError)\b")


def test_the_handler_files_are_found():
    names = {path.relative_to(APP).as_posix() for path in HANDLER_FILES}
    assert {"applications/views.py", "api/applications.py", "programmes/position_views.py",
            "accounts/first_run.py", "health.py", "start/views.py"} <= names


@pytest.mark.parametrize("path", HANDLER_FILES, ids=lambda p: p.relative_to(APP).as_posix())
def test_no_page_or_endpoint_commits_or_rolls_back(path):
    offending = [f"{number}: {line.strip()}"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if SESSION_END.search(line)]
    assert offending == []


@pytest.mark.parametrize("path", HANDLER_FILES, ids=lambda p: p.relative_to(APP).as_posix())
def test_refusals_are_shown_through_attempt_not_caught_by_hand(path):
    """A hand-written `except InvalidInput` would keep the refused change's half-done writes."""
    offending = [f"{number}: {line.strip()}"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if CAUGHT_REFUSAL.search(line)]
    assert offending == []


def test_every_endpoint_but_the_static_files_is_wrapped(app):
    unwrapped = [endpoint for endpoint, view in app.view_functions.items()
                 if not endpoint.endswith("static") and not hasattr(view, "__wrapped__")]
    assert unwrapped == []
    assert not hasattr(app.view_functions["static"], "__wrapped__")


def _organisation_named(name: str):
    return db.session.scalar(sa.select(Organisation).where(Organisation.name == name))


def _add_organisation(name: str) -> None:
    db.session.add(Organisation(name=name, kind="administration"))
    db.session.flush()


def test_a_view_that_returns_has_its_changes_committed(app_ctx):
    commit_when_done(lambda: _add_organisation("Kept") or "ok")()
    db.session.rollback()  # ends nothing but what was not committed
    assert _organisation_named("Kept") is not None


def test_a_view_that_raises_leaves_nothing(app_ctx):
    def refuse_after_writing():
        _add_organisation("Half done")
        raise InvalidInput("refused")

    with pytest.raises(InvalidInput):
        commit_when_done(refuse_after_writing)()
    assert _organisation_named("Half done") is None


def test_a_refusal_in_attempt_undoes_only_itself(app_ctx):
    def save_draft_then_fail_to_submit():
        _add_organisation("Draft")
        with attempt() as outcome:
            _add_organisation("Submitted")
            raise InvalidInput("missing a field", field="title")
        assert outcome.refused.field == "title"
        assert not outcome.succeeded
        return "shown on the form", 422

    response = commit_when_done(save_draft_then_fail_to_submit)()
    assert response.status_code == 422
    db.session.rollback()
    assert _organisation_named("Draft") is not None
    assert _organisation_named("Submitted") is None


def test_an_error_the_view_does_not_show_leaves_attempt_and_the_view(app_ctx):
    def forbidden_inside_attempt():
        _add_organisation("Before")
        with attempt():
            raise Forbidden("no")

    with pytest.raises(Forbidden):
        commit_when_done(forbidden_inside_attempt)()
    assert _organisation_named("Before") is None


def test_a_flashed_refusal_keeps_nothing_of_the_refused_change(app_ctx):
    def refuse():
        _add_organisation("Refused")
        raise InvalidInput("Nej.")

    assert change_or_flash_refusal(refuse, "Klart.") is False
    assert change_or_flash_refusal(lambda: _add_organisation("Done"), "Klart.") is True
    assert _organisation_named("Refused") is None
    assert _organisation_named("Done") is not None


def test_a_refused_api_change_is_rolled_back_and_an_accepted_one_kept(client, api_token,
                                                                      make_user):
    """Through a real endpoint: an administrator creates a programme, then one of the same name."""
    headers = api_token(make_user(roles=("administrator",)))
    body = {"name": "Program X", "starts_on": "2013-01-01", "ends_on": "2016-12-31"}
    created = client.post("/api/v1/programmes", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    again = client.post("/api/v1/programmes", json=body, headers=headers)
    assert again.status_code == 422
    listed = client.get("/api/v1/programmes?page_size=100", headers=headers).get_json()
    assert [row["name"] for row in listed].count("Program X") == 1


def test_a_refused_api_request_still_records_the_tokens_last_use(app, client, api_token,
                                                                  make_user):
    """The token's use is bookkeeping of authentication, kept before the view runs."""
    from app.accounts.models import ApiToken

    user_id = make_user(roles=("administrator",))
    headers = api_token(user_id)
    refused = client.post("/api/v1/programmes", json={"name": ""}, headers=headers)
    assert refused.status_code == 422
    with app.app_context():
        used = db.session.scalar(sa.select(ApiToken.last_used_at)
                                 .where(ApiToken.user_id == user_id))
    assert used is not None


def test_reads_with_a_token_used_a_moment_ago_write_nothing(app, client, api_token, make_user):
    """A read is a read: the token's last use is kept to the minute precision, not per request."""
    headers = api_token(make_user(roles=("programme_office",)))
    assert client.get("/api/v1/programmes", headers=headers).status_code == 200
    writes = []

    def remember_writes(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", remember_writes)
    try:
        for path in ("/api/v1/programmes", "/api/v1/projects", "/api/v1/me"):
            assert client.get(path, headers=headers).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember_writes)
    assert writes == []
