"""Configuration classes, read from the environment.

APP_CONFIG selects the class (development | testing | production); DATABASE_URL selects
the database (SQLite under instance/ by default, PostgreSQL through psycopg 3).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def normalise_database_url(url: str) -> str:
    """Make PostgreSQL URLs use the psycopg 3 driver, whatever form they were given in."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{INSTANCE_DIR / 'nyttoportfolj.sqlite3'}"


def _flag(name: str, default: str = "") -> bool:
    """Read a yes/no setting: 1, true, yes and on (any case) mean yes."""
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _number(name: str, default: int) -> int:
    """Read a whole-number setting, or the default when it is not set."""
    return int(os.environ.get(name) or default)


def _development_secret_key() -> str:
    """Generate a random key once and keep it in instance/, so sessions survive restarts."""
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _development_audit_key() -> str:
    """Generate the audit chain's HMAC key once and keep it in instance/, outside the database."""
    key_file = INSTANCE_DIR / "audit_hmac_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_SECONDS = 30
    # Server settings for every PostgreSQL session. JIT off: its compile time (60 ms and more)
    # exceeded the whole query on the project list's first page at national scale.
    POSTGRESQL_OPTIONS = os.environ.get("POSTGRESQL_OPTIONS", "-c jit=off")

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")

    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_STYLE = "primary"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=_number("REMEMBER_COOKIE_DAYS", 14))
    # A session cookie, even a copied one, is refused this long after it was last written.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_number("SESSION_LIFETIME_HOURS", 12))
    # Deciding on money in a remembered session needs a password login this recent.
    RECENT_LOGIN_MINUTES = _number("RECENT_LOGIN_MINUTES", 15)
    API_TOKEN_LIFETIME_DAYS = _number("API_TOKEN_LIFETIME_DAYS", 90)
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    # The audit chain's HMAC key: set it in production and keep it, like the backups, away
    # from the database; the generated one in instance/ serves development.
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY") or _development_audit_key()
    MAX_ATTACHMENTS_PER_APPLICATION = int(os.environ.get("MAX_ATTACHMENTS_PER_APPLICATION", "20"))

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "nyttoportfolj")
    # When Redis is unreachable each worker counts in memory instead of refusing every login.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Failed logins only: per client address, and per account whatever the address.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes")
    # How many proxies in front of the app set X-Forwarded-For/-Proto; 0 trusts none.
    TRUSTED_PROXY_HOPS = _number("TRUSTED_PROXY_HOPS", 0)
    HSTS_SECONDS = 0

    PRODUCT_NAME = "Nyttoportfölj"
    API_TITLE = f"{PRODUCT_NAME} API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_PAGE_SIZE_MAX = 200

    MAIL_LOG_ONLY = True
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "nyttoportfolj@localhost")
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000")

    SCHEDULER_DAILY_AT = os.environ.get("SCHEDULER_DAILY_AT", "06:00")
    SCHEDULER_TIMEZONE = "Europe/Stockholm"
    SCHEDULER_MAIL_EVERY_MINUTES = int(os.environ.get("SCHEDULER_MAIL_EVERY_MINUTES", "5"))
    DEMO_DATE = os.environ.get("DEMO_DATE") or None
    # "json" or "text" configures the root logger (each line with its request id); empty
    # leaves logging as Flask sets it up.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    PASSWORD_HASH_METHOD = "scrypt"


class DevConfig(Config):
    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()


class TestConfig(Config):
    TESTING = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SECRET_KEY = "test-secret-key-not-for-production"
    AUDIT_HMAC_KEY = "test-audit-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite:///:memory:")
    )


class ProdConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = _number("HSTS_SECONDS", 365 * 24 * 3600)
    MAIL_LOG_ONLY = False

    @classmethod
    def check(cls) -> None:
        """Refuse to start without a secret key: a generated one would log everyone out."""
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment before starting in production."
            )
        cls.SECRET_KEY = os.environ["SECRET_KEY"]


CONFIGS = {"development": DevConfig, "testing": TestConfig, "production": ProdConfig}


def config_class(name: str | None = None) -> type[Config]:
    """Return the configuration class named by APP_CONFIG (default development)."""
    name = name or os.environ.get("APP_CONFIG", "development")
    try:
        chosen = CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"APP_CONFIG={name!r} is unknown; use one of {', '.join(CONFIGS)}."
        ) from None
    if chosen is ProdConfig:
        ProdConfig.check()
    return chosen
