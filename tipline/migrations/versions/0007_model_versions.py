"""model versions: officer-trained category models, their scores, promotion and the one in use

Revision ID: 0007_model_versions
Revises: 0006_queue_index
Create Date: 2026-11-26 11:40:00

"""
from alembic import op
import sqlalchemy as sa
import tipline.models.types


revision = '0007_model_versions'
down_revision = '0006_queue_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('model_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('examples', sa.Integer(), nullable=False),
    sa.Column('candidate_score', sa.Float(), nullable=False),
    sa.Column('current_score', sa.Float(), nullable=False),
    sa.Column('promoted', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', tipline.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name='pk_model_versions'),
    sa.UniqueConstraint('version', name='uq_model_versions_version')
    )


def downgrade():
    op.drop_table('model_versions')
