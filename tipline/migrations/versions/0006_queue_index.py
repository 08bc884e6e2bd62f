"""queue index: priority, open and intake flags copied onto each agency's holding of a tip

Revision ID: 0006_queue_index
Revises: 0005_retention
Create Date: 2026-11-26 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_queue_index'
down_revision = '0005_retention'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tip_agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('open', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('priority_key', sa.Float(), nullable=False, server_default='0'))
        batch_op.create_index(
            'ix_tip_agencies_queue', ['agency_code', 'active', 'open', 'intake', 'priority_key', 'tip_id'], unique=False
        )
    op.execute(
        "UPDATE tip_agencies SET priority_key = (SELECT priority_key FROM tips WHERE tips.id = tip_agencies.tip_id), "
        "open = (SELECT closed_at IS NULL FROM tips WHERE tips.id = tip_agencies.tip_id), "
        "intake = (role IN ('liaison', 'oversight') AND "
        "(SELECT queue_state FROM tips WHERE tips.id = tip_agencies.tip_id) IN ('liaison', 'oversight'))"
    )


def downgrade():
    with op.batch_alter_table('tip_agencies', schema=None) as batch_op:
        batch_op.drop_index('ix_tip_agencies_queue')
        batch_op.drop_column('priority_key')
        batch_op.drop_column('open')
        batch_op.drop_column('intake')
