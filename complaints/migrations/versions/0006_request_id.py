"""request audit: the request id

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 01:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('request_audit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=sa.text("''")))
        batch_op.create_index(batch_op.f('ix_request_audit_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('request_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_audit_request_id'))
        batch_op.drop_column('request_id')
