"""job_state: progress and heartbeats of the job queue's work, readable by every worker

An import's progress lived in the memory of the web process running it; it now runs on the job
queue's consumer (webapp/jobs), which writes progress and heartbeats here through short
transactions of their own. Global (no tenant_id): counts and times only.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 22:10:00

"""
import sqlalchemy as sa
from alembic import op

from webapp.tenancy import rls


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_state',
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('worker', sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_state')),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        rls.enable_global(bind)  # its policy (rls.GLOBAL_POLICIES), as every global table's


def downgrade():
    op.drop_table('job_state')
