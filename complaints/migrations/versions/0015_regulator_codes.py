"""complaint: the regulator's statistical codes (JR/T 0169-2018), proposed then confirmed by the decision, and
a review's outcome; redress: the ledger of money decisions gave, paid or reversed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 07:30:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in ('code_channel', 'code_business', 'code_reason'):
            batch_op.add_column(sa.Column(column, TEXT(), nullable=True))
        batch_op.add_column(sa.Column('codes_confirmed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('review_outcome', TEXT(), nullable=True))
    op.create_table(
        'redress',
        sa.Column('id', TEXT(), nullable=False),
        sa.Column('complaint_id', TEXT(), nullable=False),
        sa.Column('department', TEXT(), nullable=False),
        sa.Column('amount', sa.Numeric(14, 2), nullable=False),
        sa.Column('currency', TEXT(), nullable=False),
        sa.Column('purpose', TEXT(), nullable=False),
        sa.Column('decided_at', WHEN(), nullable=False),
        sa.Column('decided_by', TEXT(), nullable=False),
        sa.Column('approved_by', TEXT(), nullable=True),
        sa.Column('status', TEXT(), nullable=False),
        sa.Column('paid_at', WHEN(), nullable=True),
        sa.Column('paid_by', TEXT(), nullable=True),
        sa.Column('paid_ref', TEXT(), nullable=True),
        sa.Column('reversed_at', WHEN(), nullable=True),
        sa.Column('reversed_by', TEXT(), nullable=True),
        sa.Column('reversed_reason', TEXT(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('complaint_id', 'decided_at', 'status', 'paid_at', 'reversed_at'):
        op.create_index(f'ix_redress_{column}', 'redress', [column])


def downgrade() -> None:
    op.drop_table('redress')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in ('review_outcome', 'codes_confirmed', 'code_reason', 'code_business', 'code_channel'):
            batch_op.drop_column(column)
