"""conversations: sms_contacts, sms_inbound and sms_outbound become contacts, inbound_messages and
outbound_messages with a channel column (today's rows: 'sms'), unique per (channel, address hash / message id);
outbound messages note whether they are the channel's pre-approved template

Revision ID: 0021_conversations
Revises: 0020_triage_relevance
Create Date: 2026-11-29 10:00:00

The rows are copied with their ids (the encrypted columns byte for byte), then the old tables dropped; downgrade
copies the SMS rows back (a WhatsApp conversation has no place in the old tables and is dropped).
"""
from alembic import op
import sqlalchemy as sa

from tipline.models.types import EncryptedText, UTCDateTime


revision = '0021_conversations'
down_revision = '0020_triage_relevance'
branch_labels = None
depends_on = None

CONTACT_COLUMNS = 'id, {channel}{hash}, {address}, language, language_chosen, opted_out, tip_id, last_seen, created_at'
INBOUND_COLUMNS = 'id, {channel}message_sid, contact_id, tip_id, action, reply, answered_at, created_at'
OUTBOUND_COLUMNS = (
    'id, {channel}tip_id, contact_id, body, {template}provider_sid, status, error_code, attempts, created_at, updated_at'
)


def _when(ts):
    return sa.Column(ts, UTCDateTime(timezone=True), nullable=False)


def _create_new():
    op.create_table(
        'contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('address_hash', sa.String(length=64), nullable=False),
        sa.Column('address', EncryptedText(), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('language_chosen', sa.Boolean(), nullable=False),
        sa.Column('opted_out', sa.Boolean(), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        _when('last_seen'),
        _when('created_at'),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'address_hash', name='uq_contacts_channel_address_hash'),
    )
    op.create_table(
        'inbound_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('message_sid', sa.String(length=64), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('reply', EncryptedText(), nullable=True),
        sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True),
        _when('created_at'),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'message_sid', name='uq_inbound_messages_channel_message_sid'),
    )
    for column in ('contact_id', 'created_at', 'tip_id'):
        op.create_index(f'ix_inbound_messages_{column}', 'inbound_messages', [column])
    op.create_table(
        'outbound_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('body', EncryptedText(), nullable=False),
        sa.Column('template', sa.Boolean(), nullable=False),
        sa.Column('provider_sid', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error_code', sa.String(length=16), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        _when('created_at'),
        _when('updated_at'),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'provider_sid', name='uq_outbound_messages_channel_provider_sid'),
    )
    for column in ('contact_id', 'tip_id'):
        op.create_index(f'ix_outbound_messages_{column}', 'outbound_messages', [column])


def _create_old():
    op.create_table(
        'sms_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number_hash', sa.String(length=64), nullable=False),
        sa.Column('number', EncryptedText(), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('language_chosen', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('opted_out', sa.Boolean(), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        _when('last_seen'),
        _when('created_at'),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number_hash'),
    )
    op.create_table(
        'sms_inbound',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_sid', sa.String(length=64), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('reply', EncryptedText(), nullable=True),
        sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True),
        _when('created_at'),
        sa.ForeignKeyConstraint(['contact_id'], ['sms_contacts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_sid'),
    )
    for column in ('contact_id', 'created_at', 'tip_id'):
        op.create_index(f'ix_sms_inbound_{column}', 'sms_inbound', [column])
    op.create_table(
        'sms_outbound',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('body', EncryptedText(), nullable=False),
        sa.Column('provider_sid', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error_code', sa.String(length=16), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        _when('created_at'),
        _when('updated_at'),
        sa.ForeignKeyConstraint(['contact_id'], ['sms_contacts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider_sid'),
    )
    for column in ('contact_id', 'tip_id'):
        op.create_index(f'ix_sms_outbound_{column}', 'sms_outbound', [column])


def _copy(source, target, target_columns, source_columns, where=''):
    op.execute(f'INSERT INTO {target} ({target_columns}) SELECT {source_columns} FROM {source}{where}')  # noqa: S608


def _restart_ids(tables):
    """PostgreSQL: the id sequences continue after the copied ids (SQLite takes MAX(id) + 1 by itself)."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in tables:
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}")


def upgrade():
    _create_new()
    _copy('sms_contacts', 'contacts',
          CONTACT_COLUMNS.format(channel='channel, ', hash='address_hash', address='address'),
          CONTACT_COLUMNS.format(channel="'sms', ", hash='number_hash', address='number'))
    _copy('sms_inbound', 'inbound_messages',
          INBOUND_COLUMNS.format(channel='channel, '), INBOUND_COLUMNS.format(channel="'sms', "))
    _copy('sms_outbound', 'outbound_messages',
          OUTBOUND_COLUMNS.format(channel='channel, ', template='template, '),
          OUTBOUND_COLUMNS.format(channel="'sms', ", template=f'{sa.false().compile(dialect=op.get_bind().dialect)}, '))
    op.drop_table('sms_outbound')
    op.drop_table('sms_inbound')
    op.drop_table('sms_contacts')
    _restart_ids(('contacts', 'inbound_messages', 'outbound_messages'))


def downgrade():
    _create_old()
    sms = " WHERE channel = 'sms'"
    _copy('contacts', 'sms_contacts',
          CONTACT_COLUMNS.format(channel='', hash='number_hash', address='number'),
          CONTACT_COLUMNS.format(channel='', hash='address_hash', address='address'), sms)
    _copy('inbound_messages', 'sms_inbound', INBOUND_COLUMNS.format(channel=''), INBOUND_COLUMNS.format(channel=''), sms)
    _copy('outbound_messages', 'sms_outbound',
          OUTBOUND_COLUMNS.format(channel='', template=''), OUTBOUND_COLUMNS.format(channel='', template=''), sms)
    op.drop_table('outbound_messages')
    op.drop_table('inbound_messages')
    op.drop_table('contacts')
    _restart_ids(('sms_contacts', 'sms_inbound', 'sms_outbound'))
