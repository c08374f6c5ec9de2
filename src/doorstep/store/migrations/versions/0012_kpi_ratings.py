"""kpi ratings: the customers' ratings in the daily KPI rollup (count, sum, how many of each score)

The rollups made before this revision know nothing of ratings, so they are dropped: the next request over a
closed day rolls it up again from the record.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 17:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("ratings", "rating_sum", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("kpi_daily", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    for table in ("kpi_daily", "kpi_heat", "kpi_days"):
        op.execute(sa.text(f"DELETE FROM {table}"))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("kpi_daily", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
