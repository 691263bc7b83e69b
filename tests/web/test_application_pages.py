"""The application pages through the test client: writing, submitting, the preparation chain,
queues, attachments, and every refusal (bad input, wrong state, wrong role, other organisation).

Pages are Swedish by default; the tests match on data (references, amounts, names, field
names and data-testid markers), not on translated text.
"""

import re
from io import BytesIO

import pytest
import sqlalchemy as sa

from app.applications.models import (
    Application,
    ApplicationEvent,
    Assessment,
    Attachment,
    Decision,
)
from app.applications.services import MAX_ATTACHMENT_BYTES, REQUIREMENTS
from app.extensions import db
from tests.conftest import csrf_token_from, login

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# ---- helpers (imported by test_decision_pages) --------------------------------------------

def clients_for(app, people):
    """One logged-in client per person, each from its own address (the login limit is per IP)."""
    from app.accounts.models import User

    clients = {}

    def get(name: str):
        if name not in clients:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"127.0.0.{len(clients) + 10}"
            with app.app_context():
                email = db.session.get(User, getattr(people, name)).email
            response = login(client, email)
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            clients[name] = client
        return clients[name]

    return get


@pytest.fixture
def browser(app, db_session, people, demo_date):
    """Clients for the journey's people, on a business date in 2008 (the 2007 delegation)."""
    demo_date("2008-03-07")
    return clients_for(app, people)


def html_of(response) -> str:
    return response.get_data(as_text=True)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, html_of(response)[:500])
    return html_of(response)


def token(client) -> str:
    return csrf_token_from(html_of(client.get("/applications/")))


def marked(html: str, name: str) -> str:
    """Return the text inside the first element marked data-testid=name, tags removed."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{name}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no data-testid={name} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def kronor(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def post_step(client, application_id: int, step: str, prefix: str, **fields):
    """Post one workflow step's form, its fields carrying the form's prefix."""
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    data[f"{prefix}-csrf_token"] = token(client)
    return client.post(f"/applications/{application_id}/{step}", data=data)


ASSESSMENT = {**{f"goal_{n}": "2" for n in range(1, 5)}, **{c: "3" for c in REQUIREMENTS},
              "recommendation": "approve", "comment": "Väl underbyggd"}


def application_form(programme_id: int, **changes) -> dict:
    """Every section of Karin's feasibility application, as the form posts it."""
    data = {
        "programme_id": str(programme_id), "kind": "feasibility", "feasibility_id": "0",
        "title": "Cykelreseplanerare",
        "description": "En reseplanerare för cykel i webbkartan.",
        "process_description": "Cyklister planerar själva i stället för att ringa.",
        "target_groups": "Cyklister i Stockholm", "estimated_users": "60 000",
        "estimated_users_within_years": "3", "requested_sek": "1 200 000",
        "starts_on": "2008-03-01", "ends_on": "2009-06-30",
        "benefit_owner_name": "Karin Trafik", "benefit_owner_email": "karin@trafik.example",
        "communication_plan": "Lansering via stockholm.se.",
        "operation_plan": "Driftas på e-tjänsteplattformen.", "operation_payer": "Trafikkontoret",
        "reuse_analysis": "Stadsbyggnadskontorets tjänst täcker inte cykel.",
        "cost_1_year": "2008", "cost_1_type": "external_purchase", "cost_1_amount": "700 000",
        "cost_2_year": "2009", "cost_2_type": "internal_staff", "cost_2_amount": "500000",
        "milestone_1_name": "Pilot", "milestone_1_due_on": "2008-09-01",
        "save_draft": "Spara utkast",
    }
    for number in range(1, 5):
        data[f"goal_{number}_score"] = "2"
        data[f"goal_{number}_motivation"] = f"Bidrar till mål {number}."
    for key in REQUIREMENTS:
        data[f"requirement_{key}"] = f"Så uppfylls {key}."
    data.update(changes)
    return data


def post_application(client, url: str, data: dict, files=()):
    form = {**data, "csrf_token": token(client)}
    if files:
        form["attachments"] = list(files)
    return client.post(url, data=form, content_type="multipart/form-data")


def new_id(response) -> int:
    assert response.status_code == 302, html_of(response)[:2000]
    return int(re.search(r"/applications/(\d+)", response.headers["Location"]).group(1))


def load(app, model, ident):
    with app.app_context():
        row = db.session.get(model, ident)
        return None if row is None else {c.key: getattr(row, c.key)
                                         for c in sa.inspect(model).column_attrs}


def count(app, model, **where) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def remaining_on_programme_page(client, programme_id: int, on: str | None = None) -> int:
    """What is left of the envelope on the programme page, as of `on` (the business date)."""
    query = f"?on={on}" if on else ""
    return kronor(marked(page(client, f"/programmes/{programme_id}{query}"), "remaining"))


# ---- the journey --------------------------------------------------------------------------

def test_journey_from_karins_form_to_anders_decision(app, browser, people, make_programme,
                                                      demo_date):
    demo_date("2008-02-01")
    programme = make_programme()
    karin = browser("karin")

    form_page = page(karin, "/applications/new")
    assert 'enctype="multipart/form-data"' in form_page
    assert 'name="cost_8_amount"' in form_page and 'name="milestone_1_due_on"' in form_page
    assert 'name="goal_4_motivation"' in form_page and 'name="requirement_transparent"' in form_page
    saved = post_application(karin, "/applications/new", application_form(programme),
                             files=[(BytesIO(PDF), "nyttokalkyl.pdf")])
    application_id = new_id(saved)
    stored = load(app, Application, application_id)
    assert stored["state"] == "draft" and stored["requested_sek"] == 1_200_000
    assert stored["estimated_users"] == 60_000 and stored["estimated_users_within_years"] == 3
    assert stored["requirements"]["user_driven"] == "Så uppfylls user_driven."
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert sorted((c.year, c.cost_type, c.amount_sek) for c in application.cost_lines) == [
            (2008, "external_purchase", 700_000), (2009, "internal_staff", 500_000)]
        assert [(m.name, m.due_on.isoformat()) for m in application.milestones] == [
            ("Pilot", "2008-09-01")]
        assert sorted(s.score for s in application.goal_scores) == [2, 2, 2, 2]
        assert [a.filename for a in application.attachments] == ["nyttokalkyl.pdf"]

    edit_page = page(karin, f"/applications/{application_id}/edit")
    assert 'value="1 200 000"' in edit_page and "Så uppfylls secure." in edit_page
    with app.app_context():
        from app.accounts.models import User
        from app.benefits.services import save_working_calculation
        from tests.conftest import SMALL_CALCULATION

        save_working_calculation(db.session.get(Application, application_id), SMALL_CALCULATION,
                                 db.session.get(User, people.karin))
        db.session.commit()
    sent = post_application(karin, f"/applications/{application_id}/edit",
                            application_form(programme, save_draft="", send="Skicka in"))
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/applications/{application_id}/receipt")
    receipt = page(karin, f"/applications/{application_id}/receipt")
    assert marked(receipt, "reference") == "ANS-2008-0001"
    assert marked(receipt, "expected-decision") == "2008-03-07"
    assert "2008-02-08" in marked(receipt, "stage-dates")

    demo_date("2008-02-05")
    jonas = browser("jonas")
    assert "ANS-2008-0001" in page(jonas, "/applications/queue")
    response = post_step(jonas, application_id, "start-preparation", "start",
                         comment="Registrerad")
    assert response.status_code == 302
    leila = browser("leila")
    assert post_step(leila, application_id, "assess", "assess", **ASSESSMENT).status_code == 302
    per = browser("per")
    assert post_step(per, application_id, "opinion", "opinion", outcome="supports",
                     comment="Rådet tillstyrker").status_code == 302
    maria = browser("maria")
    assert post_step(maria, application_id, "quality-check", "qc",
                     outcome="approved").status_code == 302

    anders, eva = browser("anders"), browser("eva")
    detail = page(anders, f"/applications/{application_id}")
    assert marked(detail, "routed-authority") == "Deputy"
    assert 'id="decide-form"' in detail and 'value="1 200 000"' in detail
    assert 'value="2008-02-05"' in detail
    history = marked(detail, "history")
    assert all(name in history for name in ("Karin", "Jonas", "Leila", "Per", "Maria"))
    assert "Registrerad" in history and "Rådet tillstyrker" in history
    assert "Väl underbyggd" in detail

    eva_page = page(eva, f"/applications/{application_id}")
    assert 'id="decide-form"' not in eva_page and marked(eva_page, "routed-authority") == "Deputy"
    before = remaining_on_programme_page(jonas, programme, on="2008-03-07")
    demo_date("2008-03-07")
    refused = post_step(eva, application_id, "decide", "decide", outcome="approved",
                        amount_sek="1200000", decided_on="2008-03-07", decision_text="Beviljas")
    assert refused.status_code == 403
    assert count(app, Decision) == 0

    decided = post_step(anders, application_id, "decide", "decide", outcome="approved",
                        amount_sek="1 200 000", decided_on="2008-03-07",
                        decision_text="Förstudien beviljas.",
                        conditions="Rapportera var 6:e vecka.")
    assert decided.status_code == 302, html_of(decided)[:3000]
    decision_url = decided.headers["Location"]
    decision_page = page(anders, decision_url)
    assert marked(decision_page, "diary-number") == "SLK 2008/0001"
    # The decision is dated 2008-03-07: the envelope shows it from that day (issue 12).
    assert remaining_on_programme_page(jonas, programme, on="2008-03-07") == before - 1_200_000
    assert remaining_on_programme_page(jonas, programme, on="2008-03-06") == before
    karin_view = page(karin, f"/applications/{application_id}")
    assert "SLK 2008/0001" in marked(karin_view, "decisions")
    assert "60\u00a0000" in karin_view and "Så uppfylls transparent." in karin_view
    assert load(app, Application, application_id)["state"] == "decided"


# ---- writing and submitting ---------------------------------------------------------------

def test_submitting_shows_every_problem_at_once_and_keeps_the_draft(app, browser,
                                                                    make_programme, demo_date):
    demo_date("2008-02-01")
    programme = make_programme()
    karin = browser("karin")
    response = post_application(karin, "/applications/new", {
        "programme_id": str(programme), "kind": "implementation", "title": "Bara en titel",
        "send": "Skicka in"})
    assert response.status_code == 422
    html = html_of(response)
    summary = re.search(r'id="error-summary".*?</ul>', html, re.S).group(0)
    links = re.findall(r'<li><a [^>]*href="#([\w-]+)"', summary)
    expected = {"description", "process_description", "target_groups", "estimated_users",
                "estimated_users_within_years", "benefit_owner_name", "communication_plan",
                "operation_plan", "operation_payer", "reuse_analysis", "requested_sek",
                "cost_1_amount", "starts_on", "ends_on", "milestone_1_name",
                *(f"requirement_{key}" for key in REQUIREMENTS),
                *(f"goal_{n}_score" for n in range(1, 5)), "benefit-calculation"}
    assert expected <= set(links), expected - set(links)
    assert len(links) == len(expected)
    with app.app_context():
        drafts = db.session.scalars(sa.select(Application)).all()
        assert [(a.title, a.state, a.reference) for a in drafts] == [("Bara en titel", "draft",
                                                                      None)]
        draft_id = drafts[0].id
    assert f'action="/applications/{draft_id}/edit"' in html


def test_a_completely_empty_application_names_every_required_field_by_its_label(
        app, browser, make_programme, demo_date):
    demo_date("2008-02-01")
    programme = make_programme()
    karin = browser("karin")
    response = post_application(karin, "/applications/new", {
        "programme_id": str(programme), "kind": "implementation", "send": "Skicka in"})
    assert response.status_code == 422
    html = html_of(response)
    summary = re.search(r'id="error-summary".*?</ul>', html, re.S).group(0)
    links = set(re.findall(r'<li><a [^>]*href="#([\w-]+)"', summary))
    expected = {"title", "description", "process_description", "target_groups",
                "estimated_users", "estimated_users_within_years", "benefit_owner_name",
                "communication_plan", "operation_plan", "operation_payer", "reuse_analysis",
                "requested_sek", "cost_1_amount", "starts_on", "ends_on", "milestone_1_name",
                *(f"requirement_{key}" for key in REQUIREMENTS),
                *(f"goal_{n}_score" for n in range(1, 5)), "benefit-calculation"}
    assert expected <= links, expected - links
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary))
    for label in ("Beskrivning", "Målgrupper", "Kommunikationsplan", "Återanvändningsanalys"):
        assert f"Fyll i ”{label}”" in words, label
    assert "Användarvänlig" in words and "user_friendly" not in words
    with app.app_context():
        assert db.session.scalars(sa.select(Application)).all() == []


def test_submit_button_on_the_detail_page_lists_the_problems(app, browser, make_application):
    application_id = make_application("draft", description="")
    karin = browser("karin")
    response = karin.post(f"/applications/{application_id}/submit",
                          data={"csrf_token": token(karin)})
    assert response.status_code == 422
    assert 'href="#description"' in html_of(response)
    assert load(app, Application, application_id)["state"] == "draft"


@pytest.mark.parametrize("amount", ["-5", "0", "tolv", "1.5", "1,5", "1000000000001",
                                    "99999999999999999999"])
def test_a_bad_requested_amount_is_a_field_error_and_nothing_is_saved(app, browser, amount,
                                                                      make_programme,
                                                                      demo_date):
    demo_date("2008-02-01")
    programme = make_programme()
    karin = browser("karin")
    response = post_application(karin, "/applications/new",
                                application_form(programme, requested_sek=amount))
    assert response.status_code == 422
    html = html_of(response)
    assert 'id="requested_sek-error"' in html and 'href="#requested_sek"' in html
    assert 'aria-invalid="true"' in html
    assert count(app, Application) == 0


def test_a_bad_amount_on_a_saved_draft_changes_nothing(app, browser, make_application):
    application_id = make_application("draft")
    karin = browser("karin")
    response = post_application(karin, f"/applications/{application_id}/edit",
                                application_form(0, title="Nytt namn", cost_2_amount="tolv"))
    assert response.status_code == 422
    assert 'id="cost_2_amount-error"' in html_of(response)
    stored = load(app, Application, application_id)
    assert stored["title"] == "Cykelreseplanerare" and stored["requested_sek"] == 1_200_000


def test_a_date_outside_the_programme_period_is_a_field_error(app, browser, make_programme,
                                                             demo_date):
    demo_date("2008-02-01")
    programme = make_programme()
    karin = browser("karin")
    response = post_application(karin, "/applications/new",
                                application_form(programme, starts_on="2001-01-01"))
    assert response.status_code == 422
    assert 'id="starts_on-error"' in html_of(response)
    assert count(app, Application) == 0


def test_half_filled_rows_are_field_errors_and_empty_rows_are_ignored(app, browser,
                                                                     make_programme, demo_date):
    demo_date("2008-02-01")
    programme = make_programme()
    karin = browser("karin")
    response = post_application(karin, "/applications/new", application_form(
        programme, cost_3_amount="100", milestone_2_due_on="2008-10-01"))
    assert response.status_code == 422
    html = html_of(response)
    for name in ("cost_3_year", "cost_3_type", "milestone_2_name"):
        assert f'id="{name}-error"' in html
    assert count(app, Application) == 0
    saved = post_application(karin, "/applications/new", application_form(programme))
    with app.app_context():
        assert len(db.session.get(Application, new_id(saved)).cost_lines) == 2


def test_a_draft_keeps_an_implementation_link_to_its_feasibility_study(app, browser,
                                                                      make_application,
                                                                      demo_date):
    feasibility = make_application("submitted", title="Förstudie cykel", kind="feasibility")
    demo_date("2008-02-01")
    karin = browser("karin")
    new_page = page(karin, "/applications/new")
    assert f'<option value="{feasibility}">ANS-2008-0001: Förstudie cykel</option>' in new_page
    programme = load(app, Application, feasibility)["programme_id"]
    saved = post_application(karin, "/applications/new", application_form(
        programme, kind="implementation", feasibility_id=str(feasibility)))
    assert load(app, Application, new_id(saved))["feasibility_id"] == feasibility
    sven = browser("sven")
    assert "Förstudie cykel" not in page(sven, "/applications/new")


# ---- attachments --------------------------------------------------------------------------

@pytest.mark.parametrize("filename, content", [
    ("anteckningar.txt", b"plain text"),
    ("program.exe", b"MZ\x90\x00"),
    ("falsk.pdf", b"not a pdf at all"),
    ("stor.pdf", PDF + b"0" * (MAX_ATTACHMENT_BYTES + 1 - len(PDF))),
])
def test_a_disallowed_or_oversized_attachment_is_a_form_error_and_nothing_is_stored(
        app, browser, make_programme, demo_date, filename, content):
    demo_date("2008-02-01")
    programme = make_programme()
    karin = browser("karin")
    response = post_application(karin, "/applications/new", application_form(programme),
                                files=[(BytesIO(content), filename)])
    assert response.status_code == 422
    html = html_of(response)
    assert 'id="attachments-error"' in html and 'href="#attachments"' in html
    assert count(app, Attachment) == 0 and count(app, Application) == 0


def test_an_attachment_downloads_only_for_those_who_can_see_the_application(
        app, browser, make_application):
    application_id = make_application("draft")
    karin = browser("karin")
    saved = post_application(karin, f"/applications/{application_id}/edit",
                             application_form(0), files=[(BytesIO(PDF), "kalkyl.pdf")])
    assert saved.status_code == 302
    detail = page(karin, f"/applications/{application_id}")
    url = re.search(r'href="(/applications/\d+/attachments/\d+)">kalkyl.pdf', detail).group(1)
    download = karin.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/pdf"
    assert browser("sven").get(url).status_code == 404
    assert browser("jonas").get(url).status_code == 404
    other = make_application("draft", title="Annan")
    assert karin.get(url.replace(f"/{application_id}/", f"/{other}/")).status_code == 404


# ---- the chain: returns, withdrawals and refusals -----------------------------------------

def test_return_for_completion_then_resubmit(app, browser, make_application, demo_date):
    application_id = make_application("submitted")
    demo_date("2008-02-10")
    jonas = browser("jonas")
    empty = post_step(jonas, application_id, "return-for-completion", "return", comment=" ")
    assert empty.status_code == 422 and 'id="return-comment-error"' in html_of(empty)
    assert load(app, Application, application_id)["state"] == "submitted"
    returned = post_step(jonas, application_id, "return-for-completion", "return",
                         comment="Komplettera driftplanen.")
    assert returned.status_code == 302
    assert load(app, Application, application_id)["state"] == "returned_for_completion"

    karin = browser("karin")
    detail = page(karin, f"/applications/{application_id}")
    assert "Komplettera driftplanen." in marked(detail, "history")
    assert f'href="/applications/{application_id}/edit"' in detail
    programme = load(app, Application, application_id)["programme_id"]
    resent = post_application(karin, f"/applications/{application_id}/edit", application_form(
        programme, operation_plan="Driftas av stadens driftleverantör.", save_draft="",
        send="Skicka in"))
    assert resent.status_code == 302 and resent.headers["Location"].endswith("/receipt")
    stored = load(app, Application, application_id)
    assert stored["state"] == "submitted" and stored["reference"] == "ANS-2008-0001"
    assert stored["operation_plan"] == "Driftas av stadens driftleverantör."
    with app.app_context():
        actions = db.session.scalars(sa.select(ApplicationEvent.action).where(
            ApplicationEvent.application_id == application_id).order_by(ApplicationEvent.id))
        assert list(actions) == ["submit", "return_for_completion", "resubmit"]


def test_quality_check_return_needs_a_comment(app, browser, make_application):
    application_id = make_application("quality_check")
    maria = browser("maria")
    response = post_step(maria, application_id, "quality-check", "qc", outcome="returned")
    assert response.status_code == 422 and 'id="qc-comment-error"' in html_of(response)
    assert load(app, Application, application_id)["state"] == "quality_check"
    response = post_step(maria, application_id, "quality-check", "qc", outcome="returned",
                         comment="Kostnaderna för 2009 saknar underlag.")
    assert response.status_code == 302
    assert load(app, Application, application_id)["state"] == "in_preparation"


def test_withdrawal_needs_confirmation(app, browser, make_application):
    application_id = make_application("in_preparation")
    karin = browser("karin")
    assert 'id="withdraw-confirm"' in page(karin, f"/applications/{application_id}")
    unconfirmed = post_step(karin, application_id, "withdraw", "withdraw", comment="Fel år")
    assert unconfirmed.status_code == 422
    assert load(app, Application, application_id)["state"] == "in_preparation"
    confirmed = post_step(karin, application_id, "withdraw", "withdraw", comment="Fel år",
                          confirm="y")
    assert confirmed.status_code == 302
    assert load(app, Application, application_id)["state"] == "withdrawn"


@pytest.mark.parametrize("stage, who, step, prefix, fields", [
    ("submitted", "leila", "assess", "assess", ASSESSMENT),
    ("in_preparation", "jonas", "start-preparation", "start", {}),
    ("advisory_opinion", "maria", "quality-check", "qc", {"outcome": "approved"}),
    ("quality_check", "per", "opinion", "opinion", {"outcome": "supports"}),
    ("advisory_opinion", "jonas", "return-for-completion", "return", {"comment": "Nej"}),
    ("in_preparation", "anders", "decide", "decide", {"outcome": "approved"}),
])
def test_a_step_in_the_wrong_state_is_409_and_changes_nothing(app, browser, make_application,
                                                              stage, who, step, prefix, fields):
    application_id = make_application(stage)
    events = count(app, ApplicationEvent, application_id=application_id)
    response = post_step(browser(who), application_id, step, prefix, **fields)
    assert response.status_code == 409, html_of(response)[:500]
    assert load(app, Application, application_id)["state"] == stage
    assert count(app, ApplicationEvent, application_id=application_id) == events
    assert count(app, Assessment) == (0 if stage in ("submitted", "in_preparation") else 1)


@pytest.mark.parametrize("stage, who, step, prefix, fields", [
    ("submitted", "karin", "start-preparation", "start", {}),
    ("in_preparation", "jonas", "assess", "assess", ASSESSMENT),
    ("advisory_opinion", "leila", "opinion", "opinion", {"outcome": "supports"}),
    ("quality_check", "per", "quality-check", "qc", {"outcome": "approved"}),
    ("submitted", "leila", "return-for-completion", "return", {"comment": "x"}),
    ("awaiting_decision", "maria", "decide", "decide", {"outcome": "approved"}),
    ("submitted", "jonas", "withdraw", "withdraw", {"confirm": "y"}),
])
def test_a_step_by_the_wrong_role_is_403_and_changes_nothing(app, browser, make_application,
                                                             stage, who, step, prefix, fields):
    application_id = make_application(stage)
    events = count(app, ApplicationEvent, application_id=application_id)
    response = post_step(browser(who), application_id, step, prefix, **fields)
    assert response.status_code == 403
    assert load(app, Application, application_id)["state"] == stage
    assert count(app, ApplicationEvent, application_id=application_id) == events


def test_only_the_steps_a_user_may_take_are_shown(browser, make_application):
    application_id = make_application("submitted")
    jonas = page(browser("jonas"), f"/applications/{application_id}")
    assert 'name="start-comment"' in jonas and 'name="return-comment"' in jonas
    assert 'name="assess-recommendation"' not in jonas and 'id="decide-form"' not in jonas
    leila = page(browser("leila"), f"/applications/{application_id}")
    assert "start-comment" not in leila and "assess-recommendation" not in leila
    karin = page(browser("karin"), f"/applications/{application_id}")
    assert 'name="withdraw-confirm"' in karin and "start-comment" not in karin
    assert "Karin" in marked(karin, "history")


def test_another_organisations_draft_is_404_everywhere(app, browser, make_application):
    application_id = make_application("draft")
    sven = browser("sven")
    for url in ("", "/edit", "/receipt"):
        assert sven.get(f"/applications/{application_id}{url}").status_code == 404
    data = {**application_form(0), "csrf_token": token(sven)}
    assert sven.post(f"/applications/{application_id}/edit", data=data).status_code == 404
    assert sven.post(f"/applications/{application_id}/submit",
                     data={"csrf_token": token(sven)}).status_code == 404
    assert post_step(sven, application_id, "withdraw", "withdraw",
                     confirm="y").status_code == 404
    assert post_step(browser("jonas"), application_id, "start-preparation",
                     "start").status_code == 404
    stored = load(app, Application, application_id)
    assert stored["state"] == "draft" and stored["title"] == "Cykelreseplanerare"


def test_a_submitted_application_cannot_be_edited(app, browser, make_application):
    application_id = make_application("submitted")
    assert browser("karin").get(f"/applications/{application_id}/edit").status_code == 409
    assert browser("jonas").get(f"/applications/{application_id}/edit").status_code == 403


# ---- lists and queues ---------------------------------------------------------------------

def test_the_list_filters_by_stage_and_kind_and_offers_new_to_applicants(browser,
                                                                        make_application,
                                                                        make_programme):
    programme = make_programme()
    make_application("draft", title="Utkast A", programme_id=programme, kind="feasibility")
    make_application("submitted", title="Inskickad B", programme_id=programme,
                     kind="implementation")
    karin = browser("karin")
    everything = page(karin, "/applications/")
    assert "Utkast A" in everything and "Inskickad B" in everything
    assert 'href="/applications/new"' in everything
    drafts = page(karin, "/applications/?state=draft")
    assert "Utkast A" in drafts and "Inskickad B" not in drafts
    implementations = page(karin, "/applications/?kind=implementation")
    assert "Inskickad B" in implementations and "Utkast A" not in implementations
    assert karin.get("/applications/?kind=pilot").status_code == 400
    jonas = page(browser("jonas"), "/applications/")
    assert 'href="/applications/new"' not in jonas and "Utkast A" not in jonas
    assert browser("jonas").get("/applications/new").status_code == 403


def test_each_role_sees_its_own_queue_oldest_first(app, browser, make_application,
                                                  make_programme, demo_date):
    programme = make_programme()
    stages = ("draft", "submitted", "in_preparation", "advisory_opinion", "quality_check",
              "awaiting_decision")
    ids = {stage: make_application(stage, title=f"Kö {stage}", programme_id=programme)
           for stage in stages}
    ids["older"] = make_application("submitted", title="Kö äldre", programme_id=programme,
                                    on="2008-01-15")
    ids["big"] = make_application("awaiting_decision", title="Kö stor", requested_sek=12_000_000,
                                  programme_id=programme, on="2009-02-01")
    demo_date("2009-03-01")
    expected = {
        "karin": ["Kö draft"], "jonas": ["Kö äldre", "Kö submitted"],
        "leila": ["Kö in_preparation"], "per": ["Kö advisory_opinion"],
        "maria": ["Kö quality_check"], "anders": ["Kö awaiting_decision"], "eva": [],
        "committee": ["Kö stor"], "sven": [], "auditor": [],
    }
    for who, titles in expected.items():
        html = page(browser(who), "/applications/queue")
        table = marked(html, "queue")
        shown = [t for t in re.findall(r"Kö [\wäö]+", table)]
        assert shown == titles, (who, shown)
    jonas = page(browser("jonas"), "/applications/queue")
    days = [int(d) for d in re.findall(r'data-testid="waiting-days">(\d+)<', jonas)]
    assert days == [411, 394]
    committee = marked(page(browser("committee"), "/applications/queue"), "queue")
    assert "Committee" in committee


def test_every_requirement_cost_type_and_step_has_a_label():
    from app.applications import forms, rules, services

    assert set(forms.REQUIREMENT_LABELS) == set(services.REQUIREMENTS)
    assert set(forms.COST_TYPE_LABELS) == set(services.COST_TYPES)
    assert set(forms.ACTION_LABELS) == set(rules.Action)


def test_an_application_starts_from_an_approved_idea_and_stays_linked(app, browser, people,
                                                                        make_programme):
    """The idea page leads to a pre-filled form; the saved application points to the idea."""
    from app.accounts.models import User
    from app.applications import services
    from app.applications.models import Application
    from app.core.errors import InvalidInput
    from app.extensions import db
    from app.ideas.models import ProjectIdea
    from app.programmes.models import Programme

    programme_id = make_programme()
    with app.app_context():
        idea = ProjectIdea(programme_id=programme_id, organisation_id=people.traffic,
                           title="Cykelreseplanerare", description="Planera cykelresor",
                           target_group="Cyklister", state="approved_to_apply")
        other = ProjectIdea(programme_id=programme_id, organisation_id=people.other,
                            title="Annans idé", description="x", state="approved_to_apply")
        db.session.add_all([idea, other])
        db.session.commit()
        idea_id, other_id = idea.id, other.id
    karin = browser("karin")
    assert 'data-testid="apply-from-idea"' in page(karin, f"/ideas/{idea_id}")
    form = page(karin, f"/applications/new?idea_id={idea_id}")
    assert re.search(rf'<option[^>]*selected[^>]*value="{idea_id}"|'
                     rf'<option[^>]*value="{idea_id}"[^>]*selected', form)
    assert 'value="Cykelreseplanerare"' in form
    assert "Annans idé" not in form
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        karin_user = db.session.get(User, people.karin)
        application = services.create_draft(programme, {
            "kind": "feasibility", "title": "Cykel", "idea_id": idea_id}, karin_user)
        assert application.idea_id == idea_id
        with pytest.raises(InvalidInput) as refused:
            services.create_draft(programme, {"kind": "feasibility", "title": "Kapad",
                                              "idea_id": other_id}, karin_user)
        assert refused.value.field == "idea_id"
        db.session.rollback()
        kapad = db.select(db.func.count(Application.id)).where(Application.title == "Kapad")
        assert db.session.scalar(kapad) == 0
