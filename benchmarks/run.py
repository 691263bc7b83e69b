"""`make bench`: time the heavy reads on generated portfolios, each beside its floor.

Run: .venv/bin/python benchmarks/run.py [--scales 0.01,0.1,1] [--database-url URL] [--repeat 3]

For each scale the generator fills a fresh database (PostgreSQL when --database-url or
BENCH_DATABASE_URL names one: a database per scale is created beside it; else SQLite
files), then each figure is the median of --repeat requests through the application (the
test client, so no network), beside the fastest plain way to get the same result measured
in the same run (the floor), as a ratio. Statements per request and the peak of Python
allocations are printed too, and requests/s and p95 of the paginated project list and a
project under load on gunicorn with four workers, as ratios to a trivial page (load.py).
The results go to benchmarks/results.md with the machine they ran on; growth between scales
is the ratio of times divided by the ratio of sizes.
"""

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402
import load  # noqa: E402
import sqlalchemy as sa  # noqa: E402

AS_OF = date(2011, 6, 30)
PASSWORD = "bench-password-2010"
RESULTS = ROOT / "benchmarks" / "results.md"


@dataclass
class Figure:
    what: str
    seconds: float
    floor_seconds: float | None
    statements: int
    peak_mib: float

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.floor_seconds if self.floor_seconds else None


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "0.01"))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args(argv)


def database_for(base_url: str | None, scale: float) -> str:
    """A fresh database for one scale: beside the given PostgreSQL one, or a SQLite file."""
    if not base_url:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / f'bench-{scale:g}.sqlite3'}"
    url = sa.make_url(base_url)
    name = f"bench_{str(scale).replace('.', '_')}"
    admin = sa.create_engine(url.set(drivername="postgresql+psycopg"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def timed(call, repeat: int) -> tuple[float, object]:
    """Median seconds of `repeat` calls (after one warm-up) and the last result."""
    result = call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measured(engine, call) -> tuple[int, float]:
    """Statements issued and peak MiB of Python allocations of one call."""
    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    tracemalloc.start()
    try:
        call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        sa.event.remove(engine, "before_cursor_execute", count)
    return statements, peak / 2**20


class Bench:
    """One generated database, the application on it, and a logged-in programme office."""

    def __init__(self, url: str, repeat: int):
        from app import create_app
        from app.extensions import db
        from config import normalise_database_url

        self.repeat = repeat
        self.app = create_app({"APP_CONFIG": "testing", "WTF_CSRF_ENABLED": False,
                               "RATELIMIT_ENABLED": False,
                               "SQLALCHEMY_DATABASE_URI": normalise_database_url(url)})
        self.context = self.app.app_context()
        self.context.push()
        self.db = db
        self.engine = db.engine
        self.token = self._programme_office()
        self.api = self.app.test_client()
        self.page = self.app.test_client()
        response = self.page.post("/login", data={"email": "bench@generated.example",
                                                  "password": PASSWORD})
        if response.status_code not in (200, 302):
            raise SystemExit(f"bench login failed: {response.status_code}")

    def _programme_office(self) -> str:
        from app.accounts.models import RoleAssignment, User
        from app.accounts.services import issue_api_token
        from app.core.enums import Role

        user = User(email="bench@generated.example", name="Bench")
        user.set_password(PASSWORD)
        user.role_assignments.append(RoleAssignment(role=Role.PROGRAMME_OFFICE))
        self.db.session.add(user)
        self.db.session.flush()
        token = issue_api_token(user, "bench")
        self.db.session.commit()
        return token

    def get(self, client, path: str):
        headers = {"Authorization": f"Bearer {self.token}"} if client is self.api else {}

        def call():
            response = client.get(path, headers=headers)
            self.db.session.remove()
            if response.status_code != 200:
                raise SystemExit(f"GET {path}: {response.status_code} {response.data[:300]!r}")
            return response
        return call

    def sql(self, *statements: str, **params):
        def call():
            with self.engine.connect() as connection:
                return [connection.execute(sa.text(s), params).all() for s in statements]
        return call

    def figure(self, what: str, call, floor=None) -> Figure:
        seconds, _ = timed(call, self.repeat)
        floor_seconds = timed(floor, self.repeat)[0] if floor else None
        statements, peak = measured(self.engine, call)
        return Figure(what, seconds, floor_seconds, statements, peak)


LATEST_REPORT = """
SELECT cost_status, schedule_status, count(*) FROM (
  SELECT r.cost_status, r.schedule_status, row_number() OVER (
    PARTITION BY r.project_id ORDER BY r.period_number DESC, r.version DESC) AS n
  FROM status_report r JOIN project p ON p.id = r.project_id
  WHERE p.programme_id = :programme AND r.state = 'submitted'
    AND r.submitted_at < :next_day) latest
WHERE n = 1 GROUP BY cost_status, schedule_status"""
ENVELOPE = """
SELECT kind, sum(amount_sek) FROM envelope_entry
WHERE programme_id = :programme AND booked_on <= :on GROUP BY kind"""
PROJECTS_BY_AREA = """
SELECT o.area_id, p.state, count(*), sum(d.amount_sek) FROM project p
JOIN organisation o ON o.id = p.organisation_id
JOIN decision d ON d.application_id = p.application_id
WHERE p.programme_id = :programme AND d.decided_on <= :on GROUP BY o.area_id, p.state"""
REALISED_BY_YEAR = """
SELECT e.year, sum(e.actual_sek) FROM realisation_entry e JOIN benefit b ON b.id = e.benefit_id
JOIN project p ON p.id = b.project_id WHERE p.programme_id = :programme
AND e.recorded_at < :next_day GROUP BY e.year"""
PLANNED_BY_YEAR = """
SELECT y.year, sum(y.planned_sek) FROM benefit_plan_year y JOIN benefit b ON b.id = y.benefit_id
JOIN project p ON p.id = b.project_id WHERE p.programme_id = :programme GROUP BY y.year"""
BENEFIT_PAGE = """
SELECT b.id, b.name, o.name, p.title FROM benefit b JOIN project p ON p.id = b.project_id
JOIN organisation o ON o.id = b.owner_organisation_id ORDER BY b.id LIMIT 50"""
PROJECT_ROWS = """
SELECT p.id, p.title, o.name, a.name, p.state, p.baseline_start_on, p.baseline_end_on,
  p.go_live_on, d.amount_sek FROM project p JOIN organisation o ON o.id = p.organisation_id
LEFT JOIN area a ON a.id = p.area_id LEFT JOIN decision d ON d.application_id = p.application_id
ORDER BY p.id"""


def xlsx_floor(bench: Bench):
    """XlsxWriter's constant-memory writer on the same project rows, from one query."""
    import xlsxwriter

    def call():
        rows = bench.sql(PROJECT_ROWS)()[0]
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False})
        sheet = book.add_worksheet("Projekt")
        dates = book.add_format({"num_format": "yyyy-mm-dd"})
        for index, row in enumerate(rows):
            for column, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write_datetime(index, column, value, dates)
                else:
                    sheet.write(index, column, value)
        book.close()
        return buffer
    return call


def pandas_to_excel(bench: Bench):
    import pandas

    def call():
        frame = pandas.read_sql(sa.text(PROJECT_ROWS), bench.engine)
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False)
        return buffer
    return call


def engine_figures(bench: Bench, repeat: int) -> list[Figure]:
    """Full results of every stored calculation: the array engine beside the one-at-a-time
    loop (its floor here is the loop, so the ratio reads as the speed-up, below 1 = faster)."""
    from app.benefits import batch, calculation
    from app.benefits.models import CalculationVersion
    from app.benefits.services import defaults_for, payload_of
    from app.programmes.models import Programme

    defaults = defaults_for(bench.db.session.get(Programme, 1))
    calcs = [calculation.parse_calculation(payload_of(version), defaults) for version in
             bench.db.session.scalars(sa.select(CalculationVersion)).all()]
    bench.db.session.remove()

    def one_at_a_time():
        return [calculation.evaluate(calc) for calc in calcs]

    loop_seconds = timed(one_at_a_time, repeat)[0]
    prepare_seconds, portfolio = timed(lambda: batch.prepare(calcs), repeat)
    batch_seconds = timed(lambda: batch.evaluate_many(portfolio), repeat)[0]
    count = len(calcs)
    return [
        Figure(f"benefit engine, {count} calculations one at a time "
               f"({count / loop_seconds:,.0f}/s)", loop_seconds, None, 0, 0.0),
        Figure(f"benefit engine, the same as arrays ({count / batch_seconds:,.0f}/s)",
               batch_seconds, loop_seconds, 0, 0.0),
        Figure(f"  arrays built once from the parsed calculations "
               f"({count / prepare_seconds:,.0f}/s)", prepare_seconds, None, 0, 0.0),
    ]


def snapshot(bench: Bench):
    from app.core import periods
    from app.followup import services
    from app.programmes.models import Programme

    programme = bench.db.session.get(Programme, 1)
    tertial = periods.tertial_period(2011, 1)

    def call():
        snapshot_of_period = services.build_snapshot(programme, tertial)
        bench.db.session.remove()
        return snapshot_of_period
    return call


def run_scale(scale: float, base_url: str | None, repeat: int) -> tuple[dict, list[Figure]]:
    url = database_for(base_url, scale)
    counts = generate.generate(url, scale, quiet=True)
    bench = Bench(url, repeat)
    on, params = AS_OF.isoformat(), {"programme": 1, "on": AS_OF,
                                     "next_day": AS_OF + timedelta(days=1)}
    floor = {name: bench.sql(statement, **params) for name, statement in (
        ("envelope", ENVELOPE), ("latest", LATEST_REPORT), ("benefits", BENEFIT_PAGE))}
    dashboard_floor = bench.sql(ENVELOPE, PROJECTS_BY_AREA, LATEST_REPORT, REALISED_BY_YEAR,
                                PLANNED_BY_YEAR, **params)
    figures = [
        bench.figure("programme dashboard API", bench.get(
            bench.api, f"/api/v1/dashboards/programme?programme_id=1&on={on}"), dashboard_floor),
        bench.figure("programme API", bench.get(bench.api, "/api/v1/programmes/1"),
                     floor["envelope"]),
        bench.figure("programme page", bench.get(bench.page, "/programmes/1"),
                     floor["envelope"]),
        bench.figure("adherence API", bench.get(
            bench.api, f"/api/v1/adherence?programme_id=1&on={on}"), floor["latest"]),
        bench.figure("benefit register API, first page", bench.get(
            bench.api, "/api/v1/benefits?year=2011&page=1&page_size=50"), floor["benefits"]),
        bench.figure("projects list as xlsx", bench.get(bench.page, "/projects/?format=xlsx"),
                     xlsx_floor(bench)),
        bench.figure("  pandas.DataFrame.to_excel, same rows", pandas_to_excel(bench),
                     xlsx_floor(bench)),
        bench.figure("tertial snapshot T1 2011", snapshot(bench)),
    ]
    figures += engine_figures(bench, repeat)
    bench.db.session.remove()
    bench.engine.dispose()
    bench.context.pop()
    return counts, figures, under_load(url, bench.token)


def under_load(url: str, token: str) -> list[load.Load]:
    """The trivial page first (the floor), then the paginated list and one project."""
    headers = {"Authorization": f"Bearer {token}"}
    with load.Server(url, workers=4) as server:
        return [load.hammer(server, load.TRIVIAL_PATH, {}),
                load.hammer(server, "/api/v1/projects?page=1&page_size=50", headers),
                load.hammer(server, "/api/v1/projects/1", headers)]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?")
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores ({cpu}), {int(memory) // 2**20} GiB, Python "
            f"{platform.python_version()}, load average {load:.2f} at the start")


def load_table(loads: list[load.Load]) -> list[str]:
    trivial = loads[0]
    lines = ["Under load: gunicorn, 4 workers, 8 client threads on loopback, "
             f"{trivial.seconds:.0f} s per path; ratio to {trivial.path} on the same server.", "",
             "| path | requests/s | p95 ms | errors | rps ratio | p95 ratio |",
             "|---|---:|---:|---:|---:|---:|"]
    for figure in loads:
        lines.append(f"| {figure.path} | {figure.per_second:.0f} | {figure.p95_ms:.1f} | "
                     f"{figure.errors} | {figure.per_second / trivial.per_second:.2f} | "
                     f"{trivial.p95_ms / figure.p95_ms if figure.p95_ms else 0:.2f} |")
    return lines + [""]


def report(database: str, results: list[tuple[float, dict, list[Figure], list]]) -> str:
    lines = [f"# Benchmarks ({date.today().isoformat()})", "",
             f"Machine: {machine()}.", f"Database: {database}. As of {AS_OF.isoformat()}; "
             "medians of the repeats; floor = the plainest SQL (or writer) giving the same "
             "figures, measured in the same run.", ""]
    for scale, counts, figures, loads in results:
        lines += [f"## Scale {scale:g}: {counts.get('project', 0):,} projects, "
                  f"{counts.get('status_report', 0):,} reports, "
                  f"{counts.get('benefit', 0):,} benefits", "",
                  "| what | ms | floor ms | ratio | statements | peak MiB |",
                  "|---|---:|---:|---:|---:|---:|"]
        for f in figures:
            floor = f"{f.floor_seconds * 1000:.1f}" if f.floor_seconds else "—"
            ratio = f"{f.ratio:.1f}×" if f.ratio else "—"
            lines.append(f"| {f.what} | {f.seconds * 1000:.1f} | {floor} | {ratio} | "
                         f"{f.statements} | {f.peak_mib:.1f} |")
        lines.append("")
        lines += load_table(loads)
    if len(results) > 1:
        lines += ["## Growth (time ratio ÷ size ratio; 1 = linear)", "",
                  "| what | " + " | ".join(f"{a:g}→{b:g}" for (a, *_), (b, *_)
                                          in zip(results, results[1:], strict=False)) + " |",
                  "|---|" + "---:|" * (len(results) - 1)]
        for index, figure in enumerate(results[0][2]):
            cells = []
            for (a, _, fa, _), (b, _, fb, _) in zip(results, results[1:], strict=False):
                cells.append(f"{(fb[index].seconds / fa[index].seconds) / (b / a):.2f}")
            lines.append(f"| {figure.what} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    if any(scale <= 0 for scale in scales):
        print("run.py: every scale must be above 0", file=sys.stderr)
        return 2
    results = []
    for scale in scales:
        started = time.perf_counter()
        counts, figures, loads = run_scale(scale, args.database_url, args.repeat)
        results.append((scale, counts, figures, loads))
        print(f"scale {scale:g} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    database = "PostgreSQL" if args.database_url else "SQLite"
    if args.database_url:
        version = subprocess.run(["psql", "--version"], capture_output=True, text=True)
        database = version.stdout.strip() or database
    text = report(database, results)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
