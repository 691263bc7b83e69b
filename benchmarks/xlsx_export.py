"""Rows per second and peak memory of the list export writer, streaming vs in memory.

Run: .venv/bin/python benchmarks/xlsx_export.py [ROWS ...]
Prints, per row count (default 10 000 and 100 000), the rows written per second (an untraced
run) and the peak of Python allocations (a second run under tracemalloc, which is several
times slower) of the streaming writer (XlsxWriter's constant-memory mode into a temporary
file) and, up to IN_MEMORY_LIMIT rows, of the in-memory writer (openpyxl) for comparison. The
streaming peak stays flat as the row count grows; the in-memory one grows with it. openpyxl
writes through lxml when it is installed (a dependency of the project); without it, in pure
Python, several times slower. The first line says which.
"""

import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import LXML  # noqa: E402

from reports.xlsx import (  # noqa: E402
    Column,
    SheetSpec,
    stream_table_workbook_to,
    write_table_workbook,
)

SIZES = (10_000, 100_000)
IN_MEMORY_LIMIT = 10_000
COLUMNS = [
    Column("Titel"),
    Column("Organisation"),
    Column("Status"),
    Column("Beviljat", "sek"),
    Column("Andel", "percent"),
    Column("Start", "date"),
    Column("Ändrad", "datetime"),
]


def rows(count: int):
    """Yield typed rows like a project list's, some with text that must stay text."""
    start = date(2008, 1, 1)
    for n in range(count):
        yield [
            f"=Projekt {n}" if n % 50 == 0 else f"Projekt {n}",
            f"Förvaltning {n % 30}",
            "Pågående",
            n * 1_000,
            (n % 100) / 100,
            start + timedelta(days=n % 1_500),
            datetime(2010, 3, 1, 9, 30),
        ]


def measure(write) -> tuple[float, int]:
    """Return the seconds of an untraced call of `write` and the peak bytes of a traced one."""
    began = time.perf_counter()
    write()
    seconds = time.perf_counter() - began
    tracemalloc.start()
    try:
        write()
        return seconds, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def stream(count: int) -> None:
    with tempfile.TemporaryFile() as target:
        stream_table_workbook_to(target, "Projekt", COLUMNS, rows(count))


def in_memory(count: int) -> None:
    write_table_workbook([SheetSpec("Projekt", COLUMNS, rows(count))])


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or SIZES
    print(f"in-memory writer (openpyxl) XML: {'lxml' if LXML else 'pure Python (install lxml)'}")
    print(f"{'rows':>9}  {'writer':<10} {'rows/s':>10}  {'peak MiB':>9}", flush=True)
    for count in sizes:
        writers = [("streaming", stream)]
        if count <= IN_MEMORY_LIMIT:
            writers.append(("in memory", in_memory))
        for name, write in writers:
            seconds, peak = measure(lambda write=write, count=count: write(count))
            print(f"{count:>9}  {name:<10} {count / seconds:>10,.0f}  {peak / 2**20:>9.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
