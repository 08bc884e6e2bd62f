"""triage once: one triage result per tip (a unique index; duplicates stored by concurrent deliveries are removed,
keeping the one officers were shown, the latest); tips: when their triage task was last handed to the broker

Revision ID: 0023_triage_once
Revises: 0022_agency_about
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from tipline.models.types import UTCDateTime


revision = '0023_triage_once'
down_revision = '0022_agency_about'
branch_labels = None
depends_on = None


def upgrade():
    # Tip.triage reads the newest row, so the newest is the one officers saw (and the one a sender's answer
    # updated); the others were written by a second delivery of the same task.
    op.execute(
        "DELETE FROM triage_results WHERE id NOT IN (SELECT MAX(id) FROM triage_results GROUP BY tip_id)"
    )
    op.drop_index('ix_triage_results_tip_id', table_name='triage_results')
    op.create_index('ix_triage_results_tip_id', 'triage_results', ['tip_id'], unique=True)
    with op.batch_alter_table('tips') as batch_op:
        batch_op.add_column(sa.Column('triage_queued_at', UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('tips') as batch_op:
        batch_op.drop_column('triage_queued_at')
    op.drop_index('ix_triage_results_tip_id', table_name='triage_results')
    op.create_index('ix_triage_results_tip_id', 'triage_results', ['tip_id'], unique=False)
