"""agency about: each agency's own words about itself, per language, from the deployment file (home page)

Revision ID: 0022_agency_about
Revises: 0021_conversations
Create Date: 2026-12-07 03:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022_agency_about'
down_revision = '0021_conversations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.add_column(sa.Column('about', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('agencies') as batch_op:
        batch_op.drop_column('about')
