"""agency and area names: their names in the deployment's other languages

Revision ID: 0011_agency_area_names
Revises: 0010_audit_agency
Create Date: 2026-11-26 20:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_agency_area_names'
down_revision = '0010_audit_agency'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('agencies', 'areas'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('names', sa.JSON(), nullable=True))


def downgrade():
    for table in ('areas', 'agencies'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('names')
