"""audit agency: entries without a tip name the agency they concern (agency admins read only theirs)

Revision ID: 0010_audit_agency
Revises: 0009_encrypted_coordinates
Create Date: 2026-11-26 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_audit_agency'
down_revision = '0009_encrypted_coordinates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.add_column(sa.Column('agency_code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_agency_code'), ['agency_code'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_agency_code'))
        batch_op.drop_column('agency_code')
