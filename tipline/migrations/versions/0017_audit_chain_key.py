"""audit chain key: a version per audit entry (1: SHA-256 links, 2: HMAC-SHA256 under AUDIT_CHAIN_KEY)

Revision ID: 0017_audit_chain_key
Revises: 0016_login_guards
Create Date: 2026-12-02 00:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017_audit_chain_key'
down_revision = '0016_login_guards'
branch_labels = None
depends_on = None


def upgrade():
    # Entries already written keep their SHA-256 links (version 1): re-keying them would need the chain trusted as
    # it stands; the application writes every new entry as version 2.
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_column('version')
