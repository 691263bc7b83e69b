"""Programme set-up against the seeded demo's real decisions and delegation (issue 17)."""

import pytest
import sqlalchemy as sa
import yaml

from tests.web.seeded_demo import each_request_rolled_back, issue_token, seeded_demo

ADMIN = "admin@demo.stockholm.example"


@pytest.fixture(scope="module")
def demo(app):
    from app.extensions import db
    from app.programmes.models import Programme

    with seeded_demo(app) as connection:
        headers = issue_token(app, ADMIN)
        with app.app_context():
            programme_id = db.session.scalar(sa.select(Programme.id))
        yield connection, headers, programme_id


@pytest.mark.parametrize(("change", "field"), [
    ({"ends_on": "2008-06-30"}, "ends_on"),
    ({"starts_on": "2010-01-01"}, "starts_on"),
])
def test_a_period_that_excludes_decisions_is_refused(app, demo, change, field):
    from app.extensions import db
    from app.programmes.models import Programme

    connection, headers, programme_id = demo
    client = app.test_client()
    with each_request_rolled_back(connection):
        response = client.patch(f"/api/v1/programmes/{programme_id}", json=change,
                                headers=headers)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["field"] == field
        with app.app_context():
            programme = db.session.get(Programme, programme_id)
            assert str(programme.ends_on) == "2012-12-31"
            assert str(programme.starts_on) == "2007-10-01"


def test_the_demo_programme_exports_and_imports_unchanged(app, demo, tmp_path):
    from app.extensions import db
    from app.programmes.models import Programme

    connection, _headers, programme_id = demo
    runner = app.test_cli_runner()
    with each_request_rolled_back(connection):
        exported = runner.invoke(args=["programme", "export", str(programme_id)]).output
        data = yaml.safe_load(exported)
        assert len(data["goals"]) == 4 and len(data["areas"]) == 5
        assert [len(r["rules"]) for r in data["delegation_regimes"]] == [3, 2]
        assert data["reservations"][0]["amount_sek"] == 650_000_000
        assert [p["key"] for p in data["phases"]] == ["study", "planning", "execution",
                                                   "handover", "closure"]
        assert all(r["reason"] for r in data["delegation_regimes"])
        source = tmp_path / "demo.yaml"
        source.write_text(exported, encoding="utf-8")
        imported = runner.invoke(args=["programme", "import", str(source), "--name", "Kopia"])
        assert imported.exit_code == 0, imported.output
        with app.app_context():
            copy_id = db.session.scalar(sa.select(Programme.id).where(Programme.name == "Kopia"))
        again = runner.invoke(args=["programme", "export", str(copy_id)]).output
        assert again.replace("name: Kopia", f"name: {data['programme']['name']}", 1) == exported


def test_the_demo_programme_was_created_by_the_same_importer(app, demo):
    from app.core.models import AuditEntry
    from app.extensions import db

    connection, _headers, programme_id = demo
    with each_request_rolled_back(connection), app.app_context():
        imported = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "programme.imported")).all()
        assert [(entry.object_id, entry.after["delegation_regimes"]) for entry in imported] == [
            (str(programme_id), 2)]
