"""Errors: problem+json (RFC 9457) on the API, friendly pages in the browser.

Services raise `DomainError` subclasses; the handlers here turn them into the right
status code, so views and endpoints need no try/except of their own.
"""

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from app.core.validation_messages import translated

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# What a page says for an HTTP error raised without a message of its own (werkzeug's are English).
PAGE_DETAILS = {
    400: _l("The request could not be understood. Check the address or the form and try again."),
    403: _l("You do not have access to this page. Ask the programme office if you need it."),
    404: _l("There is no such page. Check the address, or start again from the start page."),
    405: _l("This address cannot be used that way. Use the page's own links and buttons."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Wait a minute and try again."),
    500: _l("Something went wrong on our side. Try again, and tell the programme office if it "
            "happens again."),
    503: _l("The database cannot be reached just now. Wait a moment and try again; nothing you "
            "saved before is lost."),
}
# Seconds a client is asked to wait before trying again while the database is unreachable.
RETRY_AFTER_OUTAGE_SECONDS = 10


NUMBER_TOO_LARGE = _l(
    "A number in the address or the form is too large or not a number the system can "
    "store. Check it and try again.")


class NumberTooLarge(BadRequest):
    """A 400 for a number the database cannot hold, saying so in the reader's language."""

    @property
    def description(self) -> str:
        return str(NUMBER_TOO_LARGE)


class DomainError(Exception):
    """A rule refused the request; `status` says how (403, 404, 409, 422)."""

    status = 422
    title = "Unprocessable request"

    def __init__(self, detail: str, *, field: str | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def problems(self) -> list[dict]:
        """Every (field, message) problem: the list a service gave, or this one error."""
        return self.extra.get("errors") or [{"field": self.field, "message": self.detail}]


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"


def wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def problem_response(status: int, title: str, detail: str, **extra):
    """Build an RFC 9457 problem response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def _validation_detail(messages) -> tuple[str, list[dict]]:
    """Flatten webargs/marshmallow messages into a sentence and a list naming each field."""
    errors = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("json", "query", "form", "headers", "files", "path") and not path:
                    walk(value, path)
                else:
                    walk(value, [*path, str(key)])
        elif isinstance(node, list) and node and all(isinstance(m, str) for m in node):
            errors.append({"field": ".".join(path) or None,
                           "message": " ".join(translated(message) for message in node)})
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, [*path, str(index)])
        else:
            errors.append({"field": ".".join(path) or None, "message": translated(node)})

    walk(messages, [])
    detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                       for e in errors)
    return detail or _("The request could not be validated."), errors


def handle_http_exception(error: HTTPException):
    headers = error.get_response().headers
    retry_after = headers.get("Retry-After")
    if wants_problem_json():
        data = getattr(error, "data", None) or {}
        if "messages" in data:
            detail, errors = _validation_detail(data["messages"])
            response = problem_response(error.code, "Invalid input", detail, errors=errors)
        else:
            detail = error.description or error.name
            response = problem_response(error.code, error.name, detail)
    else:
        detail = error.description
        # A rate limit's own description is its limit string ("5 per 1 minute"), not a sentence.
        if (detail == type(error).description or error.code == 429) and (
                error.code in PAGE_DETAILS):
            detail = str(PAGE_DETAILS[error.code])
        response = _as_response((render_template("errors/error.html", error=error,
                                                 detail=detail), error.code))
    if retry_after:
        response.headers["Retry-After"] = retry_after
    if headers.get("Allow"):
        response.headers["Allow"] = headers["Allow"]
    if error.code == 401 and wants_problem_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _as_response(rv):
    from flask import make_response

    return make_response(rv)


def handle_domain_error(error: DomainError):
    if wants_problem_json():
        return problem_response(
            error.status, error.title, error.detail, field=error.field, **error.extra
        )
    return _as_response(
        (render_template("errors/error.html", error=error, detail=error.detail), error.status)
    )


def handle_csrf_error(error: CSRFError):
    detail = _(
        "The form had expired or was not sent from this site. Reload the page and try again."
    )
    if wants_problem_json():
        return problem_response(400, "Bad request", detail)
    return _as_response(
        (render_template("errors/error.html", error=error, detail=detail), 400)
    )


def handle_out_of_range(_error: Exception):
    """Answer 400 when a number in the request does not fit the database, never a 500."""
    from app.extensions import db

    db.session.rollback()
    return handle_http_exception(NumberTooLarge())


def is_database_unavailable(error: Exception) -> bool:
    """Whether a database error means the connection or the server is gone, not bad input."""
    return isinstance(error, (OperationalError, InterfaceError)) or bool(
        getattr(error, "connection_invalidated", False))


class DatabaseUnavailable(HTTPException):
    code = 503
    description = "The database cannot be reached just now. Wait a moment and try again."


def handle_database_error(error: DBAPIError):
    """Answer 503 (after a rollback) when the database dropped the connection mid-request.

    The error page must not touch the database again, so it shows the person logged out.
    """
    from flask_login import AnonymousUserMixin

    from app.extensions import db

    try:
        db.session.rollback()
    except SQLAlchemyError:
        logger.warning("Rollback after a database error failed; the session is discarded.")
    logger.error("The database is unavailable: %s", error.orig or error)
    g._login_user = AnonymousUserMixin()
    try:
        response = handle_http_exception(DatabaseUnavailable())
    except SQLAlchemyError:
        response = _as_response((f"<!doctype html><html lang=\"sv\"><title>503</title><p>"
                                 f"{escape(PAGE_DETAILS[503])}</p>", 503))
    response.headers["Retry-After"] = str(RETRY_AFTER_OUTAGE_SECONDS)
    return response


def handle_internal_error(error: InternalServerError):
    """Unexpected errors: problem+json on the API, the Swedish page elsewhere (never bare)."""
    original = getattr(error, "original_exception", None)
    if isinstance(original, DBAPIError) and is_database_unavailable(original):
        return handle_database_error(original)
    return handle_http_exception(error)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(DataError, handle_out_of_range)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(InterfaceError, handle_database_error)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(HTTPException, handle_http_exception)
