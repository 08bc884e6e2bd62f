"""usernames unique regardless of letter case, by an index (the check before the insert could race)

Revision ID: 0013_username_case
Revises: 0012_submission_keys
Create Date: 2026-11-26 23:59:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_username_case'
down_revision = '0012_submission_keys'
branch_labels = None
depends_on = None


def upgrade():
    clashes = op.get_bind().execute(sa.text(
        'SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1')).scalars().all()
    if clashes:
        raise RuntimeError(
            'usernames must be unique regardless of letter case; these differ only in case: '
            f'{", ".join(clashes)}. Rename all but one of each (UPDATE users SET username = ...) and upgrade again.')
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)


def downgrade():
    op.drop_index('uq_users_username_lower', table_name='users')
