"""SQL building blocks the domains' queries share, the same on SQLite and PostgreSQL."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.extensions import db


def among(column, ids: Iterable[int]):
    """`column IN ids`, sent to PostgreSQL as one array parameter (`= ANY`): with tens of
    thousands of ids, one placeholder each made building and parsing the statement cost more
    than running it. SQLite keeps IN, whose list it reads fast."""
    ids = list(ids)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.literal(ids, postgresql.ARRAY(sa.Integer)))
    return column.in_(ids)
