"""Gapless, concurrency-safe numbers per series and year (diary numbers, references)."""

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.models import DiaryCounter
from app.extensions import db


def next_number(series: str, year: int, start_after: Callable[[], int] | None = None) -> int:
    """Draw the next number of a series for a year, holding a row lock until commit.

    The counter row is created on first use (starting after `start_after()`, e.g. the highest
    number already in the data) with INSERT … ON CONFLICT DO NOTHING, so two first draws
    cannot both create it; then it is locked with SELECT … FOR UPDATE (on SQLite, writers are
    already serialised by BEGIN IMMEDIATE).
    """
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else (
        sqlite_insert)
    first = start_after() if start_after else 0
    db.session.execute(
        insert(DiaryCounter).values(series=series, year=year, last_seq=first)
        .on_conflict_do_nothing()
    )
    counter = db.session.scalar(
        sa.select(DiaryCounter).where(DiaryCounter.series == series, DiaryCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)
    )
    counter.last_seq += 1
    db.session.flush()
    return counter.last_seq
