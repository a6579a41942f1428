"""complaint: the regulator's statistical codes (JR/T 0169-2018), proposed then confirmed by the decision

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


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in ('code_channel', 'code_business', 'code_reason'):
            batch_op.add_column(sa.Column(column, TEXT(), nullable=True))
        batch_op.add_column(sa.Column('codes_confirmed', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in ('codes_confirmed', 'code_reason', 'code_business', 'code_channel'):
            batch_op.drop_column(column)
