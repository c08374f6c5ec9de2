"""live dispatch tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:29:31.506660
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "live_proposals",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("base_versions", sa.JSON(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("chosen", sa.Integer(), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_live_proposals_org_id_organizations")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_live_proposals_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_proposals")),
    )
    with op.batch_alter_table("live_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_proposals_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_live_proposals_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "returns",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("pickup_order_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("barcode", sa.String(length=200), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_returns_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_barcode"), ["barcode"], unique=False)
        batch_op.create_index(batch_op.f("ix_returns_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_returns_org_id"), ["org_id"], unique=False)

    op.create_table(
        "route_live",
        sa.Column("route_id", sa.String(length=64), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("position", sa.JSON(), nullable=True),
        sa.Column("etas", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_route_live_org_id_organizations")),
        sa.ForeignKeyConstraint(["route_id"], ["routes.id"], name=op.f("fk_route_live_route_id_routes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_live")),
        sa.UniqueConstraint("route_id", name=op.f("uq_route_live_route_id")),
    )
    with op.batch_alter_table("route_live", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_live_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table("route_live", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_route_live_org_id"))

    op.drop_table("route_live")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_returns_org_id"))
        batch_op.drop_index(batch_op.f("ix_returns_order_id"))
        batch_op.drop_index(batch_op.f("ix_returns_barcode"))

    op.drop_table("returns")
    with op.batch_alter_table("live_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_proposals_plan_id"))
        batch_op.drop_index(batch_op.f("ix_live_proposals_org_id"))

    op.drop_table("live_proposals")
