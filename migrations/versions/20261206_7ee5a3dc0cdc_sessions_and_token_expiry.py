"""sessions and token expiry: a per-user session generation; API tokens expire

Revision ID: 7ee5a3dc0cdc
Revises: 5e4f0a7c1b2d
Create Date: 2026-12-06 21:10:00

Tokens issued before this revision never expired; they get the default lifetime
(90 days) counted from the upgrade, so nobody is locked out by it.
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import app.core.models

# revision identifiers, used by Alembic.
revision = '7ee5a3dc0cdc'
down_revision = '5e4f0a7c1b2d'
branch_labels = None
depends_on = None

EXISTING_TOKEN_LIFETIME = timedelta(days=90)


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at',
                                      app.core.models.AwareDateTime(timezone=True),
                                      nullable=True))
    api_token = sa.table('api_token',
                         sa.column('expires_at', app.core.models.AwareDateTime(timezone=True)))
    op.execute(api_token.update().values(
        expires_at=datetime.now(UTC).replace(microsecond=0) + EXISTING_TOKEN_LIFETIME))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=app.core.models.AwareDateTime(
            timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
