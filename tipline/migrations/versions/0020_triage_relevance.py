"""triage relevance: the model's score that a tip is about something a public-safety desk handles at all
(NULL for tips triaged before it existed)

Revision ID: 0020_triage_relevance
Revises: 0019_oversight_cleared
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020_triage_relevance'
down_revision = '0019_oversight_cleared'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('triage_results') as batch_op:
        batch_op.add_column(sa.Column('relevance', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('triage_results') as batch_op:
        batch_op.drop_column('relevance')
