"""encrypted reasons: the reason an officer gave for routing, sharing or handing back a tip is encrypted at rest
like the tip's text (and retention erases it with the tip)

Revision ID: 0018_encrypted_reasons
Revises: 0017_audit_chain_key
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa
from tipline.models.types import EncryptedText


revision = '0018_encrypted_reasons'
down_revision = '0017_audit_chain_key'
branch_labels = None
depends_on = None

BATCH = 1000  # rows read at a time: a deployment holds one or two per tip


def _convert(source_type, target_type, stored_as, nullable, empty):
    """Copy tip_agencies.reason into a new column of target_type (read and written through the types), then swap.

    EncryptedText encrypts and decrypts with the app's data keys: this runs inside the app (flask db upgrade).
    An empty reason is stored as `empty` (NULL when encrypted: nothing to hide, nothing to decrypt).
    """
    with op.batch_alter_table('tip_agencies') as batch_op:
        batch_op.add_column(sa.Column('reason_new', target_type, nullable=True))
    conn = op.get_bind()
    table = sa.table('tip_agencies', sa.column('id', sa.Integer), sa.column('reason', source_type),
                     sa.column('reason_new', target_type))
    # The read names its direction: PostgreSQL caches a prepared statement by its text, and the column's type
    # differs between upgrade and downgrade (a downgrade then upgrade in one connection hit the stale plan).
    reason = table.c.reason.label('reason_' + type(source_type).__name__.lower())
    last = 0
    while rows := conn.execute(sa.select(table.c.id, reason).where(table.c.id > last)
                               .order_by(table.c.id).limit(BATCH)).all():
        for row in rows:
            conn.execute(table.update().where(table.c.id == row.id).values(reason_new=row[1] or empty))
        last = rows[-1].id
    with op.batch_alter_table('tip_agencies') as batch_op:
        batch_op.drop_column('reason')
        batch_op.alter_column('reason_new', new_column_name='reason', existing_type=stored_as,
                              nullable=nullable)


def upgrade():
    _convert(sa.Text(), EncryptedText(), sa.LargeBinary(), nullable=True, empty=None)


def downgrade():
    _convert(EncryptedText(), sa.Text(), sa.Text(), nullable=False, empty='')
