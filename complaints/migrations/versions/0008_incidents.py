"""incidents and their links

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        'incident',
        sa.Column('id', text(), nullable=False), sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('status', text(), nullable=False), sa.Column('rule', text(), nullable=False),
        sa.Column('key', text(), nullable=False), sa.Column('centre', text(), nullable=False),
        sa.Column('labels', text(), nullable=False), sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('last_linked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True), sa.Column('decided_by', text(), nullable=True),
        sa.Column('reason', text(), nullable=False), sa.Column('plan_published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True), sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_incident_opened_at'), 'incident', ['opened_at'], unique=False)
    op.create_index(op.f('ix_incident_status'), 'incident', ['status'], unique=False)
    op.create_table(
        'incident_link',
        sa.Column('complaint_id', text(), nullable=False), sa.Column('incident_id', text(), nullable=False),
        sa.Column('linked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False), sa.Column('linked_by', text(), nullable=False),
        sa.PrimaryKeyConstraint('complaint_id'))
    op.create_index(op.f('ix_incident_link_incident_id'), 'incident_link', ['incident_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_incident_link_incident_id'), table_name='incident_link')
    op.drop_table('incident_link')
    op.drop_index(op.f('ix_incident_status'), table_name='incident')
    op.drop_index(op.f('ix_incident_opened_at'), table_name='incident')
    op.drop_table('incident')
