"""order zones: each order's delivery zone (orders.zone_id), and the KPI rollup of closed days per zone

Orders stored before this revision get the zone of their organization's slot policy now (the first zone that
contains them; none without a policy). The rollups made before know nothing of zones (nor of late deliveries), so
they are dropped: the next request over a closed day rolls it up again from the record, with its zones.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTS = ("attempts", "deliveries", "failed", "promised", "on_time", "late", "first_attempts", "first_attempt_ok",
        "with_proof", "out_of_turn", "routes", "driven_routes", "capacity_routes", "planned_m_driven",
        "planned_s_driven", "messages_sent", "messages_failed", "ratings", "rating_sum", "rating_1", "rating_2",
        "rating_3", "rating_4", "rating_5", "failed_not_home", "failed_address_not_found", "failed_refused",
        "failed_no_access", "failed_damaged", "failed_no_parking", "failed_out_of_time", "failed_other")  # fmt: skip
FLOATS = ("km", "hours", "cost_cents", "co2_g", "hours_in_shifts", "shift_hours", "capacity_ratio_sum", "actual_m",
          "actual_s")  # fmt: skip


def _assign_zones() -> None:
    """Each existing order of an organization with a slot policy gets the first zone containing it."""
    conn = op.get_bind()
    policies = conn.execute(sa.text("SELECT org_id, data FROM slot_policies")).all()
    if not policies:
        return
    import json

    from doorstep.domain.geo import LatLng
    from doorstep.domain.slots import parse_policy
    from doorstep.domain.zoning import zone_at

    for org_id, data in policies:
        doc = json.loads(data) if isinstance(data, str) else data
        rows = conn.execute(sa.text("SELECT id, lat, lng FROM depots WHERE org_id = :o"), {"o": org_id}).all()
        depots = {r.id: LatLng(r.lat, r.lng) for r in rows}
        policy, _ = parse_policy(doc, set(depots))
        orders = conn.execute(sa.text("SELECT id, lat, lng FROM orders WHERE org_id = :o"), {"o": org_id}).all()
        updates = [{"i": o.id, "z": z} for o in orders
                   if (z := zone_at(policy.zones, depots, LatLng(o.lat, o.lng))) is not None]  # fmt: skip
        if updates:
            conn.execute(sa.text("UPDATE orders SET zone_id = :z WHERE id = :i"), updates)


def _forget_rollups() -> None:
    for table in ("kpi_daily", "kpi_heat", "kpi_days"):
        op.execute(sa.text(f"DELETE FROM {table}"))


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zone_id", sa.String(length=64), nullable=True))
    _forget_rollups()
    with op.batch_alter_table("kpi_daily", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "kpi_zone_daily",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zone_id", sa.String(length=64), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in INTS),
        *(sa.Column(n, sa.Float(), nullable=False) for n in FLOATS),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_kpi_zone_daily_org_id_organizations")),
        sa.PrimaryKeyConstraint("org_id", "day", "zone_id", name=op.f("pk_kpi_zone_daily")),
    )
    op.create_table(
        "kpi_zone_heat",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zone_id", sa.String(length=64), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in ("attempts", "failed", "late")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_kpi_zone_heat_org_id_organizations")),
        sa.PrimaryKeyConstraint("org_id", "day", "zone_id", "hour", name=op.f("pk_kpi_zone_heat")),
    )
    _assign_zones()


def downgrade() -> None:
    """Revert this revision (the rollups are dropped again: they are made from the record on request)."""
    op.drop_table("kpi_zone_heat")
    op.drop_table("kpi_zone_daily")
    _forget_rollups()
    with op.batch_alter_table("kpi_daily", schema=None) as batch_op:
        batch_op.drop_column("late")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("zone_id")
