"""Configuration from the environment."""

import importlib

import pytest


@pytest.fixture
def fresh_config(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))

    def load(**env):
        for key in ("DATABASE_URL", "SECRET_KEY", "APP_CONFIG"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        import config

        return importlib.reload(config)

    yield load
    import config

    monkeypatch.undo()
    importlib.reload(config)


def test_sqlite_under_instance_by_default(fresh_config, tmp_path):
    config = fresh_config()
    expected = f"sqlite:///{tmp_path / 'nyttoportfolj.sqlite3'}"
    assert config.Config.SQLALCHEMY_DATABASE_URI == expected


@pytest.mark.parametrize("given", ["postgres://u@h/db", "postgresql://u@h/db",
                                   "postgresql+psycopg://u@h/db"])
def test_database_url_selects_postgresql_with_psycopg3(fresh_config, given):
    config = fresh_config(DATABASE_URL=given)
    assert config.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/db"


def test_production_refuses_to_start_without_a_secret_key(fresh_config):
    config = fresh_config()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.config_class("production")


def test_production_takes_the_secret_key_from_the_environment(fresh_config):
    config = fresh_config(SECRET_KEY="s3cret")
    assert config.config_class("production").SECRET_KEY == "s3cret"


def test_development_generates_a_key_once_and_keeps_it(fresh_config, tmp_path):
    first = fresh_config().DevConfig.SECRET_KEY
    second = fresh_config().DevConfig.SECRET_KEY
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_unknown_config_name_says_what_to_use(fresh_config):
    with pytest.raises(RuntimeError, match="development, testing, production"):
        fresh_config().config_class("staging")
