"""Paginate a SQLAlchemy select for flask-smorest's @paginate (X-Pagination header)."""

import sqlalchemy as sa

from app.extensions import db


def page_of(query: sa.Select, pagination_parameters) -> list:
    """Return one page of `query` and tell flask-smorest the total count."""
    counted = query.order_by(None).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted))
    pagination_parameters.item_count = total
    return db.session.scalars(
        query.limit(pagination_parameters.page_size)
        .offset(pagination_parameters.first_item)
    ).all()
