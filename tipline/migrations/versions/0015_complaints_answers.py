"""statuses: reply texts for a complaint (only the oversight body handles it); tips: when the sender last wrote
while the officers owe an answer; SMS contacts: whether the language was chosen by a keyword; refreshes: the
published months they revised

Revision ID: 0015_complaints_answers
Revises: 0014_audit_notes
Create Date: 2026-11-27 05:10:00

"""
from alembic import op
import sqlalchemy as sa

from tipline.models.types import UTCDateTime


revision = '0015_complaints_answers'
down_revision = '0014_audit_notes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('statuses') as batch_op:
        batch_op.add_column(sa.Column('complaint_replies', sa.JSON(), nullable=True))
    with op.batch_alter_table('tips') as batch_op:
        batch_op.add_column(sa.Column('sender_wrote_at', UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sms_contacts') as batch_op:
        batch_op.add_column(sa.Column('language_chosen', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('stats_refreshes') as batch_op:
        batch_op.add_column(sa.Column('revised', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('stats_refreshes') as batch_op:
        batch_op.drop_column('revised')
    with op.batch_alter_table('sms_contacts') as batch_op:
        batch_op.drop_column('language_chosen')
    with op.batch_alter_table('tips') as batch_op:
        batch_op.drop_column('sender_wrote_at')
    with op.batch_alter_table('statuses') as batch_op:
        batch_op.drop_column('complaint_replies')
