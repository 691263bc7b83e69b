"""The calculation page on a laptop screen (1280 px): the per-year figures are not cut off."""

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 1366])
def test_the_per_year_table_fits_a_laptop_screen(page, log_in_as, live_app, url_for, width):
    from app.accounts.models import Organisation
    from app.applications.models import Application
    from app.benefits.models import BenefitCalculation
    from app.extensions import db

    applicant = log_in_as("applicant")
    with live_app.app_context():
        application_id = db.session.scalar(
            sa.select(BenefitCalculation.application_id)
            .join(Application, Application.id == BenefitCalculation.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .where(Organisation.name == applicant.organisation)
            .order_by(BenefitCalculation.application_id).limit(1))
        db.session.remove()
    assert application_id is not None
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(url_for("benefits.calculation", application_id=application_id))
    region = page.locator("[data-result-table]").locator("xpath=..")
    fits = region.evaluate(
        "el => ({overflow: el.scrollWidth - el.clientWidth,"
        " right: el.getBoundingClientRect().right, screen: window.innerWidth})")
    assert fits["overflow"] <= 0, fits
    assert fits["right"] <= fits["screen"], fits
