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


def test_session_token_and_proxy_settings_come_from_the_environment(fresh_config):
    from datetime import timedelta

    config = fresh_config(TRUSTED_PROXY_HOPS="2", RECENT_LOGIN_MINUTES="5",
                          API_TOKEN_LIFETIME_DAYS="30", SESSION_LIFETIME_HOURS="8",
                          REMEMBER_COOKIE_DAYS="7",
                          LOGIN_ACCOUNT_RATE_LIMIT="3 per hour")
    assert config.Config.TRUSTED_PROXY_HOPS == 2
    assert config.Config.RECENT_LOGIN_MINUTES == 5
    assert config.Config.API_TOKEN_LIFETIME_DAYS == 30
    assert config.Config.PERMANENT_SESSION_LIFETIME == timedelta(hours=8)
    assert config.Config.REMEMBER_COOKIE_DURATION == timedelta(days=7)
    assert config.Config.LOGIN_ACCOUNT_RATE_LIMIT == "3 per hour"


def test_proxies_are_not_trusted_and_hsts_is_off_unless_in_production(fresh_config):
    config = fresh_config()
    assert config.Config.TRUSTED_PROXY_HOPS == 0
    assert config.DevConfig.HSTS_SECONDS == 0 and config.TestConfig.HSTS_SECONDS == 0
    assert config.ProdConfig.HSTS_SECONDS == 365 * 24 * 3600
    assert config.Config.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True
