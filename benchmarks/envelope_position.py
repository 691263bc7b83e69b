"""Time the envelope position (sums over the ledger) for growing ledgers.

Run: .venv/bin/python benchmarks/envelope_position.py [DATABASE_URL]
Prints, per ledger size, the median milliseconds of one envelope computation.
"""

import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.core.enums import LedgerEntryKind  # noqa: E402
from app.extensions import db  # noqa: E402
from app.programmes.models import EnvelopeEntry, Programme  # noqa: E402
from app.programmes.services import envelope_position  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
REPEATS = 20


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else (
        f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")
    app = create_app({"APP_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        programme = Programme(name="Bench", starts_on=date(2007, 10, 1), ends_on=date(2012, 12, 31))
        db.session.add(programme)
        db.session.flush()
        db.session.add(EnvelopeEntry(programme_id=programme.id, kind=LedgerEntryKind.RESERVATION,
                                     amount_sek=650_000_000_000, booked_on=date(2007, 10, 1),
                                     description="reserved"))
        booked = 1
        print(f"database: {db.engine.dialect.name}")
        print(f"{'ledger rows':>12} {'median ms':>10} {'p95 ms':>8}")
        kinds = (LedgerEntryKind.COMMITMENT, LedgerEntryKind.SPENDING, LedgerEntryKind.RELEASE)
        for size in SIZES:
            db.session.execute(EnvelopeEntry.__table__.insert(), [
                {"programme_id": programme.id, "kind": kinds[i % 3].value, "amount_sek": 1000 + i,
                 "booked_on": date(2008, 1, 1) + timedelta(days=i % 1500),
                 "description": f"entry {i}", "created_at": programme.created_at}
                for i in range(booked, size)
            ])
            db.session.commit()
            booked = size
            timings = []
            for _ in range(REPEATS):
                start = time.perf_counter()
                envelope_position(programme)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{size:>12,} {statistics.median(timings):>10.2f} {p95:>8.2f}")


if __name__ == "__main__":
    main()
