"""Migration f4c9d2e6a8b1 gives reports presented before it the adherence presenting stores."""

from tests.integration.migration_replay import stored_then_backfilled


def test_the_backfill_gives_every_presented_report_the_figures_of_its_snapshot(tmp_path):
    on_the_day, backfilled = stored_then_backfilled(
        tmp_path / "adherence.sqlite3",
        "SELECT id, frozen_adherence FROM tertial_report ORDER BY id", "e3b8c1d5f7a9")
    assert on_the_day and all(figures is not None for _id, figures in on_the_day)
    assert backfilled == on_the_day
