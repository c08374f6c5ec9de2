"""analytics: the promised window of each stop, the attempt number of each order, the fuel of a vehicle type,
and an index for reading a date range of stop events

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (stops planned before it have no promised window: the on-time rate leaves them out)."""
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promised_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("promised_end", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("vehicle_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fuel", sa.String(length=20), nullable=True))
    with op.batch_alter_table("stop_events", schema=None) as batch_op:
        batch_op.create_index("ix_stop_events_org_at", ["org_id", "at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("stop_events", schema=None) as batch_op:
        batch_op.drop_index("ix_stop_events_org_at")
    with op.batch_alter_table("vehicle_types", schema=None) as batch_op:
        batch_op.drop_column("fuel")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("attempt")
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.drop_column("promised_end")
        batch_op.drop_column("promised_start")
