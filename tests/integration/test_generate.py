"""The national-scale generator: deterministic, refuses what it must, loads what it builds."""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks/generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _silent(*_args):
    return None


def test_same_seed_and_scale_build_the_same_rows(generator):
    first = generator.build(0.002, 7, _silent).rows
    again = generator.build(0.002, 7, _silent).rows
    other = generator.build(0.002, 8, _silent).rows
    assert first == again
    assert first["status_report"] != other["status_report"]


def test_counts_follow_the_scale(generator):
    rows = generator.build(0.004, 2010, _silent).rows
    assert len(rows["organisation"]) == 310
    assert len(rows["programme"]) == 5
    assert len(rows["project"]) == 120
    assert 30 <= len(rows["status_report"]) / len(rows["project"]) <= 50
    assert 2 <= len(rows["benefit_line"]) / len(rows["project"]) <= 5
    reserved = sum(r["amount_sek"] for r in rows["envelope_entry"] if r["kind"] == "reservation")
    committed = sum(r["amount_sek"] for r in rows["envelope_entry"] if r["kind"] == "commitment")
    assert committed < reserved


@pytest.mark.parametrize("scale", ["0", "-1"])
def test_a_scale_of_zero_or_less_is_refused(generator, scale, capsys):
    with pytest.raises(SystemExit) as exit_:
        generator.parse_args(["--scale", scale])
    assert exit_.value.code == 2
    assert "--scale must be above 0" in capsys.readouterr().err


def test_loads_once_and_refuses_other_data(generator, tmp_path):
    url = f"sqlite:///{tmp_path / 'national.sqlite3'}"
    counts = generator.generate(url, 0.002, 3, quiet=True)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        for table in ("project", "status_report", "benefit", "realisation_entry",
                      "tertial_report"):
            stored = connection.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar()
            assert stored == counts[table]
        presented = connection.execute(sa.text(
            "SELECT count(*) FROM tertial_report WHERE state = 'presented' "
            "AND presented_at IS NOT NULL")).scalar()
        assert presented == counts["tertial_report"] == 16 * generator.PROGRAMMES
        unresolved = connection.execute(sa.text(
            "SELECT count(*) FROM status_report r LEFT JOIN project p ON p.id = r.project_id "
            "WHERE p.id IS NULL")).scalar()
        assert unresolved == 0
    assert generator.generate(url, 0.002, 3, quiet=True) == {"already_generated": True}
    with pytest.raises(generator.Refused, match="another scale or seed"):
        generator.generate(url, 0.003, 3, quiet=True)
    from datetime import date

    from app.extensions import db

    with engine.begin() as connection:
        connection.execute(db.metadata.tables["programme"].insert(), {
            "name": "Stadens program", "starts_on": date(2007, 10, 1),
            "ends_on": date(2012, 12, 31)})
    with pytest.raises(generator.Refused, match="did not make"):
        generator.generate(url, 0.002, 3, quiet=True)
    engine.dispose()
