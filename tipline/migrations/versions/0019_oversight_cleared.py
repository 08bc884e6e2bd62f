"""tips: when the oversight body handed back a tip triage took for a complaint (until then only it may hold the
tip, whatever category the sender chose); tips handed back before are read from the audit log

Revision ID: 0019_oversight_cleared
Revises: 0018_encrypted_reasons
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from tipline.models.types import UTCDateTime


revision = '0019_oversight_cleared'
down_revision = '0018_encrypted_reasons'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tips') as batch_op:
        batch_op.add_column(sa.Column('oversight_cleared_at', UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE tips SET oversight_cleared_at = (SELECT MAX(audit_log.at) FROM audit_log "
        "WHERE audit_log.action = 'tip.release' AND audit_log.tip_public_id = tips.public_id)"
    )


def downgrade():
    with op.batch_alter_table('tips') as batch_op:
        batch_op.drop_column('oversight_cleared_at')
