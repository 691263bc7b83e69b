"""The administration reader role is one the database accepts; an unknown role it refuses."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.accounts import services
from app.core.enums import Role
from app.core.errors import InvalidInput
from app.extensions import db


def _insert_role(user_id: int, role: str) -> None:
    db.session.execute(sa.text(
        "INSERT INTO role_assignment (user_id, role, granted_at) VALUES (:user, :role, :at)"),
        {"user": user_id, "role": role, "at": "2010-03-01 08:00:00+00:00"})


def test_the_role_check_accepts_the_reader_and_refuses_an_unknown_role(app_ctx,
                                                                      make_organisation):
    user = services.create_user({"email": "r@test.example", "name": "R", "password": "x" * 12,
                                 "organisation_id": make_organisation("Skola")})
    with db.session.begin_nested():
        _insert_role(user.id, "administration_reader")
    db.session.expire(user)
    assert user.roles == {Role.ADMINISTRATION_READER}
    with pytest.raises(IntegrityError), db.session.begin_nested():
        _insert_role(user.id, "reader_of_everything")


def test_a_reader_without_an_organisation_is_refused(app_ctx):
    with pytest.raises(InvalidInput) as caught:
        services.create_user({"email": "n@test.example", "name": "N", "password": "x" * 12,
                              "roles": ["administration_reader"]})
    assert caught.value.field == "organisation_id"
