"""Account services and the users CLI."""

import pytest
import sqlalchemy as sa

from app.accounts import services
from app.accounts.models import ApiToken, User, hash_token
from app.core.enums import Role
from app.core.errors import Conflict, InvalidInput
from app.extensions import db


def test_create_user_hashes_the_password_and_grants_roles(app_ctx):
    user = services.create_user({"email": "Eva@Test.Example", "name": "Eva",
                                 "password": "a-long-password",
                                 "roles": ["decision_maker:city_director", "applicant"]})
    assert user.email == "eva@test.example"
    assert user.password_hash and "a-long-password" not in user.password_hash
    assert user.check_password("a-long-password") and not user.check_password("wrong")
    assert user.roles == {Role.DECISION_MAKER, Role.APPLICANT}
    assert user.authority_keys == {"city_director"}


def test_duplicate_email_is_a_conflict(app_ctx):
    services.create_user({"email": "a@test.example", "name": "A", "password": "x" * 10})
    with pytest.raises(Conflict):
        services.create_user({"email": "A@TEST.EXAMPLE", "name": "B", "password": "x" * 10})


@pytest.mark.parametrize("grants", [["chief"], ["decision_maker"], ["applicant:city_director"]])
def test_bad_role_grants_are_refused_with_a_field(app_ctx, grants):
    with pytest.raises(InvalidInput) as caught:
        services.parse_role_grants(grants)
    assert caught.value.field == "roles"


def test_update_user_replaces_roles(app_ctx):
    user = services.create_user({"email": "b@test.example", "name": "B", "password": "x" * 10,
                                 "roles": ["applicant", "auditor"]})
    services.update_user(user, {"roles": ["working_group"]})
    assert user.roles == {Role.WORKING_GROUP}


def test_api_token_is_returned_once_and_only_its_hash_is_stored(app_ctx):
    user = services.create_user({"email": "t@test.example", "name": "T", "password": "x" * 10})
    token = services.issue_api_token(user)
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert hash_token(token) in stored and token not in stored
    assert services.user_for_token(token).id == user.id
    assert services.user_for_token(token + "x") is None


def test_tokens_of_inactive_users_do_not_work(app_ctx):
    user = services.create_user({"email": "i@test.example", "name": "I", "password": "x" * 10})
    token = services.issue_api_token(user)
    user.is_active = False
    db.session.flush()
    assert services.user_for_token(token) is None


def test_cli_creates_users_and_prints_tokens(app, app_ctx):
    services.create_organisation({"name": "Trafikkontoret", "kind": "administration"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=[
        "users", "create", "--email", "karin@test.example", "--name", "Karin",
        "--password", "a-long-password", "--organisation", "Trafikkontoret",
        "--role", "applicant",
    ])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "karin@test.example"))
    assert user.organisation.name == "Trafikkontoret" and user.roles == {Role.APPLICANT}
    result = runner.invoke(args=["users", "token", "karin@test.example"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("np_")
    assert services.user_for_token(token).email == "karin@test.example"


def test_cli_reports_unknown_organisation_and_user(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "x@test.example", "--name", "X",
                                 "--password", "pw-pw-pw-pw", "--organisation", "Nowhere"])
    assert result.exit_code != 0 and "Nowhere" in result.output
    result = runner.invoke(args=["users", "token", "nobody@test.example"])
    assert result.exit_code != 0 and "nobody@test.example" in result.output
