"""vehicles: end depot, open end, max shift, reloads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_vehicles_end_depot_id_depots"


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its (named) reference in place; a batch copy of `vehicles` would have to drop
        # a table that shifts and routes refer to.
        op.execute(f"ALTER TABLE vehicles ADD COLUMN end_depot_id VARCHAR(64) CONSTRAINT {FK} REFERENCES depots (id)")
    else:
        op.add_column("vehicles", sa.Column("end_depot_id", sa.String(length=64), nullable=True))
        op.create_foreign_key(op.f(FK), "vehicles", "depots", ["end_depot_id"], ["id"])
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_end", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("max_shift_s", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reloads", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("max_reloads", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_vehicles_end_depot_id"), ["end_depot_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    # Plain DROP COLUMN (SQLite 3.35+ does it in place): a batch copy of `vehicles` would have to drop a table
    # that shifts and routes refer to, which SQLite refuses while foreign keys are on.
    op.drop_index(op.f("ix_vehicles_end_depot_id"), table_name="vehicles")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f(FK), "vehicles", type_="foreignkey")
    for column in ("max_reloads", "reloads", "max_shift_s", "open_end", "end_depot_id"):
        op.drop_column("vehicles", column)
