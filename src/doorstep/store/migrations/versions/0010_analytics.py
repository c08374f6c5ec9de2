"""analytics: the promised window of each stop, the attempt number of each order, the fuel of a vehicle type,
an index for reading a date range of stop events, the KPI rollup of closed days, and the ETAs each stop was given
60, 30 and 10 minutes ahead

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (stops planned before it have no promised window: the on-time rate leaves them out)."""
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promised_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("promised_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("eta_60", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("eta_30", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("eta_10", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("vehicle_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fuel", sa.String(length=20), nullable=True))
    with op.batch_alter_table("stop_events", schema=None) as batch_op:
        batch_op.create_index("ix_stop_events_org_at", ["org_id", "at"], unique=False)
    op.create_table(
        "kpi_daily",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("depot_id", sa.String(length=64), nullable=False),
        sa.Column("driver_id", sa.String(length=64), nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("promised", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("first_attempts", sa.Integer(), nullable=False),
        sa.Column("first_attempt_ok", sa.Integer(), nullable=False),
        sa.Column("with_proof", sa.Integer(), nullable=False),
        sa.Column("out_of_turn", sa.Integer(), nullable=False),
        sa.Column("routes", sa.Integer(), nullable=False),
        sa.Column("driven_routes", sa.Integer(), nullable=False),
        sa.Column("capacity_routes", sa.Integer(), nullable=False),
        sa.Column("planned_m_driven", sa.Integer(), nullable=False),
        sa.Column("planned_s_driven", sa.Integer(), nullable=False),
        sa.Column("messages_sent", sa.Integer(), nullable=False),
        sa.Column("messages_failed", sa.Integer(), nullable=False),
        sa.Column("failed_not_home", sa.Integer(), nullable=False),
        sa.Column("failed_address_not_found", sa.Integer(), nullable=False),
        sa.Column("failed_refused", sa.Integer(), nullable=False),
        sa.Column("failed_no_access", sa.Integer(), nullable=False),
        sa.Column("failed_damaged", sa.Integer(), nullable=False),
        sa.Column("failed_no_parking", sa.Integer(), nullable=False),
        sa.Column("failed_out_of_time", sa.Integer(), nullable=False),
        sa.Column("failed_other", sa.Integer(), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("cost_cents", sa.Float(), nullable=False),
        sa.Column("co2_g", sa.Float(), nullable=False),
        sa.Column("hours_in_shifts", sa.Float(), nullable=False),
        sa.Column("shift_hours", sa.Float(), nullable=False),
        sa.Column("capacity_ratio_sum", sa.Float(), nullable=False),
        sa.Column("actual_m", sa.Float(), nullable=False),
        sa.Column("actual_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_kpi_daily_org_id_organizations")),
        sa.PrimaryKeyConstraint("org_id", "day", "depot_id", "driver_id", "vehicle_id", name=op.f("pk_kpi_daily")),
    )
    op.create_table(
        "kpi_heat",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("depot_id", sa.String(length=64), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_kpi_heat_org_id_organizations")),
        sa.PrimaryKeyConstraint("org_id", "day", "depot_id", "hour", name=op.f("pk_kpi_heat")),
    )
    op.create_table(
        "kpi_days",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_kpi_days_org_id_organizations")),
        sa.PrimaryKeyConstraint("org_id", "day", name=op.f("pk_kpi_days")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("kpi_days")
    op.drop_table("kpi_heat")
    op.drop_table("kpi_daily")
    with op.batch_alter_table("stop_events", schema=None) as batch_op:
        batch_op.drop_index("ix_stop_events_org_at")
    with op.batch_alter_table("vehicle_types", schema=None) as batch_op:
        batch_op.drop_column("fuel")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("attempt")
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.drop_column("eta_10")
        batch_op.drop_column("eta_30")
        batch_op.drop_column("eta_60")
        batch_op.drop_column("promised_end")
        batch_op.drop_column("promised_start")
