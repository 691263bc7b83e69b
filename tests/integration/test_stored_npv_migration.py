"""Migration d1e5a7c3b9f2 stores each frozen calculation's NPV, equal to what freezing stores."""

from tests.integration.migration_replay import stored_then_backfilled


def test_the_backfill_gives_every_frozen_version_the_value_freezing_gives(tmp_path):
    frozen_on_the_day, backfilled = stored_then_backfilled(
        tmp_path / "npv.sqlite3",
        "SELECT id, npv_sek FROM calculation_version WHERE is_frozen ORDER BY id", "c7d2e9a4f1b3")
    assert frozen_on_the_day and all(npv is not None for _id, npv in frozen_on_the_day)
    assert backfilled == frozen_on_the_day
