"""Fixtures shared by the integration tests of the demo's seed files."""

import shutil

import pytest

from app.seed.fields import DEFAULT_DATA_DIR


@pytest.fixture
def data_copy(tmp_path):
    """Copy seed_data/ so a test can break one file."""
    target = tmp_path / "seed_data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target
