"""The /api/v1 blueprints: thin endpoints over the same services as the pages."""

from flask import Flask
from flask_smorest import Blueprint

from app.extensions import api, csrf

from .auth import authenticate_request, refuse_writes_by_readers
from .schemas import ProblemSchema

BEARER = [{"bearerAuth": []}]


def api_blueprint(name: str, description: str) -> Blueprint:
    """Create an API blueprint that requires a bearer token on every endpoint."""
    blueprint = Blueprint(name, __name__, url_prefix="/api/v1", description=description)
    blueprint.before_request(authenticate_request)
    blueprint.before_request(refuse_writes_by_readers)
    return blueprint


def documented(blueprint: Blueprint):
    """Document the bearer requirement and the problem responses every endpoint can give."""

    def decorate(view):
        view = blueprint.doc(security=BEARER)(view)
        view = blueprint.alt_response(
            400, schema=ProblemSchema, content_type="application/problem+json",
            description="The request could not be read: malformed JSON, or a number (an id in "
                        "the path, too) larger than the system can store")(view)
        view = blueprint.alt_response(401, schema=ProblemSchema, description="No valid API token",
                                      content_type="application/problem+json")(view)
        return view

    return decorate


def register_api(app: Flask) -> None:
    from . import (
        accounts,
        applications,
        audit,
        benefits,
        budget_cuts,
        ideas,
        programmes,
        projects,
    )

    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "Create a token with: flask users token EMAIL"}
    )
    benefits.register_docs()
    for module in (accounts, programmes, ideas, applications, projects, benefits, budget_cuts,
                   audit):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
    from . import followup, notification_settings

    csrf.exempt(followup.blp)
    api.register_blueprint(followup.blp)

    csrf.exempt(notification_settings.blp)
    api.register_blueprint(notification_settings.blp)

    from . import benefit_map, dashboards

    csrf.exempt(benefit_map.blp)
    api.register_blueprint(benefit_map.blp)

    csrf.exempt(dashboards.blp)
    api.register_blueprint(dashboards.blp)

    from . import prioritisation

    csrf.exempt(prioritisation.blp)
    api.register_blueprint(prioritisation.blp)

    from . import position

    csrf.exempt(position.blp)
    api.register_blueprint(position.blp)

    from . import delegation_regimes

    csrf.exempt(delegation_regimes.blp)
    api.register_blueprint(delegation_regimes.blp)

    from . import project_phases

    csrf.exempt(project_phases.blp)
    api.register_blueprint(project_phases.blp)
