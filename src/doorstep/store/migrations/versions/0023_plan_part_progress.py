"""plan part progress: a planning job's per-part progress on a large day (the whole day's phase and each part's)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing plan versions have none: they show as planned in one model)."""
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part_progress", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("part_progress")
