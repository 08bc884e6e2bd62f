"""submission keys: a reloaded or re-sent web form never makes a second tip or message

Revision ID: 0012_submission_keys
Revises: 0011_agency_area_names
Create Date: 2026-11-26 21:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_submission_keys'
down_revision = '0011_agency_area_names'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('tips', 'messages'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
            batch_op.create_unique_constraint(f'uq_{table}_submission_key', ['submission_key'])


def downgrade():
    for table in ('messages', 'tips'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_submission_key', type_='unique')
            batch_op.drop_column('submission_key')
