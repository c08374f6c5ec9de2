"""tracking and feedback: customer tracking links that expire and can be revoked, one feedback per delivered
order, the organization's tracking-photo setting and where a parcel was left (a proof's safe place)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:34:57.652560
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owned() -> list[sa.Column[object]]:
    """The columns every organization-owned row has (id, org_id, created_at)."""
    return [
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "tracking_tokens",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        *_owned(),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_tracking_tokens_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tracking_tokens_token_hash")),
    )
    with op.batch_alter_table("tracking_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tracking_tokens_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tracking_tokens_org_id"), ["org_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("route_id", sa.String(length=64), nullable=True),
        sa.Column("driver_id", sa.String(length=64), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_owned(),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_feedback_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("order_id", name=op.f("uq_feedback_order_id")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_driver_id"), ["driver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_route_id"), ["route_id"], unique=False)

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tracking_photo", sa.Boolean(), server_default="0", nullable=False))

    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("safe_place", sa.String(length=200), server_default="", nullable=False))


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table("proofs", schema=None) as batch_op:
        batch_op.drop_column("safe_place")

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("tracking_photo")

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_route_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_org_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_driver_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_day"))
    op.drop_table("feedback")

    with op.batch_alter_table("tracking_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_tokens_org_id"))
        batch_op.drop_index(batch_op.f("ix_tracking_tokens_order_id"))
    op.drop_table("tracking_tokens")
