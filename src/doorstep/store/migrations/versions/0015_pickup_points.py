"""pickup points: counters and lockers with opening hours and a daily capacity; orders may name one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing orders go to no point: the column is null)."""
    op.create_table(
        "pickup_points",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lng", sa.Double(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("depot_id", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("capacity_parcels", sa.Integer(), nullable=False),
        sa.Column("handover_s", sa.Integer(), nullable=False),
        sa.Column("per_parcel_s", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["depot_id"], ["depots.id"], name=op.f("fk_pickup_points_depot_id_depots")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_pickup_points_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_points")),
    )
    with op.batch_alter_table("pickup_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pickup_points_depot_id"), ["depot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pickup_points_org_id"), ["org_id"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pickup_point_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_pickup_point_id"), ["pickup_point_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_pickup_point_id_pickup_points"), "pickup_points", ["pickup_point_id"], ["id"]
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_orders_pickup_point_id_pickup_points"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_orders_pickup_point_id"))
        batch_op.drop_column("pickup_point_id")
    with op.batch_alter_table("pickup_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pickup_points_org_id"))
        batch_op.drop_index(batch_op.f("ix_pickup_points_depot_id"))
    op.drop_table("pickup_points")
