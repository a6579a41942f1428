"""audit_event: a refusal's code and values beside its sentence

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 19:20:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('code_values', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('code_values')
        batch_op.drop_column('code')
