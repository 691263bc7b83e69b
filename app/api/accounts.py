"""API: the authenticated user and organisations."""

import sqlalchemy as sa

from app.accounts.models import Organisation

from . import api_blueprint, documented
from .auth import api_user
from .pagination import page_of
from .schemas import MeSchema, OrganisationSchema

blp = api_blueprint("api_accounts", "Who am I, and the city's organisations.")


@blp.get("/me")
@documented(blp)
@blp.response(200, MeSchema)
def me():
    """The user the token belongs to, with roles and delegation authorities."""
    user = api_user()
    return {
        "id": user.id, "email": user.email, "name": user.name, "locale": user.locale,
        "organisation": user.organisation,
        "roles": sorted(r.value for r in user.roles),
        "authority_keys": sorted(user.authority_keys),
    }


@blp.get("/organisations")
@documented(blp)
@blp.response(200, OrganisationSchema(many=True))
@blp.paginate()
def organisations(pagination_parameters):
    """All organisations, by name (paginated: page, page_size; totals in X-Pagination)."""
    return page_of(sa.select(Organisation).order_by(Organisation.name), pagination_parameters)
