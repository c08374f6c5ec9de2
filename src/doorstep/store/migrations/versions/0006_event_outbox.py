"""event outbox: which handler ran for which event; a planning job's heartbeat

Revision ID: 0006
Revises: 0005h
Create Date: 2026-12-02 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005h"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "event_handlings",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("handler", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_event_handlings_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_handlings")),
        sa.UniqueConstraint("event_id", "handler", name="uq_event_handlings_event_handler"),
    )
    with op.batch_alter_table("event_handlings", schema=None) as batch_op:
        batch_op.create_index("ix_event_handlings_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_handlings_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_handlings_org_id"), ["org_id"], unique=False)
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
    op.drop_table("event_handlings")
