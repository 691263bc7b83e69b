"""Marshmallow's refusals reach an API client in the user's language, like every other error."""

import pytest
from flask_babel import force_locale

from app.core import validation_messages


@pytest.fixture
def user_with_token(app, make_user, make_organisation, api_token):
    """A user of Trafikkontoret and their token; `locale` switches the user's language."""
    organisation = make_organisation("Trafikkontoret")
    user_id = make_user(["applicant"], organisation_id=organisation, name="Karin")

    def set_locale(locale: str) -> None:
        from app.accounts.models import User
        from app.extensions import db

        with app.app_context():
            db.session.get(User, user_id).locale = locale
            db.session.commit()

    return api_token(user_id), set_locale


@pytest.mark.parametrize(("locale", "query", "field", "message"), [
    ("sv", "page_size=0", "page_size", "Måste vara större än eller lika med 1"),
    ("en", "page_size=0", "page_size", "Must be greater than or equal to 1"),
    ("sv", "page=zwei", "page", "Inte ett giltigt heltal."),
    ("en", "page=zwei", "page", "Not a valid integer."),
])
def test_a_refused_query_argument_is_explained_in_the_users_language(
        client, user_with_token, locale, query, field, message):
    headers, set_locale = user_with_token
    set_locale(locale)
    response = client.get(f"/api/v1/organisations?{query}", headers=headers)
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"] == field and error["message"].startswith(message)
    assert message in response.json["detail"]


@pytest.mark.parametrize(("locale", "required", "unknown"), [
    ("sv", "Fältet måste fyllas i.", "Okänt fält."),
    ("en", "Missing data for required field.", "Unknown field."),
])
def test_a_refused_body_names_missing_and_unknown_fields_in_the_users_language(
        client, user_with_token, make_programme, locale, required, unknown):
    make_programme()
    headers, set_locale = user_with_token
    set_locale(locale)
    response = client.post("/api/v1/applications", headers=headers,
                           json={"title": "Cykelparkering", "colour": "blå"})
    assert response.status_code == 422
    messages = {error["field"]: error["message"] for error in response.json["errors"]}
    assert messages["kind"] == required
    assert messages["colour"] == unknown


def test_every_marshmallow_message_the_api_can_give_is_translated(app):
    """The catalogue holds each message; Swedish differs from the English text for every one."""
    with app.test_request_context(), force_locale("sv"):
        untranslated = [str(message._args[0]) for message in validation_messages.CATALOGUE
                        if str(message) == message._args[0]]
    assert untranslated == []


def test_a_message_composed_outside_a_request_stays_english_until_it_is_shown(app):
    message = validation_messages.TranslatedMessage("Must be {op} {{min}}.").format(
        op="greater than")
    assert isinstance(message, validation_messages.TranslatedMessage)
    assert message == "Must be greater than {min}."
    with app.test_request_context(), force_locale("sv"):
        assert message.format(min=3) == "Måste vara större än 3."
