"""Every PostgreSQL session runs with the configured server options (JIT off by default)."""

import pytest
import sqlalchemy as sa

from app.extensions import db


def test_postgresql_sessions_run_without_jit(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("server options apply to PostgreSQL only; this run uses "
                    f"{db.engine.dialect.name}")
    assert db.session.scalar(sa.text("SHOW jit")) == "off"
