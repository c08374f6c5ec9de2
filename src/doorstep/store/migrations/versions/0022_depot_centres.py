"""depot centres: a depot's daily parcel capacity and loading docks; inbound transfers (trunk runs) and their orders

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing depots have no capacity or dock limit; no transfer exists)."""
    with op.batch_alter_table("depots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capacity_parcels_per_day", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("docks", sa.Integer(), nullable=True))
    op.create_table(
        "transfers",
        sa.Column("depot_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("arrival", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sorting_s", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["depot_id"], ["depots.id"], name=op.f("fk_transfers_depot_id_depots")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_transfers_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index("ix_transfers_depot_day", ["depot_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfers_org_id"), ["org_id"], unique=False)
    op.create_table(
        "transfer_orders",
        sa.Column("transfer_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_transfer_orders_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_transfer_orders_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_transfer_orders_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_orders")),
        sa.UniqueConstraint("order_id", name="uq_transfer_orders_order_id"),
    )
    with op.batch_alter_table("transfer_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_orders_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfer_orders_transfer_id"), ["transfer_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("transfer_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_orders_transfer_id"))
        batch_op.drop_index(batch_op.f("ix_transfer_orders_org_id"))
    op.drop_table("transfer_orders")
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_org_id"))
        batch_op.drop_index("ix_transfers_depot_day")
    op.drop_table("transfers")
    with op.batch_alter_table("depots", schema=None) as batch_op:
        batch_op.drop_column("docks")
        batch_op.drop_column("capacity_parcels_per_day")
