"""green zones: electric range and charging on vehicle types, access zones of an organization

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing vehicle types have no range; no zone exists)."""
    with op.batch_alter_table("vehicle_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("range_m", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reserve_m", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("charge_s", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "access_zones",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("vehicle_types", sa.JSON(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_access_zones_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_zones")),
    )
    with op.batch_alter_table("access_zones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_zones_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("access_zones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_zones_org_id"))
    op.drop_table("access_zones")
    with op.batch_alter_table("vehicle_types", schema=None) as batch_op:
        batch_op.drop_column("charge_s")
        batch_op.drop_column("reserve_m")
        batch_op.drop_column("range_m")
