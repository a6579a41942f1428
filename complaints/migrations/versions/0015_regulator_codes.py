"""complaint: the regulator's statistical codes (JR/T 0169-2018), proposed then confirmed by the decision, and
a review's outcome; redress: the ledger of money decisions gave, paid or reversed; problem, problem_action,
problem_link: problems and their corrective actions (溯源整改) as their workflows last wrote them

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


    op.create_table(
        'problem',
        sa.Column('id', TEXT(), nullable=False),
        sa.Column('title', TEXT(), nullable=False),
        sa.Column('source', TEXT(), nullable=False),
        sa.Column('source_ref', TEXT(), nullable=False),
        sa.Column('pattern', TEXT(), nullable=False),
        sa.Column('status', TEXT(), nullable=False),
        sa.Column('opened_by', TEXT(), nullable=False),
        sa.Column('opened_at', WHEN(), nullable=False),
        sa.Column('plan_due', WHEN(), nullable=False),
        sa.Column('plan_breached', sa.Boolean(), nullable=False),
        sa.Column('planned_at', WHEN(), nullable=True),
        sa.Column('root_cause', TEXT(), nullable=True),
        sa.Column('linked', sa.Integer(), nullable=False),
        sa.Column('done_at', WHEN(), nullable=True),
        sa.Column('verdict', TEXT(), nullable=True),
        sa.Column('reopened', sa.Integer(), nullable=False),
        sa.Column('surface_fix', TEXT(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_problem_status', 'problem', ['status'])
    op.create_index('ix_problem_opened_at', 'problem', ['opened_at'])
    op.create_table(
        'problem_action',
        sa.Column('id', TEXT(), nullable=False),
        sa.Column('problem_id', TEXT(), nullable=False),
        sa.Column('department', TEXT(), nullable=False),
        sa.Column('what', TEXT(), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('done_at', WHEN(), nullable=True),
        sa.Column('breached', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_problem_action_problem_id', 'problem_action', ['problem_id'])
    op.create_index('ix_problem_action_department', 'problem_action', ['department'])
    op.create_table(
        'problem_link',
        sa.Column('problem_id', TEXT(), nullable=False),
        sa.Column('complaint_id', TEXT(), nullable=False),
        sa.PrimaryKeyConstraint('problem_id', 'complaint_id'),
    )
    op.create_index('ix_problem_link_complaint_id', 'problem_link', ['complaint_id'])


def downgrade() -> None:
    for table in ('problem_link', 'problem_action', 'problem'):
        op.drop_table(table)
    op.drop_table('redress')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in ('review_outcome', 'codes_confirmed', 'code_reason', 'code_business', 'code_channel'):
            batch_op.drop_column(column)
