"""delivery slots: slot policies, offers, holds and the per-slot counter rows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:35:17.246032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "slot_counts",
        sa.Column("slot_key", sa.String(length=200), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_slot_counts_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_counts")),
        sa.UniqueConstraint("org_id", "slot_key", name="uq_slot_counts_org_key"),
    )
    with op.batch_alter_table("slot_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slot_counts_org_id"), ["org_id"], unique=False)

    op.create_table(
        "slot_holds",
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("slot_key", sa.String(length=200), nullable=False),
        sa.Column("zone_id", sa.String(length=40), nullable=False),
        sa.Column("service_level", sa.String(length=40), nullable=False),
        sa.Column("depot_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lng", sa.Double(), nullable=False),
        sa.Column("size", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_slot_holds_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_holds")),
        sa.UniqueConstraint("offer_id", name="uq_slot_holds_offer"),
    )
    with op.batch_alter_table("slot_holds", schema=None) as batch_op:
        batch_op.create_index("ix_slot_holds_due", ["status", "expires_at"], unique=False)
        batch_op.create_index("ix_slot_holds_org_day", ["org_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_slot_holds_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_slot_holds_slot_key"), ["slot_key"], unique=False)

    op.create_table(
        "slot_offers",
        sa.Column("slot_key", sa.String(length=200), nullable=False),
        sa.Column("zone_id", sa.String(length=40), nullable=False),
        sa.Column("template_id", sa.String(length=40), nullable=False),
        sa.Column("service_level", sa.String(length=40), nullable=False),
        sa.Column("depot_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lng", sa.Double(), nullable=False),
        sa.Column("size", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("cost_cents", sa.Integer(), nullable=False),
        sa.Column("added_m", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_slot_offers_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_offers")),
    )
    with op.batch_alter_table("slot_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slot_offers_org_id"), ["org_id"], unique=False)

    op.create_table(
        "slot_policies",
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_slot_policies_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_policies")),
        sa.UniqueConstraint("org_id", name="uq_slot_policies_org"),
    )
    with op.batch_alter_table("slot_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slot_policies_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("slot_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_policies_org_id"))

    op.drop_table("slot_policies")
    with op.batch_alter_table("slot_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_offers_org_id"))

    op.drop_table("slot_offers")
    with op.batch_alter_table("slot_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_holds_slot_key"))
        batch_op.drop_index(batch_op.f("ix_slot_holds_org_id"))
        batch_op.drop_index("ix_slot_holds_org_day")
        batch_op.drop_index("ix_slot_holds_due")

    op.drop_table("slot_holds")
    with op.batch_alter_table("slot_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_counts_org_id"))

    op.drop_table("slot_counts")
