"""The OpenAPI document says what the API sends: problem+json errors, the pagination header,
bounded ids; 405 answers name the allowed methods; the API reference page is served locally."""

import json
import re

import pytest

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ID_MAX = 2**31 - 1


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _resolve(document, response):
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def test_every_error_response_is_problem_json_with_the_one_problem_schema(document):
    wrong = []
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status != "default" and int(status) < 400:
                continue
            content = _resolve(document, response).get("content", {})
            if content != {"application/problem+json": {"schema": PROBLEM_REF}}:
                wrong.append(f"{method.upper()} {path} {status}: {content}")

    assert not wrong, "\n".join(wrong)
    assert "Error" not in document["components"]["schemas"]
    assert not [name for name in document["components"]["schemas"]
                if name.endswith("Problem") and name != "Problem"]


def test_every_operation_declares_400_and_401(document):
    missing = [f"{method.upper()} {path}" for path, method, operation in _operations(document)
               if not {"400", "401"} <= set(operation["responses"])]
    assert not missing


def test_integer_path_ids_are_bounded_by_what_the_database_holds(document):
    unbounded = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, method, operation in _operations(document)
        for parameter in document["paths"][path].get("parameters", [])
        + operation.get("parameters", [])
        if parameter.get("in") == "path" and parameter["schema"].get("type") == "integer"
        and parameter["schema"].get("maximum") != ID_MAX
    ]
    assert not unbounded


def test_an_id_beyond_64_bits_is_the_declared_400(client, people, api_token):
    response = client.get(f"/api/v1/projects/{2**64}", headers=api_token(people.jonas))

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_an_id_just_beyond_the_bound_is_a_400_and_the_bound_itself_a_404(client, people,
                                                                         api_token):
    headers = api_token(people.jonas)

    assert client.get(f"/api/v1/projects/{ID_MAX + 1}", headers=headers).status_code == 400
    assert client.get(f"/api/v1/projects/{ID_MAX}", headers=headers).status_code == 404


def test_the_pagination_header_is_declared_as_the_json_it_is(client, people, api_token,
                                                            document):
    header = document["components"]["headers"]["PAGINATION"]
    declared = document["components"]["schemas"]["PaginationMetadata"]["properties"]

    response = client.get("/api/v1/organisations?page_size=1", headers=api_token(people.jonas))
    sent = json.loads(response.headers["X-Pagination"])

    assert header["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginationMetadata"}
    assert sent["total"] >= 2 and set(sent) <= set(declared)


def test_a_wrong_method_on_the_api_is_a_405_problem_naming_the_allowed_ones(client, people,
                                                                           api_token):
    response = client.delete("/api/v1/me", headers=api_token(people.jonas))

    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}


def test_a_wrong_method_on_a_page_is_a_405_naming_the_allowed_ones(client):
    response = client.put("/login")

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "text/html" in response.content_type


def test_the_api_reference_is_served_by_the_app_under_its_csp(client, login_as, people):
    assert client.get("/api-reference").status_code == 302
    login_as(people.karin)

    page = client.get("/api-reference")
    html = page.get_data(as_text=True)
    nonce = page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)

    assert page.status_code == 200
    assert 'href="/api-reference"' in html
    assert "//" not in "".join(line for line in html.splitlines()
                               if "<script" in line or "stylesheet" in line)
    assert html.count(f'nonce="{nonce}"') >= 2
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    for name in ("vendor/swagger-ui-bundle.", "vendor/swagger-ui.", "js/api_reference."):
        served = [path for path in assets if path.startswith(f"/assets/{name}")]
        assert served, name
        assert client.get(served[0]).status_code == 200


def test_an_application_with_an_area_that_does_not_exist_is_a_422_not_a_500(
        client, people, api_token, make_programme):
    programme_id = make_programme()

    response = client.post("/api/v1/applications", headers=api_token(people.karin), json={
        "programme_id": programme_id, "kind": "feasibility", "title": "Kart", "area_id": 254})

    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["field"] == "area_id"
