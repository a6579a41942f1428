"""ended_session: browser sessions signed out before their token expired

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:20:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ended_session',
                    sa.Column('sid', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('sid'))
    op.create_index(op.f('ix_ended_session_until'), 'ended_session', ['until'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ended_session_until'), table_name='ended_session')
    op.drop_table('ended_session')
