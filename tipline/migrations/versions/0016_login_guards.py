"""login guards: recovery codes get a keyed index, so a login checks one of them, not all eight; failed logins
are counted per account and client (a keyed hash of the address and day), so a guesser locks out only itself

Revision ID: 0016_login_guards
Revises: 0015_complaints_answers
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa

from tipline.models.types import UTCDateTime


revision = '0016_login_guards'
down_revision = '0015_complaints_answers'
branch_labels = None
depends_on = None


def upgrade():
    # codes issued before have no index (their clear text is not kept): they still work, checked one by one,
    # until the officer's second factor is renewed (`tipline users reset-2fa` or Accounts → Issue new credentials)
    with op.batch_alter_table('recovery_codes') as batch_op:
        batch_op.add_column(sa.Column('lookup', sa.String(length=64), nullable=True))
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_failed_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_login_failures_user_id',
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_login_failures'),
    sa.UniqueConstraint('user_id', 'client', name='uq_login_failures_user_id_client')
    )
    # the account-wide count goes; a lock it set named no address, so it holds for none (and is no longer shown)
    op.drop_column('users', 'failed_logins')  # SQLite 3.35+ drops a column in place
    op.execute(sa.text('UPDATE users SET locked_until = NULL'))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.drop_table('login_failures')
    with op.batch_alter_table('recovery_codes') as batch_op:
        batch_op.drop_column('lookup')
