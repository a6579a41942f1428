"""complaint: the customer's links in force (link_epoch), large type for an elderly customer; customer_code, customer_access, customer_upload: the
customer's own page (one-time codes as keyed digests, every attempt, the images sent sealed)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_elderly', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('link_epoch', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'customer_code',
        sa.Column('id', TEXT(), nullable=False),
        sa.Column('complaint_id', TEXT(), nullable=False),
        sa.Column('digest', TEXT(), nullable=False),
        sa.Column('sent_at', WHEN(), nullable=False),
        sa.Column('expires_at', WHEN(), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('used_at', WHEN(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_customer_code_complaint_id', 'customer_code', ['complaint_id'])
    op.create_index('ix_customer_code_sent_at', 'customer_code', ['sent_at'])
    op.create_table(
        'customer_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', TEXT(), nullable=True),
        sa.Column('at', WHEN(), nullable=False),
        sa.Column('action', TEXT(), nullable=False),
        sa.Column('outcome', TEXT(), nullable=False),
        sa.Column('address_tag', TEXT(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('complaint_id', 'at', 'address_tag'):
        op.create_index(f'ix_customer_access_{column}', 'customer_access', [column])
    op.create_table(
        'customer_upload',
        sa.Column('id', TEXT(), nullable=False),
        sa.Column('complaint_id', TEXT(), nullable=False),
        sa.Column('form_key', TEXT(), nullable=False),
        sa.Column('place', sa.Integer(), nullable=False),
        sa.Column('media_type', TEXT(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('received_at', WHEN(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('complaint_id', 'form_key', 'place', name='uq_upload_form_place'),
    )
    op.create_index('ix_customer_upload_complaint_id', 'customer_upload', ['complaint_id'])


def downgrade() -> None:
    op.drop_table('customer_upload')
    op.drop_table('customer_access')
    op.drop_table('customer_code')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('link_epoch')
        batch_op.drop_column('customer_elderly')
