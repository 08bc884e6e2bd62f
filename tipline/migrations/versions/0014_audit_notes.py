"""audit notes: officers' free text beside an audit entry, encrypted, erased with the tip (the chain keeps a digest)

Revision ID: 0014_audit_notes
Revises: 0013_username_case
Create Date: 2026-11-27 00:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_audit_notes'
down_revision = '0013_username_case'
branch_labels = None
depends_on = None


def upgrade():
    # Entries written before keep their notes in their hashed details: moving them would break the chain.
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.add_column(sa.Column('private', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_column('private')
