"""complaint.erased_at and legal_hold: records kept for their retention, then erased unless held

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 22:40:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        'legal_hold',
        sa.Column('complaint_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('held_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('held_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('complaint_id'),
    )


def downgrade() -> None:
    op.drop_table('legal_hold')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
