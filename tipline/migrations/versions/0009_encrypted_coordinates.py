"""encrypted coordinates: a tip's exact latitude and longitude are encrypted at rest like its text

Revision ID: 0009_encrypted_coordinates
Revises: 0008_totp_last_step
Create Date: 2026-11-26 17:30:00

"""
from alembic import op
import sqlalchemy as sa
from tipline.models.types import EncryptedFloat


revision = '0009_encrypted_coordinates'
down_revision = '0008_totp_last_step'
branch_labels = None
depends_on = None


def _convert(source_type, target_type):
    """Copy lat/lon into new columns of target_type (read and written through the types), then swap the columns.

    EncryptedFloat encrypts and decrypts with the app's data keys: this runs inside the app (flask db upgrade).
    """
    with op.batch_alter_table('tips') as batch_op:
        batch_op.add_column(sa.Column('lat_new', target_type, nullable=True))
        batch_op.add_column(sa.Column('lon_new', target_type, nullable=True))
    conn = op.get_bind()
    tips = sa.table('tips', sa.column('id', sa.Integer), sa.column('lat', source_type), sa.column('lon', source_type),
                    sa.column('lat_new', target_type), sa.column('lon_new', target_type))
    rows = conn.execute(sa.select(tips.c.id, tips.c.lat, tips.c.lon).where(tips.c.lat.is_not(None))).all()
    for row in rows:
        conn.execute(tips.update().where(tips.c.id == row.id).values(lat_new=row.lat, lon_new=row.lon))
    with op.batch_alter_table('tips') as batch_op:
        batch_op.drop_column('lat')
        batch_op.drop_column('lon')
        batch_op.alter_column('lat_new', new_column_name='lat')
        batch_op.alter_column('lon_new', new_column_name='lon')


def upgrade():
    _convert(sa.Float(), EncryptedFloat())


def downgrade():
    _convert(EncryptedFloat(), sa.Float())
