"""The application factory: configuration, extensions, blueprints, errors, CLI."""

import logging
import secrets
from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event, make_url
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from config import INSTANCE_DIR, config_class

from . import models  # noqa: F401  (complete metadata before anything queries)
from .extensions import api, babel, bootstrap, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def build_app(test_config=None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "app" / "static"),
    )
    name = (test_config or {}).get("APP_CONFIG")
    app.config.from_object(config_class(name))
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    trust_proxies(app)
    from app.core.urls import BoundedIntegerConverter

    app.url_map.converters["int"] = BoundedIntegerConverter

    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    register_request_hooks(app)
    from app.core import unit_of_work

    unit_of_work.install(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto only from the configured number of proxies (default none).

    Without it a client could pick its own address and so escape the per-address login limit.
    """
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def select_locale() -> str:
    """Use the session's chosen language, else the signed-in or token user's, else Swedish."""
    from flask import current_app, g

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if current_user and getattr(current_user, "is_authenticated", False):
        chosen = chosen or current_user.locale
    elif g.get("api_user") is not None:
        chosen = chosen or g.api_user.locale
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _configure_sqlite(app: Flask) -> None:
    """Make SQLite safe for concurrent writers: BEGIN IMMEDIATE, foreign keys, a busy timeout.

    pysqlite does not begin a transaction on SELECT, so a read-then-write (checking the
    envelope before committing money) could race; SQLAlchemy's documented recipe takes over
    transaction control and starts every transaction with BEGIN IMMEDIATE instead.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"] * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_options(app: Flask) -> None:
    """Pass POSTGRESQL_OPTIONS to each PostgreSQL connection (libpq's `options`)."""
    options = app.config.get("POSTGRESQL_OPTIONS")
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not options or url.get_backend_name() != "postgresql":
        return
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine_options["connect_args"] = {**engine_options.get("connect_args", {}),
                                      "options": options}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options


def register_extensions(app: Flask) -> None:
    _postgresql_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "app" / "translations"))
    limiter.init_app(app)
    bootstrap.init_app(app)
    api.init_app(app)
    with app.app_context():
        _configure_sqlite(app)
    from app.core import assets, logs

    assets.init_app(app)
    logs.init_app(app)

    from app.accounts.services import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Log in to see this page.")


def register_blueprints(app: Flask) -> None:
    from app.accounts.first_run import bp as first_run_bp
    from app.accounts.views import bp as accounts_bp
    from app.api import register_api
    from app.applications.views import bp as applications_bp
    from app.applications.views import decisions_bp
    from app.benefit_map.views import bp as benefit_map_bp
    from app.benefits.views import bp as benefits_bp
    from app.budget_cuts.views import bp as budget_cuts_bp
    from app.core.audit_views import bp as audit_bp
    from app.core.views import bp as core_bp
    from app.dashboards.views import bp as dashboards_bp
    from app.followup.views import bp as followup_bp
    from app.health import bp as health_bp
    from app.ideas.views import bp as ideas_bp
    from app.prioritisation.views import bp as prioritisation_bp
    from app.programmes.position_views import bp as position_bp
    from app.programmes.views import bp as programmes_bp
    from app.projects.views import bp as projects_bp
    from app.start.views import bp as start_bp

    for blueprint in (start_bp, core_bp, accounts_bp, programmes_bp, ideas_bp, applications_bp,
                      decisions_bp, projects_bp, benefits_bp, budget_cuts_bp, audit_bp,
                      dashboards_bp, followup_bp, health_bp, prioritisation_bp,
                      benefit_map_bp, position_bp, first_run_bp):
        app.register_blueprint(blueprint)
    register_api(app)


def register_errors(app: Flask) -> None:
    from app.core.errors import register_error_handlers

    register_error_handlers(app)


def register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)


def register_request_hooks(app: Flask) -> None:
    from app.core import formatting
    from app.core.read_only import refuse_page_writes_by_readers

    formatting.register_template_helpers(app)
    app.before_request(refuse_page_writes_by_readers)

    @app.teardown_appcontext
    def _release_database_session(_error):
        """Close the session before Flask-SQLAlchemy removes it (teardowns run last-first).

        When the database killed the connection after the answer was made, the closing
        rollback fails; the connection is then discarded instead, so the finished answer is
        still sent and the pool replaces the connection.
        """
        try:
            db.session.close()
        except SQLAlchemyError:
            logging.getLogger(__name__).warning(
                "The database connection was lost before the request ended; it is discarded.")
            db.session().invalidate()

    @app.before_request
    def _make_csp_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def _security_headers(response):
        nonce = getattr(g, "csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        hsts_seconds = app.config.get("HSTS_SECONDS") or 0
        if hsts_seconds:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={int(hsts_seconds)}; includeSubDomains")
        _forbid_caching(response)
        return response


def _forbid_caching(response) -> None:
    """Keep case data out of browser and proxy caches: every page, API answer and download.

    Only the static assets (styles, scripts, fonts) may be cached; a download is never
    cached, whatever its view said.
    """
    if request.endpoint and (request.endpoint == "static" or request.endpoint.endswith(".static")):
        return
    if "attachment" in response.headers.get("Content-Disposition", ""):
        response.headers["Cache-Control"] = "private, no-store"
        return
    response.headers.setdefault("Cache-Control", "no-store")
