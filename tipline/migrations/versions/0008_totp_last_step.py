"""totp last step: an authenticator code is accepted once

Revision ID: 0008_totp_last_step
Revises: 0007_model_versions
Create Date: 2026-11-26 17:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_totp_last_step'
down_revision = '0007_model_versions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('totp_last_step')
