"""complaint: the decision told (finding, relief, when, by whom, who approved closing), until when a review
may be asked for, which complaint a review reviews, a regulator's referral; referral_report: the report back

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
        batch_op.add_column(sa.Column('referral_ref', TEXT(), nullable=True))
        batch_op.add_column(sa.Column('referral_due', sa.Date(), nullable=True))
    op.create_table(
        'referral_report',
        sa.Column('complaint_id', TEXT(), nullable=False),
        sa.Column('reference', TEXT(), nullable=False),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('content', TEXT(), nullable=False),
        sa.Column('prepared_by', TEXT(), nullable=False),
        sa.Column('prepared_at', WHEN(), nullable=False),
        sa.Column('approved_by', TEXT(), nullable=True),
        sa.Column('approved_at', WHEN(), nullable=True),
        sa.Column('sent_by', TEXT(), nullable=True),
        sa.Column('sent_at', WHEN(), nullable=True),
        sa.Column('sent_via', TEXT(), nullable=True),
        sa.PrimaryKeyConstraint('complaint_id'),
    )


def downgrade() -> None:
    op.drop_table('referral_report')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('referral_due')
        batch_op.drop_column('referral_ref')
        batch_op.drop_index(batch_op.f('ix_complaint_review_of'))
        for name in ('review_of', 'review_by', 'close_approved_by', 'decided_by', 'decided_at', 'relief',
                     'finding'):
            batch_op.drop_column(name)
