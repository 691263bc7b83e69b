"""What a new user hit on the way (issue 15 item 6), each fixed where the shape puts it."""

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.applications import services as application_services
from app.applications.forms import WholeNumberField
from app.applications.models import Application
from app.core.errors import InvalidInput
from app.extensions import db
from tests.conftest import csrf_token_from

NBSP = "\u00a0"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_product_calls_itself_nyttoportfolj_in_every_language(client, lang):
    page = client.get("/login").get_data(as_text=True)
    client.post("/language", data={"lang": lang, "csrf_token": csrf_token_from(page)})
    html = client.get("/login").get_data(as_text=True)
    assert f'lang="{lang}"' in html
    assert "Nyttoportfölj</title>" in html
    assert ">Nyttoportfölj</a>" in html
    assert "Programportfölj" not in html and "Programme portfolio" not in html


class _AmountForm(FlaskForm):
    amount = WholeNumberField("Belopp", minimum=1, kronor=True)


@pytest.mark.parametrize("typed", ["9" * 20, "1 000 000 000 001", "-" + "9" * 30])
def test_an_amount_too_large_is_called_too_large_not_unreadable(app_ctx, typed):
    form = _AmountForm(formdata=MultiDict({"amount": typed}), meta={"csrf": False})
    assert not form.validate()
    assert [error.replace(NBSP, " ") for error in form.amount.errors] == [
        "Skriv ett tal från 1 kr till 1 000 000 000 000 kr."]


def test_an_application_cannot_ask_for_more_than_the_programmes_envelope(
        app_ctx, make_application, people):
    application = db.session.get(Application, make_application("draft"))
    karin = db.session.get(User, people.karin)
    with pytest.raises(InvalidInput) as refused:
        application_services.update_draft(application, {"requested_sek": 650_000_001}, karin)
    assert refused.value.field == "requested_sek"
    assert f"650{NBSP}000{NBSP}000{NBSP}kr" in refused.value.detail
    application_services.update_draft(application, {"requested_sek": 650_000_000}, karin)
    assert application.requested_sek == 650_000_000
