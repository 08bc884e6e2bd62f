"""retention: per-status retention periods, purge marker and coarse area on tips; joins the sms branch

Revision ID: 0005_retention
Revises: 0002_sms, 0004_events
Create Date: 2026-11-26 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_retention'
down_revision = ('0002_sms', '0004_events')
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))

    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('purged_at', tipline_types().UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('area_code')

    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_column('retention_days')


def tipline_types():
    """The project's column types module."""
    import tipline.models.types

    return tipline.models.types
