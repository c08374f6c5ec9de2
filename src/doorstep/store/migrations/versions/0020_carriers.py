"""carriers: partner carriers (3PL), their bookings and the status callbacks they sent

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (no carrier until an admin adds one)."""
    op.create_table(
        "carriers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_carriers_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carriers")),
    )
    with op.batch_alter_table("carriers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carriers_org_id"), ["org_id"], unique=False)

    op.create_table(
        "carrier_callbacks",
        sa.Column("carrier_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("booking_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["carrier_id"], ["carriers.id"], name=op.f("fk_carrier_callbacks_carrier_id_carriers")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_carrier_callbacks_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_callbacks")),
        sa.UniqueConstraint("carrier_id", "event_id", name="uq_carrier_callbacks_carrier_event"),
    )
    with op.batch_alter_table("carrier_callbacks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_carrier_callbacks_org_id"), ["org_id"], unique=False)

    op.create_table(
        "carrier_bookings",
        sa.Column("carrier_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("active_key", sa.String(length=64), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("saving_cents", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("tracking_url", sa.String(length=1000), nullable=False),
        sa.Column("label_url", sa.String(length=1000), nullable=False),
        sa.Column("carrier_status", sa.String(length=30), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["carrier_id"], ["carriers.id"], name=op.f("fk_carrier_bookings_carrier_id_carriers")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_carrier_bookings_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_carrier_bookings_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_bookings")),
        sa.UniqueConstraint("active_key", name="uq_carrier_bookings_active_key"),
    )
    with op.batch_alter_table("carrier_bookings", schema=None) as batch_op:
        batch_op.create_index("ix_carrier_bookings_carrier_day", ["carrier_id", "day"], unique=False)
        batch_op.create_index("ix_carrier_bookings_carrier_ref", ["carrier_id", "external_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_carrier_bookings_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_carrier_bookings_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("carrier_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carrier_bookings_org_id"))
        batch_op.drop_index(batch_op.f("ix_carrier_bookings_order_id"))
        batch_op.drop_index("ix_carrier_bookings_carrier_day")
        batch_op.drop_index("ix_carrier_bookings_carrier_ref")

    op.drop_table("carrier_bookings")
    with op.batch_alter_table("carrier_callbacks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carrier_callbacks_org_id"))

    op.drop_table("carrier_callbacks")
    with op.batch_alter_table("carriers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carriers_org_id"))

    op.drop_table("carriers")
