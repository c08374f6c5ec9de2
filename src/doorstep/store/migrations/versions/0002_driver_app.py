"""driver app: login codes, stop status and events, proofs of delivery, positions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:30:20.505015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "driver_codes",
        sa.Column("driver_id", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["driver_id"], ["drivers.id"], name=op.f("fk_driver_codes_driver_id_drivers")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_driver_codes_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_driver_codes_code_hash")),
    )
    with op.batch_alter_table("driver_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_driver_codes_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_driver_codes_org_id"), ["org_id"], unique=False)

    op.create_table(
        "driver_positions",
        sa.Column("driver_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("route_id", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lng", sa.Double(), nullable=False),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(["driver_id"], ["drivers.id"], name=op.f("fk_driver_positions_driver_id_drivers")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_driver_positions_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("driver_id", name=op.f("pk_driver_positions")),
    )
    with op.batch_alter_table("driver_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_driver_positions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "positions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("driver_id", sa.String(length=64), nullable=False),
        sa.Column("route_id", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lng", sa.Double(), nullable=False),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("speed_mps", sa.Double(), nullable=True),
        sa.Column("heading_deg", sa.Double(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["driver_id"], ["drivers.id"], name=op.f("fk_positions_driver_id_drivers")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_positions_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
        sa.UniqueConstraint("org_id", "driver_id", "client_id", name="uq_positions_driver_client"),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index("ix_positions_route_at", ["route_id", "at"], unique=False)

    op.create_table(
        "proofs",
        sa.Column("stop_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(length=40), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("barcodes", sa.JSON(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lng", sa.Double(), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_proofs_org_id_organizations")),
        sa.ForeignKeyConstraint(["stop_id"], ["stops.id"], name=op.f("fk_proofs_stop_id_stops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proofs")),
    )
    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proofs_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proofs_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proofs_stop_id"), ["stop_id"], unique=False)

    op.create_table(
        "stop_events",
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("route_id", sa.String(length=64), nullable=False),
        sa.Column("stop_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("driver_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lng", sa.Double(), nullable=True),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("proof_id", sa.String(length=64), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_stop_events_org_id_organizations")),
        sa.ForeignKeyConstraint(["route_id"], ["routes.id"], name=op.f("fk_stop_events_route_id_routes")),
        sa.ForeignKeyConstraint(["stop_id"], ["stops.id"], name=op.f("fk_stop_events_stop_id_stops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stop_events")),
        sa.UniqueConstraint("org_id", "client_id", name="uq_stop_events_org_client"),
    )
    with op.batch_alter_table("stop_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stop_events_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stop_events_route_id"), ["route_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stop_events_stop_id"), ["stop_id"], unique=False)

    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), server_default="pending", nullable=False))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.drop_column("status")

    with op.batch_alter_table("stop_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stop_events_stop_id"))
        batch_op.drop_index(batch_op.f("ix_stop_events_route_id"))
        batch_op.drop_index(batch_op.f("ix_stop_events_org_id"))

    op.drop_table("stop_events")
    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proofs_stop_id"))
        batch_op.drop_index(batch_op.f("ix_proofs_org_id"))
        batch_op.drop_index(batch_op.f("ix_proofs_order_id"))

    op.drop_table("proofs")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index("ix_positions_route_at")

    op.drop_table("positions")
    with op.batch_alter_table("driver_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_positions_org_id"))

    op.drop_table("driver_positions")
    with op.batch_alter_table("driver_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_codes_org_id"))
        batch_op.drop_index(batch_op.f("ix_driver_codes_driver_id"))

    op.drop_table("driver_codes")
