"""delegation regimes: effective-dated sets of delegation rules (issue 17, item 2)

Creates `delegation_regime` and gives every `delegation_rule` its regime. Existing rules are
backfilled: one regime per distinct (programme, valid_from), its source the rules' source and
its reason a note that it was carried over. Rule ids are kept: decisions point at them.

Revision ID: c7d2e9a41f60
Revises: c7d2e9a41f3b
Create Date: 2026-12-07 00:30:00

"""
import sqlalchemy as sa
from alembic import op

import app.core.models

# revision identifiers, used by Alembic.
revision = 'c7d2e9a41f60'
down_revision = 'c7d2e9a41f3b'
branch_labels = None
depends_on = None

CARRIED_OVER = "Registrerad före regimhanteringen (överförd från delegationstabellen)."


def upgrade():
    op.create_table(
        'delegation_regime',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', app.core.models.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_delegation_regime_programme_id_programme'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_delegation_regime_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation_regime')),
        sa.UniqueConstraint('programme_id', 'valid_from', name='uq_delegation_regime_start'),
    )
    with op.batch_alter_table('delegation_regime', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegation_regime_programme_id'), ['programme_id'],
                              unique=False)
    with op.batch_alter_table('delegation_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regime_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_delegation_rule_regime_id'), ['regime_id'],
                              unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_delegation_rule_regime_id_delegation_regime'), 'delegation_regime',
            ['regime_id'], ['id'], ondelete='CASCADE')
    _backfill()


def _backfill():
    """One regime per (programme, valid_from) of the existing rules, owning those rules."""
    connection = op.get_bind()
    rule = sa.table('delegation_rule', sa.column('id', sa.Integer),
                    sa.column('programme_id', sa.Integer), sa.column('valid_from', sa.Date),
                    sa.column('source', sa.String), sa.column('regime_id', sa.Integer))
    regime = sa.table('delegation_regime', sa.column('id', sa.Integer),
                      sa.column('programme_id', sa.Integer), sa.column('valid_from', sa.Date),
                      sa.column('reason', sa.Text), sa.column('source', sa.String),
                      sa.column('created_at', app.core.models.AwareDateTime(timezone=True)))
    groups = connection.execute(
        sa.select(rule.c.programme_id, rule.c.valid_from, sa.func.min(rule.c.source))
        .group_by(rule.c.programme_id, rule.c.valid_from)
        .order_by(rule.c.programme_id, rule.c.valid_from)).all()
    for programme_id, valid_from, source in groups:
        connection.execute(regime.insert().values(
            programme_id=programme_id, valid_from=valid_from, reason=CARRIED_OVER,
            source=source or "", created_at=app.core.models.utcnow()))
        regime_id = connection.execute(sa.select(regime.c.id).where(
            regime.c.programme_id == programme_id, regime.c.valid_from == valid_from)).scalar_one()
        connection.execute(rule.update().where(
            rule.c.programme_id == programme_id, rule.c.valid_from == valid_from,
        ).values(regime_id=regime_id))


def downgrade():
    with op.batch_alter_table('delegation_rule', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_delegation_rule_regime_id_delegation_regime'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_delegation_rule_regime_id'))
        batch_op.drop_column('regime_id')
    with op.batch_alter_table('delegation_regime', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegation_regime_programme_id'))
    op.drop_table('delegation_regime')
