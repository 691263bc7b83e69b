"""Flask extensions, created unbound; `create_app` binds them."""

# Before flask-smorest declares its schemas: marshmallow's messages must translate themselves.
import app.core.validation_messages  # noqa: F401, I001
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


PROBLEM_JSON = "application/problem+json"


class ProblemApi(Api):
    """flask-smorest's Api whose error output and its documentation are problem+json.

    `core.errors` owns the error handlers; this declares what they send: every error response
    of every operation (401, 404, 405, 409, 422, the default) is `application/problem+json`
    with the one Problem schema, and the `X-Pagination` header is declared as the JSON it is.
    """

    def _register_error_handlers(self):
        return None

    def _register_responses(self):
        """Register the reusable error responses as problem+json with the Problem schema."""
        import http

        from app.api.schemas import ProblemSchema

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": ProblemSchema}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME,
            {"description": "An error, as an RFC 9457 problem document",
             "content": {PROBLEM_JSON: {"schema": ProblemSchema}}},
            lazy=True,
        )

    def _register_pagination_header(self):
        """Declare X-Pagination as sent: one header holding a JSON object."""
        from flask_smorest.pagination import PaginationMetadataSchema

        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata as JSON.",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
bootstrap = Bootstrap5()
api = ProblemApi()
