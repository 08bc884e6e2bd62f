"""login guards: recovery codes get a keyed index, so a login checks one of them, not all eight

Revision ID: 0016_login_guards
Revises: 0015_complaints_answers
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_login_guards'
down_revision = '0015_complaints_answers'
branch_labels = None
depends_on = None


def upgrade():
    # codes issued before have no index (their clear text is not kept): they still work, checked one by one,
    # until the officer's second factor is renewed (`tipline users reset-2fa` or Accounts → Issue new credentials)
    with op.batch_alter_table('recovery_codes') as batch_op:
        batch_op.add_column(sa.Column('lookup', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('recovery_codes') as batch_op:
        batch_op.drop_column('lookup')
