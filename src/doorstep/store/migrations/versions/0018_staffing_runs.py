"""staffing runs: the staffing job's status, progress and result (plans of synthetic forecast days)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "staffing_runs",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_staffing_runs_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_runs")),
    )
    with op.batch_alter_table("staffing_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staffing_runs_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("staffing_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staffing_runs_org_id"))
    op.drop_table("staffing_runs")
