"""core.sql.among: the same rows as IN on both databases, for no ids, a few and very many."""

import pytest
import sqlalchemy as sa

from app.core.sql import among
from app.extensions import db
from app.programmes.models import Programme


@pytest.mark.parametrize("count", [0, 1, 3, 40_000])
def test_among_finds_exactly_the_rows_in_the_list(app_ctx, make_programme, count):
    made = [make_programme() for _ in range(3)]
    wanted = (made[:count] if count <= 3
              else [made[0], made[2], *range(10**9, 10**9 + count - 2)])
    found = db.session.scalars(sa.select(Programme.id).where(among(Programme.id, wanted))
                               .order_by(Programme.id)).all()
    assert found == sorted(pid for pid in wanted if pid in made)
