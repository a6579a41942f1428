"""complaint: the decision told (finding, relief, when, by whom, who approved closing), until when a review
may be asked for, and which complaint a review reviews

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 00:40:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for name, kind in (('finding', TEXT), ('relief', TEXT), ('decided_at', WHEN), ('decided_by', TEXT),
                           ('close_approved_by', TEXT), ('review_by', WHEN), ('review_of', TEXT)):
            batch_op.add_column(sa.Column(name, kind(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_review_of'), ['review_of'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_review_of'))
        for name in ('review_of', 'review_by', 'close_approved_by', 'decided_by', 'decided_at', 'relief',
                     'finding'):
            batch_op.drop_column(name)
