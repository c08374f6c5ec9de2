"""load scans: the barcodes a driver scanned into the van before departure, and the done-loading checks

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "load_scans",
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("route_id", sa.String(length=64), nullable=False),
        sa.Column("driver_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_load_scans_org_id_organizations")),
        sa.ForeignKeyConstraint(["route_id"], ["routes.id"], name=op.f("fk_load_scans_route_id_routes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_scans")),
        sa.UniqueConstraint("org_id", "client_id", name="uq_load_scans_org_client"),
    )
    with op.batch_alter_table("load_scans", schema=None) as batch_op:
        batch_op.create_index("ix_load_scans_route_at", ["route_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_load_scans_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("load_scans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_load_scans_org_id"))
        batch_op.drop_index("ix_load_scans_route_at")
    op.drop_table("load_scans")
