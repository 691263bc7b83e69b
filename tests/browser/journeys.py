"""Steps shared by the application journeys: people taking turns, forms filled by label, axe.

Each person logs in with the keyboard alone (conftest.keyboard_login) and logs out before the
next one takes the page. Form controls are found through their labels, as a screen reader
user finds them, and each page a journey reaches is scanned with axe (test_accessibility).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import yaml
from flask_babel import force_locale
from playwright.sync_api import expect

from app.applications.services import COST_TYPES, REQUIREMENTS
from app.core.enums import (
    ApplicationState,
    DecisionOutcome,
    OpinionOutcome,
    QualityCheckOutcome,
    Recommendation,
)
from app.core.labels import APPLICATION_STATE
from tests.browser.conftest import (
    SEED_DATA,
    DemoUser,
    demo_programme_name,
    demo_user_with_role,
    keyboard_login,
    path_of,
)
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_login_journey import NBSP

APPLICANT, PROGRAMME_OFFICE = "applicant", "programme_office"
WORKING_GROUP, COUNCIL, BUDGET = "working_group", "development_council", "budget_management"
DEPUTY_DIRECTOR = "decision_maker:deputy_city_director"
CITY_DIRECTOR = "decision_maker:city_director"
FINANCE_COMMITTEE = "decision_maker:finance_committee"
ATTACHMENT_NAME = "nyttokalkyl.pdf"
TINY_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def seed(name: str) -> dict:
    """One seed file, so the journeys follow the demo data rather than repeat it."""
    return yaml.safe_load((SEED_DATA / name).read_text(encoding="utf-8"))


def goal_numbers() -> list[int]:
    """The demo programme's goal numbers: every application and assessment scores each one."""
    return [goal["number"] for goal in seed("programme.yaml")["goals"]]


def expected_decision_on(submitted_on: date) -> date:
    """Submission day plus every stage's service days (programme setting), as on the receipt."""
    days = seed("programme.yaml")["programme"]["settings"]["stage_service_days"]
    return submitted_on + timedelta(days=sum(days.values()))


@dataclass(frozen=True)
class Authority:
    """One delegation rule of seed_data/programme.yaml."""

    key: str
    name: str
    limit_sek: int | None
    source: str


def authority_on(key: str, on: date) -> Authority:
    """The delegation rule of this authority in force on a day."""
    for regime in seed("programme.yaml")["delegation"]:
        if regime["valid_from"] <= on <= regime["valid_to"]:
            for rule in regime["rules"]:
                if rule["authority_key"] == key:
                    return Authority(key, rule["authority_name"], rule.get("limit_sek"),
                                     regime["source"])
    raise LookupError(f"no delegation to {key} on {on}")


def sek_value(text: str) -> int:
    """Whole kronor from the app's display ('1 200 000 kr', non-breaking spaces) as an int."""
    digits = text.replace(NBSP, "").replace(" ", "").removesuffix("kr")
    assert re.fullmatch(r"-?\d+", digits), text
    return int(digits)


def typed_amount(amount: int) -> str:
    """An amount the way a person types it into a form: thousands separated by spaces."""
    return f"{amount:,}".replace(",", " ")


def local_days(day: date) -> set[str]:
    """The dates a business-clock moment on `day` can show as: UTC late evening is next day."""
    return {day.isoformat(), (day + timedelta(days=1)).isoformat()}


# ---- finding and filling form controls by label --------------------------------------------

def by_label(scope, name: str):
    """The control named `name`, reached through its own label's text (fails if unlabelled)."""
    field_id = scope.locator(f"[name='{name}']").first.get_attribute("id")
    assert field_id, f"the control {name} has no id for a label to point to"
    label = scope.locator(f"label[for='{field_id}']")
    expect(label).to_have_count(1)
    control = scope.get_by_label(label.text_content().strip(), exact=True)
    expect(control).to_have_attribute("name", name)
    return control


def fill_in(scope, values: dict) -> None:
    """Type into text fields and choose in selects, each found by its label."""
    for name, value in values.items():
        control = by_label(scope, name)
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(str(value))
        else:
            control.fill(str(value))


def choose(scope, name: str, value: str) -> None:
    """Tick the radio button with this value, found by its label."""
    option = scope.locator(f"input[type=radio][name='{name}'][value='{value}']")
    label = scope.locator(f"label[for='{option.get_attribute('id')}']").text_content().strip()
    scope.get_by_label(label, exact=True).check()
    expect(option).to_be_checked()


def send(page, button):
    """Press a form's submit button and return the response of the page it leads to."""
    with page.expect_navigation() as navigation:
        button.click()
    return navigation.value


# ---- the application form ------------------------------------------------------------------

def application_values(*, kind: str, title: str, requested_sek: int, starts_on: date,
                       ends_on: date, costs: list[tuple[int, str, int]],
                       milestones: list[tuple[str, date]]) -> dict:
    """Every section of the application form, by field name, as a person would fill it."""
    assert sum(amount for _year, _type, amount in costs) == requested_sek
    assert all(cost_type in COST_TYPES for _year, cost_type, _amount in costs)
    values = {
        "kind": kind, "title": title,
        "description": f"{title}: en tjänst på webben som föreslår cykelvägar mellan två "
                       "adresser, med cykelbanor, lutning och cykelparkering.",
        "process_description": "I dag ringer cyklister kundtjänst och får vägbeskrivningar per "
                               "e-post; i stället planerar de själva resan på webben.",
        "target_groups": "Cyklister som bor eller arbetar i Stockholm.",
        "estimated_users": "60 000", "estimated_users_within_years": "2",
        "requested_sek": typed_amount(requested_sek),
        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
        "benefit_owner_name": "Karin Holm",
        "benefit_owner_email": "karin@demo.stockholm.example",
        "communication_plan": "Lansering i cykelkampanjen och på trafikkontorets webbplats.",
        "operation_plan": "Förvaltas på e-tjänsteplattformen med stadens webbkarta.",
        "operation_payer": "Trafikkontoret",
        "reuse_analysis": "Stadsbyggnadskontorets vägvisare i webbkartan återanvänds för "
                          "kartan; cykelvägvalet saknas där och byggs som tillägg.",
    }
    for number in goal_numbers():
        values[f"goal_{number}_score"] = str(3 if number == 1 else 2)
        values[f"goal_{number}_motivation"] = f"Bidrar till mål {number} genom självservice."
    for key in REQUIREMENTS:
        values[f"requirement_{key}"] = f"Kravet {key} uppfylls och prövas med cyklister."
    for row, (year, cost_type, amount) in enumerate(costs, start=1):
        values.update({f"cost_{row}_year": str(year), f"cost_{row}_type": cost_type,
                       f"cost_{row}_amount": typed_amount(amount)})
    for row, (name, due_on) in enumerate(milestones, start=1):
        values.update({f"milestone_{row}_name": name,
                       f"milestone_{row}_due_on": due_on.isoformat()})
    return values


@dataclass(frozen=True)
class Submitted:
    """An application as its receipt shows it."""

    id: int
    reference: str
    expected_decision_on: str


class Journey:
    """One page that the demo people take turns at, from the applicant to the decider."""

    def __init__(self, page, url_for, live_app):
        self.page, self.url_for, self.live_app = page, url_for, live_app
        self.person: DemoUser | None = None

    # -- people --

    def act_as(self, role: str) -> DemoUser:
        """Log the previous person out, then log this one in with the keyboard alone."""
        if self.person is not None:
            self.log_out()
        user = demo_user_with_role(role)
        response = keyboard_login(self.page, user.email, user.password)
        assert response is not None and response.ok, f"logging in as {user.email} failed"
        assert path_of(self.page.url) == self.url_for("start.home"), self.page.url
        self.person = user
        return user

    def log_out(self) -> None:
        """Press the menu's log-out button; the next page is the login page."""
        logout = self.url_for("accounts.logout")
        send(self.page, self.page.locator(f"form[action='{logout}'] button"))
        assert path_of(self.page.url) == self.url_for("accounts.login"), self.page.url
        self.person = None

    # -- pages --

    def open(self, endpoint: str, **values) -> None:
        """Go to a page and require it to answer 200."""
        response = self.page.goto(self.url_for(endpoint, **values))
        assert response is not None and response.status == 200, (
            f"{endpoint} answered {response.status if response else 'nothing'}")

    def follow(self, locator) -> None:
        """Follow a link that must be on the page (status 200)."""
        expect(locator).to_have_count(1)
        response = send(self.page, locator)
        assert response is not None and response.status == 200, self.page.url

    def scan(self, where: str) -> None:
        """axe at WCAG 2.1 AA on the page as it is now, as the current person."""
        person = self.person.email if self.person else "nobody"
        assert_accessible(self.page, f"{where} ({path_of(self.page.url)}) as {person}")

    def label(self, mapping: dict, key) -> str:
        """The app's label for an enum value, in the language the page is shown in."""
        language = self.page.locator("html").get_attribute("lang")
        with self.live_app.test_request_context(), force_locale(language):
            return str(mapping[key])

    def stage(self) -> str:
        """The stage the application's page says it is in."""
        return self.page.locator("[data-testid=stage]").text_content().strip()

    def remaining_sek(self) -> int:
        """The envelope's "Left" on the programme page, reached from the menu."""
        self.follow(self.page.locator(f"nav a[href='{self.url_for('programmes.index')}']"))
        self.follow(self.page.locator("main").get_by_role(
            "link", name=demo_programme_name(), exact=True))
        return sek_value(self.page.locator("table.envelope [data-testid=remaining]")
                         .text_content().strip())

    # -- the applicant --

    def write_application(self, values: dict, where: str) -> None:
        """Open a new application from the list and fill every section, attachment included."""
        self.follow(self.page.locator(f"nav a[href='{self.url_for('applications.index')}']"))
        self.follow(self.page.locator(f"main a[href='{self.url_for('applications.new')}']"))
        form = self.page.locator("#application-form")
        fill_in(form, values)
        by_label(form, "attachments").set_input_files(files=[{
            "name": ATTACHMENT_NAME, "mimeType": "application/pdf", "buffer": TINY_PDF}])
        self.scan(where)

    def save_draft(self) -> int:
        """Press "save draft"; the application's page comes back; return its id."""
        response = send(self.page, self.page.locator("#application-form [name=save_draft]"))
        assert response.status == 200, self.page.locator("#error-summary").all_inner_texts()
        found = re.fullmatch(r"/applications/(\d+)", path_of(self.page.url))
        assert found, self.page.url
        return int(found.group(1))

    def add_benefit_calculation(self, application_id: int) -> None:
        """Open the calculation from the application's page and add a per-case saving line."""
        self.follow(self.page.locator("[data-testid=calculation-link]"))
        self.scan("the benefit calculation before any line")
        self.open("benefits.new_benefit", application_id=application_id, kind="per_case")
        form = self.page.locator("main form:has([name=amount_sek])")
        fill_in(form, {"name": "Porto och utskrift", "volume_every_year": "10000",
                       "amount_sek": "12"})
        self.scan("the benefit line form")
        response = send(self.page, form.locator("[type=submit]"))
        assert response.status == 200, self.page.locator(".error-summary").all_inner_texts()
        expect(self.page.locator("main")).to_contain_text("Porto och utskrift")
        self.scan("the benefit calculation with its line")

    def submit_application(self, application_id: int) -> Submitted:
        """Open the draft and press "submit"; the receipt gives the reference and expected date."""
        self.open("applications.edit", application_id=application_id)
        response = send(self.page, self.page.locator("#application-form [name=send]"))
        assert response.status == 200, self.page.locator("#error-summary").all_inner_texts()
        found = re.fullmatch(r"/applications/(\d+)/receipt", path_of(self.page.url))
        assert found, self.page.url
        reference = self.page.locator("[data-testid=reference]").text_content().strip()
        expected = self.page.locator("[data-testid=expected-decision]").text_content().strip()
        self.scan("the receipt")
        return Submitted(int(found.group(1)), reference, expected)

    # -- the preparation chain --

    def open_from_queue(self, application_id: int) -> list[str]:
        """Open the person's queue, find the application and follow its link; return the row."""
        self.open("applications.queue")
        row = self.page.locator(f"[data-testid=queue] tr[data-application='{application_id}']")
        expect(row).to_have_count(1)
        cells = [cell.strip() for cell in row.locator("td").all_text_contents()]
        self.scan("the queue")
        self.follow(row.locator(
            f"a[href='{self.url_for('applications.detail', application_id=application_id)}']"))
        return cells

    def step_form(self, endpoint: str, application_id: int):
        """The one form on the application's page that posts to this step."""
        url = self.url_for(endpoint, application_id=application_id)
        form = self.page.locator(f"form[action='{url}']")
        expect(form).to_have_count(1)
        return form

    def take_step(self, form, state) -> None:
        """Press the step's button; the application's page comes back in its next stage."""
        response = send(self.page, form.locator("[type=submit]"))
        assert response.status == 200, self.page.locator(".error-summary").all_inner_texts()
        assert self.stage() == self.label(APPLICATION_STATE, state)

    def prepare_for_decision(self, application_id: int, goals: list[int] | None = None) -> None:
        """Jonas starts the preparation, Leila scores it (on `goals`, by default the demo
        programme's), Per supports it, Maria approves it."""
        self.act_as(PROGRAMME_OFFICE)
        self.open_from_queue(application_id)
        form = self.step_form("applications.start_preparation", application_id)
        fill_in(form, {"start-comment": "Registrerad och lämnad till arbetsgruppen."})
        self.scan("the application with the start-preparation form")
        self.take_step(form, ApplicationState.IN_PREPARATION)

        leila = self.act_as(WORKING_GROUP)
        self.open_from_queue(application_id)
        form = self.step_form("applications.assess", application_id)
        scores = {f"assess-goal_{number}": 2 for number in goals or goal_numbers()}
        scores.update({f"assess-{key}": 3 for key in REQUIREMENTS})
        fill_in(form, {**scores, "assess-comment": "Väl förankrad; återanvänder webbkartan."})
        choose(form, "assess-recommendation", Recommendation.APPROVE.value)
        self.scan("the application with the assessment form")
        self.take_step(form, ApplicationState.ADVISORY_OPINION)
        assessment = self.page.locator("[data-testid=assessment]")
        expect(assessment.locator("caption")).to_contain_text(leila.name)
        expect(assessment.locator("tbody tr")).to_have_count(len(scores))
        expect(assessment.locator("tbody td.text-end")).to_have_text(
            [str(score) for _name, score in sorted(scores.items())], use_inner_text=True)

        per = self.act_as(COUNCIL)
        self.open_from_queue(application_id)
        form = self.step_form("applications.opinion", application_id)
        choose(form, "opinion-outcome", OpinionOutcome.SUPPORTS.value)
        fill_in(form, {"opinion-comment": "Rådet tillstyrker."})
        self.scan("the application with the council's opinion form")
        self.take_step(form, ApplicationState.QUALITY_CHECK)
        expect(self.page.locator("[data-testid=opinion]")).to_contain_text(per.name)

        maria = self.act_as(BUDGET)
        self.open_from_queue(application_id)
        form = self.step_form("applications.quality_check", application_id)
        choose(form, "qc-outcome", QualityCheckOutcome.APPROVED.value)
        fill_in(form, {"qc-comment": "Kostnadsfördelningen stämmer med ramen."})
        self.scan("the application with the quality-check form")
        self.take_step(form, ApplicationState.AWAITING_DECISION)
        expect(self.page.locator("[data-testid=quality-check]")).to_contain_text(maria.name)

    # -- deciding --

    def routed_authority(self) -> str:
        """Who the application's page says decides it (the authority's name)."""
        return self.page.locator("[data-testid=routed-authority]").text_content().strip()

    def post_decision_anyway(self, application_id: int, *, amount_sek: int,
                             decided_on: date) -> int:
        """POST an approval with a valid CSRF token but no decide form; return the HTTP status."""
        token = self.page.locator(
            f"form[action='{self.url_for('accounts.logout')}'] [name=csrf_token]"
        ).get_attribute("value")
        response = self.page.request.post(
            self.url_for("applications.decide", application_id=application_id),
            form={"csrf_token": token, "decide-csrf_token": token,
                  "decide-outcome": DecisionOutcome.APPROVED.value,
                  "decide-amount_sek": str(amount_sek),
                  "decide-decided_on": decided_on.isoformat(),
                  "decide-decision_text": "Beviljas."},
            max_redirects=0)
        return response.status

    def decide(self, *, amount_sek: int, decided_on: date) -> dict:
        """Approve the requested amount (the form's default) on a day; read the decision page."""
        form = self.page.locator("#decide-form")
        expect(form).to_have_count(1)
        expect(by_label(form, "decide-amount_sek")).to_have_value(typed_amount(amount_sek))
        choose(form, "decide-outcome", DecisionOutcome.APPROVED.value)
        fill_in(form, {"decide-decided_on": decided_on.isoformat(),
                       "decide-decision_text": "Ansökan beviljas med sökt belopp.",
                       "decide-conditions": "Rapportera var sjätte vecka."})
        self.scan("the application with the decide form")
        response = send(self.page, form.locator("[type=submit]"))
        assert response.status == 200, self.page.locator(".error-summary").all_inner_texts()
        assert re.fullmatch(r"/decisions/\d+", path_of(self.page.url)), self.page.url
        self.scan("the decision page")
        read = {name: self.page.locator(f"[data-testid={name}]").text_content().strip()
                for name in ("diary-number", "amount", "decider")}
        read["delegation"] = self.page.locator("[data-testid=delegation] dd").all_text_contents()
        return read

